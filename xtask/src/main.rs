//! `cargo xtask test` installs what is missing and runs every test, a short fuzz run
//! and the browser test included; `cargo xtask dev` installs what is missing and runs
//! the whole system locally; `cargo xtask e2e` runs only the browser test;
//! `cargo xtask fuzz` fuzzes the APIs against their OpenAPI documents;
//! `cargo xtask traces` checks one purchase's trace and logs;
//! `cargo xtask bench` measures.

mod bench;
mod chaos;
mod dev;
mod e2e;
mod fuzz;
mod install;
mod progress;
mod rules;
mod stack;
mod traces;
mod workspace;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "Ticketing project commands")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Install what is missing, check the Prometheus rules, then run every test of the
    /// workspace, a short fuzz run, a short chaos run, the trace check and the
    /// browser test.
    Test {
        /// Leave out the browser test.
        #[arg(long)]
        skip_browser: bool,
        /// Extra arguments for `cargo test` (e.g. `-- --nocapture`).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        cargo_args: Vec<String>,
    },
    /// Run NATS, the database, the Stripe fake, every service and the gateway locally.
    Dev(dev::Options),
    /// Run the browser test alone: two users in headless Chromium against a local stack.
    E2e,
    /// Measure per-route throughput, latency and memory, the listing at 100 and at
    /// 100,000 tickets, and the purchase flow, with release builds; results in
    /// target/bench/.
    Bench(bench::Options),
    /// Kill every service, NATS and the database under load, then audit every
    /// invariant; exits non-zero on a violation.
    Chaos(chaos::Options),
    /// One purchase through the gateway with every service exporting spans to an
    /// OTLP receiver; exits non-zero unless it is one whole trace whose id the logs
    /// of two services carry.
    Traces,
    /// Fuzz every API with schemathesis against its OpenAPI document, signed out and
    /// signed in; exits non-zero on a 5xx or a response the document does not allow.
    Fuzz(fuzz::Options),
}

fn main() -> anyhow::Result<()> {
    let runtime = || tokio::runtime::Runtime::new();
    match Cli::parse().command {
        Command::Test {
            skip_browser,
            cargo_args,
        } => {
            test(&cargo_args)?;
            runtime()?.block_on(fuzz::run(fuzz::Options::short()))?;
            runtime()?.block_on(chaos::run(chaos::Options::short()))?;
            runtime()?.block_on(traces::run())?;
            if !skip_browser {
                runtime()?.block_on(e2e::run())?;
            }
            Ok(())
        }
        Command::Dev(options) => runtime()?.block_on(dev::run(options)),
        Command::E2e => runtime()?.block_on(e2e::run()),
        Command::Bench(options) => runtime()?.block_on(bench::run(options)),
        Command::Chaos(options) => runtime()?.block_on(chaos::run(options)),
        Command::Fuzz(options) => runtime()?.block_on(fuzz::run(options)),
        Command::Traces => runtime()?.block_on(traces::run()),
    }
}

fn test(cargo_args: &[String]) -> anyhow::Result<()> {
    install::ensure_tools()?;
    // crates/deploy-check runs the databases' init script under Node.js against a fake
    // mongod, and infra/create-secrets.sh, which makes keys with openssl.
    install::ensure_apt_package("node", "nodejs", "for the manifest tests")?;
    install::ensure_apt_package("openssl", "openssl", "for the manifest tests")?;
    // Seconds, before the long workspace build; it also installs promtool, which the
    // test of the local stack's Prometheus configuration runs.
    rules::check()?;
    progress::step("Building and running every test of the workspace");
    let status = workspace::cargo()
        .args(["test", "--workspace"])
        .args(cargo_args)
        .status()?;
    if !status.success() {
        anyhow::bail!("tests failed ({status})");
    }
    progress::done("All cargo tests passed");
    Ok(())
}
