//! The floor server (`crates/bench-floor`), started beside the pinned stack on the
//! services' core, on the same database.

use std::{process::Command, time::Duration};

use anyhow::{Context, bail};
use settings::DEV_JWT_KEY;
use testkit::Supervised;

use super::routes::{SERVICE_CORE, pin};
use crate::{
    stack::{Stack, free_port},
    workspace,
};

/// The floor, serving until dropped.
pub struct Floor {
    pub address: String,
    _process: Supervised,
}

/// Builds the floor in release, as the services are.
pub fn build() -> anyhow::Result<()> {
    let status = workspace::cargo()
        .args(["build", "--release", "--package", "bench-floor"])
        .status()?;
    if !status.success() {
        bail!("building the floor server failed ({status})");
    }
    Ok(())
}

/// Starts the floor on the tickets service's database and session key, pinned to the
/// services' core, and waits until it answers.
pub async fn start(stack: &Stack) -> anyhow::Result<Floor> {
    let port = free_port()?;
    let binary = workspace::target_dir().join("release").join("bench-floor");
    let process = Supervised::spawn(
        Command::new(&binary)
            .env("PORT", port.to_string())
            .env("MONGO_URL", stack.mongo_url())
            .env("MONGO_DB", "tickets")
            .env("JWT_KEY", DEV_JWT_KEY),
        None,
    )
    .with_context(|| format!("cannot start {}", binary.display()))?;
    pin(process.pid(), SERVICE_CORE)?;
    let address = format!("127.0.0.1:{port}");
    let listing = format!("http://{address}/api/tickets");
    for _ in 0..100 {
        if reqwest::get(&listing)
            .await
            .is_ok_and(|answer| answer.status().is_success())
        {
            return Ok(Floor {
                address,
                _process: process,
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("the floor server did not answer {listing} within 10 s")
}
