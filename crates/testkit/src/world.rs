//! One test's world: the shared servers, with a database and an event namespace that
//! no other test uses.

use bus::EventBus;
use marketplace::events::access::OPERATOR_USER;
use settings::{BaseConfig, Environment, EventsConfig, SessionConfig};

use crate::{
    nats::NatsEndpoint,
    shared::{shared, unique_name},
    users::TestUser,
};

/// The session key every test service is configured with.
pub const JWT_KEY: &str = "test-only-jwt-key";

#[derive(Clone)]
pub struct World {
    pub mongo_url: String,
    pub nats: NatsEndpoint,
    /// This world's event namespace (stream and subject prefix).
    pub namespace: String,
    /// Prefix of this world's database names: each service adds its name.
    pub database_prefix: String,
}

impl World {
    /// A world on the servers shared by the test binary.
    pub fn new() -> Self {
        let servers = shared();
        Self::on(servers.mongo_url.clone(), servers.nats.clone())
    }

    /// A world on the given servers (a test that stops and restarts one of them).
    pub fn on(mongo_url: String, nats: NatsEndpoint) -> Self {
        Self {
            mongo_url,
            nats,
            namespace: unique_name("events"),
            database_prefix: unique_name("db"),
        }
    }

    /// The configuration every service reads, for `service` in this world.
    pub fn base_config(&self, service: &str) -> BaseConfig {
        BaseConfig {
            port: 0,
            metrics_port: 0,
            mongo_url: self.mongo_url.clone(),
            mongo_database: self.database_name(service),
            environment: Environment::Development,
        }
    }

    /// The session configuration of every service that verifies sessions.
    pub fn session_config(&self) -> SessionConfig {
        SessionConfig {
            jwt_key: JWT_KEY.to_owned(),
            environment: Environment::Development,
        }
    }

    /// How `service` reaches this world's events: as its own NATS user, with only
    /// the permissions the event table gives it.
    pub fn events_config(&self, service: &str) -> EventsConfig {
        self.nats.events_config(service, &self.namespace)
    }

    /// The environment a service binary needs to run in this world.
    pub fn env(&self, service: &str) -> Vec<(&'static str, String)> {
        let mut env = vec![
            ("PORT", "0".to_owned()),
            ("MONGO_URL", self.mongo_url.clone()),
            ("MONGO_DB", self.database_name(service)),
            ("EVENTS_NAMESPACE", self.namespace.clone()),
            ("JWT_KEY", JWT_KEY.to_owned()),
            ("APP_ENV", "development".to_owned()),
        ];
        env.extend(self.nats.env(service));
        env
    }

    pub fn database_name(&self, service: &str) -> String {
        format!("{}_{service}", self.database_prefix)
    }

    /// A service's database, to check what it stored.
    pub async fn database(&self, service: &str) -> mongodb::Database {
        storage::mongo::connect(&self.mongo_url, &self.database_name(service))
            .await
            .expect("connect to the test database")
    }

    /// The event bus of this world as the operator, who may do anything: to publish
    /// as other services would and to read what was published.
    pub async fn bus(&self) -> EventBus {
        EventBus::connect(&self.events_config(OPERATOR_USER))
            .await
            .expect("connect to NATS")
    }

    pub fn user(&self) -> TestUser {
        TestUser::signed_in(JWT_KEY)
    }
}

impl Default for World {
    fn default() -> Self {
        Self::new()
    }
}
