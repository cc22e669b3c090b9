//! NATS servers on loopback for the local stack, one or a JetStream cluster of three,
//! which `cargo xtask chaos` kills one node at a time.

use std::path::Path;

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
