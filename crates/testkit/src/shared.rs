//! The servers one test binary shares, and the names that keep its tests apart on
//! them.

use std::sync::OnceLock;

use crate::{
    nats::NatsEndpoint,
    servers::{Mongo, Nats, Server},
};

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
