//! NATS servers as production runs them: JetStream syncing every write to disk, the
//! bus's users and permissions from `marketplace::events::access`, and fresh passwords
//! per server. Here are their configuration, users and endpoints; `servers` starts
//! one, `cluster` three on loopback for `cargo xtask chaos`.

use std::{collections::BTreeMap, fmt::Write, path::Path, sync::Arc};

use marketplace::events::{
    ServiceName,
    access::{OPERATOR_USER, authorization_conf, password_variable},
};
use settings::{DEFAULT_NAMESPACE, EventsConfig, NatsCredentials};

use crate::process::Home;

/// The most JetStream may store on one server of the local stack, as in Kubernetes
/// (`infra/k8s/base/nats.conf`): the stream's bound
/// (`settings::DEFAULT_STREAM_MAX_BYTES`) plus room for the consumers' state.
pub const MAX_FILE_STORE: &str = "2GiB";

/// Test servers hold a stream per test world; JetStream reserves each stream's bound
/// up front, so they get room for many (an accounting limit, not disk in use).
const TEST_MAX_FILE_STORE: &str = "256G";

/// The bound of each test world's stream.
const WORLD_STREAM_MAX_BYTES: i64 = 64 * 1024 * 1024;

/// The password of every NATS user of one server (or cluster), random per start.
#[derive(Clone, Debug)]
pub struct NatsUsers(Arc<BTreeMap<String, String>>);

impl NatsUsers {
    /// A new random password for each service and the operator.
    pub fn generate() -> Self {
        let users = ServiceName::ALL
            .iter()
            .map(|service| service.as_str())
            .chain([OPERATOR_USER])
            .map(|user| (user.to_owned(), format!("{:032x}", rand::random::<u128>())))
            .collect();
        Self(Arc::new(users))
    }

    /// The credentials of `user` (a service's name, or the operator).
    pub fn credentials(&self, user: &str) -> NatsCredentials {
        let password = self
            .0
            .get(user)
            .unwrap_or_else(|| panic!("NATS has no user {user}"))
            .clone();
        NatsCredentials {
            user: user.to_owned(),
            password,
        }
    }

    /// The environment a server reads the passwords from (`NATS_PASSWORD_<USER>`).
    pub fn server_env(&self) -> Vec<(String, String)> {
        self.0
            .iter()
            .map(|(user, password)| (password_variable(user), password.clone()))
            .collect()
    }
}

/// Where clients reach NATS, and as whom. `users` is `None` for a server that
/// someone else started (`NATS_URL`): then everyone connects without credentials.
#[derive(Clone, Debug)]
pub struct NatsEndpoint {
    pub url: String,
    pub users: Option<NatsUsers>,
}

impl NatsEndpoint {
    /// A server we did not start and know no passwords of.
    pub fn external(url: String) -> Self {
        Self { url, users: None }
    }

    /// How `user` connects to this endpoint's `namespace`.
    pub fn events_config(&self, user: &str, namespace: &str) -> EventsConfig {
        EventsConfig {
            nats_url: self.url.clone(),
            namespace: namespace.to_owned(),
            credentials: self.users.as_ref().map(|users| users.credentials(user)),
            stream_replicas: 1,
            stream_max_bytes: WORLD_STREAM_MAX_BYTES,
        }
    }

    /// The variables a service binary connects with (`NATS_URL`, `NATS_USER`,
    /// `NATS_PASSWORD`).
    pub fn env(&self, user: &str) -> Vec<(&'static str, String)> {
        let mut env = vec![("NATS_URL", self.url.clone())];
        if let Some(users) = &self.users {
            let credentials = users.credentials(user);
            env.push(("NATS_USER", credentials.user));
            env.push(("NATS_PASSWORD", credentials.password));
        }
        env
    }
}

/// What a server is for, which decides the namespace its permissions name and how
/// much JetStream may store.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Purpose {
    /// Tests give every world a namespace of its own; the rules are the same for any
    /// name, so they name `*`.
    Tests,
    /// The local stack runs as production does: one namespace, the same bounds.
    LocalStack,
}

impl Purpose {
    fn namespace_pattern(self) -> &'static str {
        match self {
            Self::Tests => "*",
            Self::LocalStack => DEFAULT_NAMESPACE,
        }
    }

    fn max_file_store(self) -> &'static str {
        match self {
            Self::Tests => TEST_MAX_FILE_STORE,
            Self::LocalStack => MAX_FILE_STORE,
        }
    }
}

/// One node of a cluster: its name, and the route ports of every node.
#[derive(Clone, Debug)]
pub(crate) struct ClusterMember {
    pub name: String,
    pub route_port: u16,
    pub peer_route_ports: Vec<u16>,
}

/// The server's configuration file, written into its home before it starts. The
/// client port and the store directory come from the command line.
pub(crate) fn write_config(home: &Home, purpose: Purpose, cluster: Option<&ClusterMember>) {
    std::fs::create_dir_all(home.path()).expect("create the NATS home");
    std::fs::write(
        home.path().join("permissions.conf"),
        authorization_conf(purpose.namespace_pattern()),
    )
    .expect("write permissions.conf");
    std::fs::write(home.path().join("nats.conf"), server_conf(purpose, cluster))
        .expect("write nats.conf");
}

fn server_conf(purpose: Purpose, cluster: Option<&ClusterMember>) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "# Written by testkit for one local server.");
    if let Some(member) = cluster {
        let _ = writeln!(text, "server_name: {}", member.name);
    }
    let _ = writeln!(
        text,
        "jetstream {{\n  # An acknowledged event is on disk, not only in the page cache.\n  sync_interval: always\n  max_file_store: {}\n}}",
        purpose.max_file_store()
    );
    if let Some(member) = cluster {
        let routes: Vec<String> = member
            .peer_route_ports
            .iter()
            .map(|port| format!("\"nats://127.0.0.1:{port}\""))
            .collect();
        let _ = writeln!(
            text,
            "cluster {{\n  name: ticketing\n  listen: 127.0.0.1:{}\n  routes: [{}]\n}}",
            member.route_port,
            routes.join(", ")
        );
    }
    let _ = writeln!(text, "include \"permissions.conf\"");
    text
}

/// The arguments of `nats-server` for a config in `home` (the data directory is
/// appended by the caller).
pub(crate) fn args(home: &Path, port: Option<u16>) -> Vec<String> {
    vec![
        "-c".to_owned(),
        home.join("nats.conf").display().to_string(),
        "-a".to_owned(),
        "127.0.0.1".to_owned(),
        "-p".to_owned(),
        port.map_or("-1".to_owned(), |port| port.to_string()),
        "-js".to_owned(),
        "-sd".to_owned(),
    ]
}
