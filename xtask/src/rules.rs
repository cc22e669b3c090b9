//! The Prometheus alerting and recording rules in `infra/prometheus`: every `*.yaml`
//! there is a rules file, every `*.test.yaml` a promtool unit test of them. `cargo
//! xtask test` checks both with promtool; the local stack's Prometheus loads the rules.

use std::{path::PathBuf, process::Command};

use anyhow::{Context, ensure};

use crate::{install, progress, workspace};

/// The rules files and their unit tests, each sorted by name.
pub struct RuleFiles {
    pub rules: Vec<PathBuf>,
    pub tests: Vec<PathBuf>,
}

/// Finds the files in `infra/prometheus`.
pub fn files() -> anyhow::Result<RuleFiles> {
    let dir = workspace::root().join("infra/prometheus");
    let mut found = RuleFiles {
        rules: Vec::new(),
        tests: Vec::new(),
    };
    for entry in std::fs::read_dir(&dir).with_context(|| format!("read {}", dir.display()))? {
        let path = entry?.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if name.ends_with(".test.yaml") {
            found.tests.push(path);
        } else if name.ends_with(".yaml") {
            found.rules.push(path);
        }
    }
    found.rules.sort();
    found.tests.sort();
    ensure!(
        !found.rules.is_empty() && !found.tests.is_empty(),
        "{} holds no rules or no rule tests",
        dir.display()
    );
    Ok(found)
}

/// `promtool check rules` on every rules file, then `promtool test rules` on every
/// test; fails if either finds a problem.
pub fn check() -> anyhow::Result<()> {
    install::ensure_apt_package("promtool", "prometheus", "to check the Prometheus rules")?;
    progress::step("Checking the Prometheus rules and running their unit tests (promtool)");
    let files = files()?;
    install::run(
        Command::new("promtool")
            .args(["check", "rules"])
            .args(&files.rules),
    )?;
    install::run(
        Command::new("promtool")
            .args(["test", "rules"])
            .args(&files.tests),
    )?;
    progress::done("The Prometheus rules are valid and their tests pass");
    Ok(())
}
