//! What a caller of the stack chooses: where its data lives, which build runs, how
//! NATS is laid out, and what the services are configured with.

use std::path::PathBuf;

use super::{launch::Profile, topology::ExtraEnv};

pub struct StackOptions {
    /// Port of the gateway.
    pub port: u16,
    /// Where the database, the event stream and the logs live; kept between runs.
    pub data: PathBuf,
    /// How long an order holds its ticket; the orders service's default when `None`.
    pub order_expiration_seconds: Option<u64>,
    /// Which build of the binaries to run.
    pub profile: Profile,
    /// Runs every service on this CPU core alone (`taskset`), so tokio starts one
    /// worker: the benchmark's method.
    pub pin_services_to_core: Option<usize>,
    /// How many processes of every service run, side by side behind the gateway.
    pub replicas: usize,
    /// More variables for one service.
    pub service_env: ExtraEnv,
    /// How many NATS servers: 1, or 3 forming a JetStream cluster whose stream keeps
    /// three copies.
    pub nats_nodes: usize,
    /// Use the NATS, MongoDB and Stripe named by `NATS_URL`, `MONGO_URL` and
    /// `STRIPE_API_BASE` when set. Only `xtask dev` does: the browser test, the
    /// benchmark and the chaos run need servers of their own, with fresh data.
    pub servers_from_env: bool,
}
