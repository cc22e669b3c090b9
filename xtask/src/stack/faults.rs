//! The faults the chaos run injects: a crash (SIGKILL, no chance to flush) of a
//! service, of one NATS node, of the whole NATS cluster or of the database, and the
//! restart on the same port and data after a while.

use std::time::{Duration, Instant};

use anyhow::Context;
use testkit::{NatsCluster, Server};

use super::{
    launch::{Launcher, Listen, LogFile, RunningService},
    readiness,
};

/// Kills replica `replica` (from 1) of the service `name` and starts it again on the
/// same ports (its API's and its metrics') after `down_for`; returns once it is ready, with the moment the killed
/// process was gone.
pub async fn crash_and_restart_service(
    launcher: &Launcher,
    services: &mut Vec<RunningService>,
    name: &str,
    replica: usize,
    down_for: Duration,
) -> anyhow::Result<Instant> {
    let index = services
        .iter()
        .position(|service| service.name() == name && service.replica == replica)
        .with_context(|| format!("the stack has no replica {replica} of {name}"))?;
    let crashed = services.remove(index);
    let (spec, listen) = (crashed.spec, Listen::of(&crashed));
    crashed.process.kill().await;
    let gone = Instant::now();
    tokio::time::sleep(down_for).await;
    let mut service = launcher.start(spec, replica, listen, LogFile::Append)?;
    readiness::wait_until_ready(&mut service).await?;
    services.insert(index, service);
    Ok(gone)
}

/// Kills every node of `nats` and starts them again after `down_for`.
pub async fn crash_and_restart_cluster(nats: &mut NatsCluster, down_for: Duration) {
    for node in &mut nats.nodes {
        node.stop();
    }
    tokio::time::sleep(down_for).await;
    for node in &mut nats.nodes {
        restart(node);
    }
}

/// Kills `server` (a NATS node, the database) and starts it again after `down_for`.
pub async fn crash_and_restart_server(server: &mut Server, down_for: Duration) {
    server.stop();
    tokio::time::sleep(down_for).await;
    restart(server);
}

fn restart(server: &mut Server) {
    // Starting waits for the server's ready line; let the runtime's other tasks (the
    // gateway, the load) go on meanwhile.
    tokio::task::block_in_place(|| server.restart());
}
