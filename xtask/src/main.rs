//! `cargo xtask test` installs what is missing and runs every test;
//! `cargo xtask dev` installs what is missing and runs the whole system locally.

mod dev;
mod install;
mod progress;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "Ticketing project commands")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Install the test servers if missing, then run every test of the workspace.
    Test {
        /// Extra arguments for `cargo test` (e.g. `-- --nocapture`).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        cargo_args: Vec<String>,
    },
    /// Run NATS, the database, every service and the gateway locally.
    Dev(dev::Options),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Test { cargo_args } => test(&cargo_args),
        Command::Dev(options) => tokio::runtime::Runtime::new()?.block_on(dev::run(options)),
    }
}

fn test(cargo_args: &[String]) -> anyhow::Result<()> {
    install::ensure_tools()?;
    progress::step("Building and running every test of the workspace");
    let status = std::process::Command::new(cargo())
        .args(["test", "--workspace"])
        .args(cargo_args)
        .status()?;
    if !status.success() {
        anyhow::bail!("tests failed ({status})");
    }
    progress::done("All tests passed");
    Ok(())
}

/// The cargo that runs us, so a pinned toolchain stays pinned.
fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// The workspace root (the parent of this crate).
fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}
