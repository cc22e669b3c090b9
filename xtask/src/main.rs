//! `cargo xtask test` installs what is missing and runs every test, a short fuzz run
//! and the browser test included; `cargo xtask dev` installs what is missing and runs
//! the whole system locally; `cargo xtask e2e` runs only the browser test;
//! `cargo xtask fuzz` fuzzes the APIs against their OpenAPI documents;
//! `cargo xtask bench` measures.

mod bench;
mod chaos;
mod dev;
mod e2e;
mod fuzz;
mod install;
mod progress;
mod stack;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "Ticketing project commands")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Install what is missing, then run every test of the workspace, a short fuzz
    /// run, a short chaos run and the browser test.
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
    /// Measure per-route throughput, latency and memory, and the purchase flow, with
    /// release builds; results in target/bench/.
    Bench,
    /// Kill every service, NATS and the database under load, then audit every
    /// invariant; exits non-zero on a violation.
    Chaos(chaos::Options),
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
            if !skip_browser {
                runtime()?.block_on(e2e::run())?;
            }
            Ok(())
        }
        Command::Dev(options) => runtime()?.block_on(dev::run(options)),
        Command::E2e => runtime()?.block_on(e2e::run()),
        Command::Bench => runtime()?.block_on(bench::run()),
        Command::Chaos(options) => runtime()?.block_on(chaos::run(options)),
        Command::Fuzz(options) => runtime()?.block_on(fuzz::run(options)),
    }
}

fn test(cargo_args: &[String]) -> anyhow::Result<()> {
    install::ensure_tools()?;
    // crates/deploy-check runs the databases' init script under Node.js against a fake
    // mongod, and infra/create-secrets.sh, which makes keys with openssl.
    install::ensure_apt_package("node", "nodejs", "for the manifest tests")?;
    install::ensure_apt_package("openssl", "openssl", "for the manifest tests")?;
    progress::step("Building and running every test of the workspace");
    let status = cargo()
        .args(["test", "--workspace"])
        .args(cargo_args)
        .status()?;
    if !status.success() {
        anyhow::bail!("tests failed ({status})");
    }
    progress::done("All cargo tests passed");
    Ok(())
}

/// A command for the cargo that runs us, so a pinned toolchain stays pinned.
///
/// `cargo run` hands us variables that describe the xtask package (`CARGO_PKG_NAME`,
/// `CARGO_MANIFEST_DIR`, …). Build scripts such as ring's watch some of them, so a
/// nested build that inherited them would rebuild those crates, and the next plain
/// `cargo build` would rebuild them back. They are removed.
fn cargo() -> std::process::Command {
    let program = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = std::process::Command::new(program);
    for (name, _) in std::env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        let describes_xtask = name.starts_with("CARGO_PKG_")
            || name.starts_with("CARGO_MANIFEST_")
            || matches!(
                name,
                "CARGO_CRATE_NAME" | "CARGO_BIN_NAME" | "CARGO_PRIMARY_PACKAGE"
            );
        if describes_xtask {
            command.env_remove(name);
        }
    }
    command
}

/// The workspace root (the parent of this crate).
fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}

/// A port nothing listens on right now.
fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Where cargo puts what it builds.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace_root().join("target"), PathBuf::from)
}
