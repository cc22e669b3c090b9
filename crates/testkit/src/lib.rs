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
pub mod fuzz;
pub mod nats;
mod probe;
mod process;
mod running;
mod supervised;
pub mod tools;
mod users;
mod wait;
mod world;

use std::sync::OnceLock;

pub use assertions::{assert_error, assert_published, errors_of, redeliver};
pub use nats::{NatsCluster, NatsEndpoint, NatsUsers};
pub use probe::published;
pub use process::Home;
use process::ServerProcess;
pub use running::RunningService;
pub use supervised::{AsyncSupervised, Supervised};
pub use users::TestUser;
pub use wait::{TimedOut, Wait, eventually, wait_for};
pub use world::{JWT_KEY, World};

/// The two kinds of server the system needs.
#[derive(Debug, Clone)]
enum Kind {
    Nats(NatsSettings),
    Mongo,
}

/// What a NATS server is started with, kept for its restarts.
#[derive(Debug, Clone)]
struct NatsSettings {
    users: NatsUsers,
    cluster: Option<nats::ClusterMember>,
    purpose: nats::Purpose,
}

impl Kind {
    fn spawn(&self, home: &Home, port: Option<u16>) -> ServerProcess {
        match self {
            Self::Nats(settings) => {
                nats::write_config(home, settings.purpose, settings.cluster.as_ref());
                let args = nats::args(home.path(), port);
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                ServerProcess::spawn_with_env(
                    "nats-server",
                    &tools::Tool::NatsServer.locate(),
                    &args,
                    &settings.users.server_env(),
                    home,
                    "Listening for client connections on 127.0.0.1:",
                )
            }
            Self::Mongo => ServerProcess::spawn_with_env(
                "secantusd-rs",
                &tools::Tool::Secantus.locate(),
                &[
                    "--host",
                    "127.0.0.1",
                    "--port",
                    &port.unwrap_or(0).to_string(),
                    "--cache-size",
                    "256M",
                    // An acknowledged write survives a crash, as with MongoDB's
                    // journaled write concern; without it SecantusDB keeps the last
                    // commits in memory, and the chaos run's SIGKILL lost some.
                    "--sync-on-commit",
                    "--storage-path",
                ],
                &[],
                home,
                "listening on 127.0.0.1:",
            ),
        }
    }
}

/// A server that can be killed and started again on the same port and data, like a
/// crash and a restart.
pub struct Server {
    kind: Kind,
    process: Option<ServerProcess>,
    port: u16,
    // Declared after `process` so the server stops before its directory is deleted.
    home: Home,
}

impl Server {
    fn start(kind: Kind, home: Home) -> Self {
        let process = kind.spawn(&home, None);
        Self {
            kind,
            port: process.port(),
            process: Some(process),
            home,
        }
    }

    fn start_nats_member(
        home: Home,
        users: NatsUsers,
        cluster: Option<nats::ClusterMember>,
        purpose: nats::Purpose,
    ) -> Self {
        let settings = NatsSettings {
            users,
            cluster,
            purpose,
        };
        Self::start(Kind::Nats(settings), home)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL clients connect to.
    pub fn url(&self) -> String {
        match self.kind {
            Kind::Nats(_) => format!("nats://127.0.0.1:{}", self.port),
            Kind::Mongo => format!("mongodb://127.0.0.1:{}/?directConnection=true", self.port),
        }
    }

    /// Where and as whom clients reach this NATS server.
    pub fn nats_endpoint(&self) -> NatsEndpoint {
        match &self.kind {
            Kind::Nats(settings) => NatsEndpoint {
                url: self.url(),
                users: Some(settings.users.clone()),
            },
            Kind::Mongo => panic!("the database is not a NATS server"),
        }
    }

    /// The server's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.process.as_ref().map(ServerProcess::pid)
    }

    /// Kills the server (SIGKILL: no chance to flush, like a crash).
    pub fn stop(&mut self) {
        self.process = None;
    }

    /// Starts it again on the same port and data, after [`Server::stop`].
    pub fn restart(&mut self) {
        self.process = None;
        self.process = Some(self.kind.spawn(&self.home, Some(self.port)));
    }
}

/// A NATS server with JetStream (file storage, so streams survive a restart), the
/// bus's users and permissions, and fresh passwords.
pub struct Nats;

impl Nats {
    /// Starts `nats-server` on a free port with a fresh store directory.
    pub fn start() -> Server {
        Self::start_in(Home::temporary("nats"))
    }

    /// Starts a server whose data lives in `home`.
    pub fn start_in(home: Home) -> Server {
        Server::start_nats_member(home, NatsUsers::generate(), None, nats::Purpose::Tests)
    }
}

/// A MongoDB-compatible server (SecantusDB), advertising a single-node replica set so
/// transactions and change streams work.
pub struct Mongo;

impl Mongo {
    /// Starts `secantusd-rs` on a free port with a fresh storage directory.
    pub fn start() -> Server {
        Self::start_in(Home::temporary("mongo"))
    }

    /// Starts a server whose data lives in `home`.
    pub fn start_in(home: Home) -> Server {
        Server::start(Kind::Mongo, home)
    }
}

/// Where the servers shared by one test binary listen.
pub struct SharedServers {
    pub mongo_url: String,
    pub nats: NatsEndpoint,
}

/// The servers for this test binary: `MONGO_URL` / `NATS_URL` when set, otherwise
/// servers started on first use and stopped when the test binary exits.
pub fn shared() -> &'static SharedServers {
    static SERVERS: OnceLock<(SharedServers, Option<Server>, Option<Server>)> = OnceLock::new();
    let (servers, _, _) = SERVERS.get_or_init(|| {
        let (mongo_url, mongo) = match std::env::var("MONGO_URL") {
            Ok(url) => (url, None),
            Err(_) => {
                let mongo = Mongo::start();
                (mongo.url(), Some(mongo))
            }
        };
        let (nats_endpoint, nats) = match std::env::var("NATS_URL") {
            Ok(url) => (NatsEndpoint::external(url), None),
            Err(_) => {
                let nats = Nats::start();
                (nats.nats_endpoint(), Some(nats))
            }
        };
        (
            SharedServers {
                mongo_url,
                nats: nats_endpoint,
            },
            mongo,
            nats,
        )
    });
    servers
}

/// A name no other test uses, valid as a MongoDB database name and a JetStream stream
/// name: `<prefix>_<random hex>`.
pub fn unique_name(prefix: &str) -> String {
    format!("{prefix}_{:016x}", rand::random::<u64>())
}
