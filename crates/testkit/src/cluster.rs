//! NATS servers on loopback for the local stack, one or a JetStream cluster of three,
//! which `cargo xtask chaos` kills one node at a time.

use std::{path::Path, time::Duration};

use marketplace::events::access::{self, OPERATOR_USER};

use crate::{
    nats::{ClusterMember, NatsEndpoint, NatsUsers, Purpose},
    process::Home,
    servers::Server,
};

/// NATS servers on loopback for the local stack: one, or three forming a JetStream
/// cluster. Their permissions name the production namespace, as in Kubernetes.
pub struct NatsCluster {
    pub nodes: Vec<Server>,
    users: NatsUsers,
}

impl NatsCluster {
    /// Starts `size` nodes (1 or 3) whose data lives under `home` (`node1`, …).
    pub fn start_in(home: &Path, size: usize) -> Self {
        let users = NatsUsers::generate();
        if size == 1 {
            let node = Server::start_nats_member(
                Home::kept(home.join("node1")),
                users.clone(),
                None,
                Purpose::LocalStack,
            );
            return Self {
                nodes: vec![node],
                users,
            };
        }
        let route_ports: Vec<u16> = (0..size).map(|_| free_port()).collect();
        let nodes = route_ports
            .iter()
            .enumerate()
            .map(|(index, route_port)| {
                let member = ClusterMember {
                    name: format!("node{}", index + 1),
                    route_port: *route_port,
                    peer_route_ports: route_ports
                        .iter()
                        .filter(|port| *port != route_port)
                        .copied()
                        .collect(),
                };
                let home = Home::kept(home.join(&member.name));
                Server::start_nats_member(home, users.clone(), Some(member), Purpose::LocalStack)
            })
            .collect();
        Self { nodes, users }
    }

    /// Waits until JetStream answers an account query, that is until a new cluster has
    /// elected its leader (a single server answers at once). Services started before
    /// that each wait out JetStream's request timeouts, seconds at a time.
    pub async fn wait_until_jetstream_answers(&self, patience: Duration) -> Result<(), String> {
        let credentials = self.users.credentials(OPERATOR_USER);
        let urls: Vec<String> = self.nodes.iter().map(Server::url).collect();
        let client = async_nats::ConnectOptions::with_user_and_password(
            credentials.user,
            credentials.password,
        )
        .custom_inbox_prefix(access::inbox_prefix(OPERATOR_USER))
        .connect(urls.as_slice())
        .await
        .map_err(|error| format!("cannot connect to NATS as the operator: {error}"))?;
        let jetstream = async_nats::jetstream::new(client);
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            match jetstream.query_account().await {
                Ok(_) => return Ok(()),
                Err(error) if tokio::time::Instant::now() >= deadline => {
                    return Err(format!(
                        "JetStream did not answer within {patience:?}: {error}"
                    ));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    }

    /// Every node's client URL, comma-separated, as clients take them.
    pub fn endpoint(&self) -> NatsEndpoint {
        let urls: Vec<String> = self.nodes.iter().map(Server::url).collect();
        NatsEndpoint {
            url: urls.join(","),
            users: Some(self.users.clone()),
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}
