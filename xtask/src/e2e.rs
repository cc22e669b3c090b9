//! `cargo xtask e2e`: the browser test. It starts the local stack on a free port with
//! fresh data, runs `e2e/marketplace.mjs` in headless Chromium (Playwright), restarts
//! the stack with a 3-second order hold, and runs the expiry part. Screenshots of
//! every step land in `target/e2e/`.

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

use anyhow::{Context, bail};
use testkit::AsyncSupervised;

use crate::{
    install, progress,
    stack::{Profile, Stack, StackOptions, build_services, free_port},
    workspace,
};

/// Chromium as Debian installs it; `CHROMIUM` overrides.
const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";

/// One run of the scenario against one stack.
struct Phase {
    /// The scenario's argument.
    name: &'static str,
    /// The stack's `ORDER_EXPIRATION_SECONDS`.
    hold_seconds: u64,
}

const PHASES: [Phase; 2] = [
    // The production hold, so the countdown shows 15 minutes.
    Phase {
        name: "sale",
        hold_seconds: 15 * 60,
    },
    // A hold short enough to watch an order expire.
    Phase {
        name: "expiry",
        hold_seconds: 3,
    },
];

/// How long after a sale its seller is paid: short, so the sale phase sees it paid.
const PAYOUT_HOLD_SECONDS: u64 = 3;

/// How long one phase may take before it is stopped.
const PHASE_TIMEOUT: Duration = Duration::from_secs(180);

pub async fn run() -> anyhow::Result<()> {
    let chromium = ensure_chromium()?;
    let scenario_dir = workspace::root().join("e2e");
    ensure_playwright(&scenario_dir)?;
    build_services(Profile::Debug)?;

    let out = workspace::target_dir().join("e2e");
    if out.exists() {
        std::fs::remove_dir_all(&out).context("clear the last browser test's results")?;
    }
    for phase in PHASES {
        progress::step(&format!(
            "Browser test, part \"{}\" (orders hold their ticket {}s)",
            phase.name, phase.hold_seconds
        ));
        // The same data for both parts: the second stack is a restart of the first.
        // A port of its own per part: the last stack's may not be free yet. Cookies
        // ignore the port, so the saved sessions still apply.
        let stack = Stack::start(StackOptions {
            port: free_port()?,
            data: out.join("data"),
            order_expiration_seconds: Some(phase.hold_seconds),
            profile: Profile::Debug,
            pin_services_to_core: None,
            service_env: vec![(
                "payments",
                "PAYOUT_HOLD_SECONDS",
                PAYOUT_HOLD_SECONDS.to_string(),
            )],
            nats_nodes: 1,
            replicas: 1,
            servers_from_env: false,
        })
        .await?;
        let mut scenario = tokio::process::Command::new("node");
        scenario
            .arg("marketplace.mjs")
            .arg(phase.name)
            .current_dir(&scenario_dir)
            .env("E2E_URL", stack.url())
            .env("E2E_OUT", &out)
            .env("E2E_HOLD_SECONDS", phase.hold_seconds.to_string())
            .env("CHROMIUM", &chromium);
        if let Err(error) = run_to_end(&mut scenario).await {
            bail!(
                "{error}\n    screenshots: {}\n    service logs: {}",
                out.display(),
                stack.logs_dir().display()
            );
        }
    }
    let screenshots = std::fs::read_dir(&out)?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|extension| extension == "png"))
        .count();
    progress::done(&format!(
        "The browser test passed; {screenshots} screenshots in {}",
        out.display()
    ));
    Ok(())
}

/// Runs the scenario. If it overruns it gets SIGTERM first, on which Playwright closes
/// the browser it started (in a process group of its own), then SIGKILL.
async fn run_to_end(command: &mut tokio::process::Command) -> anyhow::Result<()> {
    let mut process = AsyncSupervised::spawn(command).context("cannot run node")?;
    if let Ok(status) = tokio::time::timeout(PHASE_TIMEOUT, process.wait()).await {
        let status = status?;
        if !status.success() {
            bail!("the browser scenario failed ({status})");
        }
        return Ok(());
    }
    let _ = tokio::process::Command::new("kill")
        .args(["-TERM", &process.pid().to_string()])
        .status()
        .await;
    let _ = tokio::time::timeout(Duration::from_secs(5), process.wait()).await;
    bail!(
        "the browser scenario took over {}s and was stopped",
        PHASE_TIMEOUT.as_secs()
    )
}

/// The Chromium binary, installed from Debian's packages if missing.
fn ensure_chromium() -> anyhow::Result<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return Ok(PathBuf::from(path));
    }
    install::ensure_apt_package(DEFAULT_CHROMIUM, "chromium", "for the browser test")?;
    progress::done(&format!("chromium found at {DEFAULT_CHROMIUM}"));
    Ok(PathBuf::from(DEFAULT_CHROMIUM))
}

/// Node.js and the pinned playwright-core from `e2e/package-lock.json`.
fn ensure_playwright(scenario_dir: &Path) -> anyhow::Result<()> {
    install::ensure_apt_package("node", "nodejs", "for the browser test")?;
    install::ensure_apt_package("npm", "npm", "for the browser test")?;
    let wanted = package_version(
        &scenario_dir.join("package.json"),
        "/dependencies/playwright-core",
    )?;
    let installed = package_version(
        &scenario_dir.join("node_modules/playwright-core/package.json"),
        "/version",
    );
    if installed.is_ok_and(|installed| installed == wanted) {
        progress::done(&format!(
            "playwright-core {wanted} found in e2e/node_modules"
        ));
        return Ok(());
    }
    progress::step(
        "Installing playwright-core from npm into e2e/node_modules (it drives Debian's Chromium; no browser download)",
    );
    install::run(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(scenario_dir),
    )
}

/// The string at `pointer` in a package.json.
fn package_version(manifest: &Path, pointer: &str) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(manifest)
        .with_context(|| format!("cannot read {}", manifest.display()))?;
    let json: serde_json::Value = serde_json::from_str(&text)?;
    json.pointer(pointer)
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
        .with_context(|| format!("{} has no {pointer}", manifest.display()))
}
