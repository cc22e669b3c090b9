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
    let status = cargo()
        .args(["test", "--workspace"])
        .args(cargo_args)
        .status()?;
    if !status.success() {
        anyhow::bail!("tests failed ({status})");
    }
    progress::done("All tests passed");
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
