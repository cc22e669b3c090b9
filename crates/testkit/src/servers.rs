//! Servers a test can kill and start again on the same port and data: NATS (with the
//! bus's users) and the database, each in a home of its own.

use crate::{
    nats::{self, ClusterMember, NatsEndpoint, NatsUsers, Purpose},
    process::{Home, ServerProcess},
    tools::Tool,
};

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
    cluster: Option<ClusterMember>,
    purpose: Purpose,
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
                    &Tool::NatsServer.locate(),
                    &args,
                    &settings.users.server_env(),
                    home,
                    "Listening for client connections on 127.0.0.1:",
                )
            }
            Self::Mongo => ServerProcess::spawn_with_env(
                "secantusd-rs",
                &Tool::Secantus.locate(),
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

    pub(crate) fn start_nats_member(
        home: Home,
        users: NatsUsers,
        cluster: Option<ClusterMember>,
        purpose: Purpose,
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
        Server::start_nats_member(home, NatsUsers::generate(), None, Purpose::Tests)
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
