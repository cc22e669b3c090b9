//! One schemathesis run against one document, and what its JSON report says.

use std::path::Path;

use anyhow::Context;
use testkit::tools::Tool;

/// Which checks run, and where the contract refuses well-formed input (see the file).
const CONFIG: &str = include_str!("schemathesis.toml");

/// How much to generate.
pub struct Plan {
    /// Test cases per operation and phase, at most.
    pub max_examples: u32,
    /// Without one a random seed is picked and printed.
    pub seed: Option<u64>,
}

/// What one run generated and found.
pub struct Outcome {
    pub cases: u64,
    /// Distinct failed checks.
    pub failures: u64,
    /// Operations schemathesis could not test (a broken schema, no answer, …).
    pub errors: u64,
    /// Schemathesis exited with 0 and finished.
    clean_exit: bool,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.clean_exit && self.failures == 0 && self.errors == 0
    }
}

/// One document to fuzz, and how.
pub struct Run<'a> {
    pub gateway: &'a str,
    /// Where the gateway routes the API; its document is at `{prefix}/openapi.json`.
    pub prefix: &'a str,
    /// The session cookie's value, as the document's `session` security scheme.
    pub session: Option<&'a str>,
    /// Configuration that hands schemathesis ids that exist (see `seed`).
    pub seeds: String,
}

impl Run<'_> {
    /// Runs schemathesis, sending requests to the gateway. Its own progress and any
    /// failure's details go to the terminal; its configuration and JSON report land
    /// in `run_dir`.
    pub fn run(&self, plan: &Plan, run_dir: &Path) -> anyhow::Result<Outcome> {
        let (gateway, prefix) = (self.gateway, self.prefix);
        std::fs::create_dir_all(run_dir)?;
        let config = run_dir.join("schemathesis.toml");
        let report = run_dir.join("report.json");
        let mut command = Tool::Schemathesis.command();
        let mut toml = format!("{CONFIG}\n{}", self.seeds);
        if let Some(token) = self.session {
            // The key comes from the environment, so the token is not written to disk.
            toml += "\n[auth.openapi.session]\napi_key = \"${FUZZ_SESSION}\"\n";
            command.env("FUZZ_SESSION", token);
        }
        std::fs::write(&config, toml)?;
        command
            .arg(format!("--config-file={}", config.display()))
            .arg("run")
            .arg(format!("{gateway}{prefix}/openapi.json"))
            .arg(format!("--url={gateway}"))
            .arg(format!("--max-examples={}", plan.max_examples))
            // Examples found earlier would make runs differ; the seed replays a run.
            .arg("--generation-database=none")
            .arg("--report=json")
            .arg(format!("--report-json-path={}", report.display()))
            // Its caches and any default report stay out of the repository.
            .current_dir(run_dir);
        if let Some(seed) = plan.seed {
            command.arg(format!("--seed={seed}"));
        }
        let status = command.status().context("cannot run schemathesis")?;
        let text = std::fs::read_to_string(&report)
            .with_context(|| format!("schemathesis wrote no report ({status})"))?;
        let json: serde_json::Value = serde_json::from_str(&text)?;
        let count = |pointer: &str| json.pointer(pointer).and_then(serde_json::Value::as_u64);
        Ok(Outcome {
            cases: count("/test_cases/generated").context("the report has no case count")?,
            failures: count("/test_cases/unique_failures").unwrap_or_default(),
            errors: count("/operations/errored").unwrap_or_default(),
            clean_exit: status.success() && json["complete"] == true,
        })
    }
}
