//! Real servers for integration tests and for the local stack.
//!
//! Tests call [`shared`] for a NATS JetStream server and a MongoDB-compatible server
//! started once per test binary (or the ones named by `NATS_URL` / `MONGO_URL`), and
//! [`unique_name`] for a database name and an event namespace of their own, so tests
//! run in parallel without seeing each other's data. A test that needs to stop and
//! restart a server starts its own with [`Nats::start`] / [`Mongo::start`].
//!
//! Every process started here is stopped by its PID when its guard drops, and by a
//! watchdog if the test process dies without unwinding.

pub mod api;
mod assertions;
mod cluster;
pub mod fuzz;
mod list_page;
pub mod nats;
mod probe;
mod process;
pub mod query_plan;
mod running;
mod servers;
mod shared;
mod supervised;
pub mod tools;
mod users;
mod wait;
mod world;

pub use assertions::{
    assert_error, assert_field_error, assert_published, assert_throttled, errors_of, redeliver,
};
pub use cluster::NatsCluster;
pub use list_page::ListPage;
pub use nats::{NatsEndpoint, NatsUsers};
pub use probe::published;
pub use process::Home;
pub use running::RunningService;
pub use servers::{Mongo, Nats, Server};
pub use shared::{SharedServers, shared, unique_name};
pub use supervised::{AsyncSupervised, Supervised};
pub use users::TestUser;
pub use wait::{TimedOut, Wait, eventually, wait_for};
pub use world::{JWT_KEY, World};
