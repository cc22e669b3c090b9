//! Typed configuration from environment variables. A missing or malformed variable is
//! an error that names it and says what it should hold.
//!
//! A crate of its own, depending on nothing but thiserror: the session (`httpkit`),
//! the event bus (`bus`), every service's `main` and the deploy checks all read it,
//! and none of them should link another's dependencies to do so.

use std::{
    cell::RefCell,
    collections::{BTreeMap, BTreeSet},
    fmt::Display,
    str::FromStr,
};

/// Why configuration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {name} is not set: {hint}")]
    Missing {
        name: &'static str,
        hint: &'static str,
    },
    #[error("environment variable {name} has an invalid value {value:?}: {reason}")]
    Invalid {
        name: &'static str,
        value: String,
        reason: String,
    },
}

type Lookup = Box<dyn Fn(&str) -> Option<String>>;

/// Where configuration comes from: the process environment, or a map (a test that
/// checks a Kubernetes manifest against what a service reads). It remembers every
/// name it was asked for.
pub struct Env {
    lookup: Lookup,
    read: RefCell<BTreeSet<&'static str>>,
}

impl Env {
    /// The process environment.
    pub fn process() -> Self {
        Self::with_lookup(|name| std::env::var(name).ok())
    }

    /// Exactly these variables.
    pub fn from_map(variables: BTreeMap<String, String>) -> Self {
        Self::with_lookup(move |name| variables.get(name).cloned())
    }

    fn with_lookup(lookup: impl Fn(&str) -> Option<String> + 'static) -> Self {
        Self {
            lookup: Box::new(lookup),
            read: RefCell::default(),
        }
    }

    /// Every variable name asked for so far.
    pub fn names_read(&self) -> BTreeSet<&'static str> {
        self.read.borrow().clone()
    }

    fn get(&self, name: &'static str) -> Option<String> {
        self.read.borrow_mut().insert(name);
        (self.lookup)(name).filter(|value| !value.trim().is_empty())
    }

    /// A variable that may be left unset, which turns something off.
    pub fn if_set(&self, name: &'static str) -> Option<String> {
        self.get(name)
    }

    /// A variable the service cannot run without. `hint` tells the operator what to set.
    pub fn required(&self, name: &'static str, hint: &'static str) -> Result<String, ConfigError> {
        self.get(name).ok_or(ConfigError::Missing { name, hint })
    }

    /// A variable with a default, parsed into `T`.
    pub fn optional<T>(&self, name: &'static str, default: T) -> Result<T, ConfigError>
    where
        T: FromStr,
        T::Err: Display,
    {
        match self.get(name) {
            Some(value) => value
                .trim()
                .parse()
                .map_err(|error: T::Err| ConfigError::Invalid {
                    name,
                    value,
                    reason: error.to_string(),
                }),
            None => Ok(default),
        }
    }
}

/// Where a service runs. Local development relaxes what plain HTTP on localhost cannot
/// do (the `Secure` cookie flag).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

impl FromStr for Environment {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.to_ascii_lowercase().as_str() {
            "development" | "dev" | "local" => Ok(Self::Development),
            "production" | "prod" => Ok(Self::Production),
            other => Err(format!(
                "expected `development` or `production`, got `{other}`"
            )),
        }
    }
}

/// What every service with a database reads: where to listen, its database and the
/// environment. Services that verify sessions add [`SessionConfig`], services that
/// use events [`EventsConfig`]. Read with [`BaseConfig::from`] from an [`Env`].
#[derive(Debug, Clone)]
pub struct BaseConfig {
    pub port: u16,
    /// Where `GET /metrics` is served, apart from the API (see `httpkit::metrics`).
    pub metrics_port: u16,
    pub mongo_url: String,
    pub mongo_database: String,
    pub environment: Environment,
}

impl BaseConfig {
    /// Reads `PORT` (default 3000), `METRICS_PORT` (default [`METRICS_PORT`]),
    /// `MONGO_URL`, `MONGO_DB` (default: the service name) and `APP_ENV` (default
    /// `production`).
    pub fn from(env: &Env, service: &str) -> Result<Self, ConfigError> {
        Ok(Self {
            port: env.optional("PORT", 3000)?,
            metrics_port: metrics_port(env)?,
            mongo_url: env.required(
                "MONGO_URL",
                "the MongoDB connection string, e.g. mongodb://127.0.0.1:27017",
            )?,
            mongo_database: env.optional("MONGO_DB", service.to_owned())?,
            environment: env.optional("APP_ENV", Environment::Production)?,
        })
    }
}

/// The metrics port unless `METRICS_PORT` says otherwise: the port OpenTelemetry
/// gives a Prometheus endpoint.
pub const METRICS_PORT: u16 = 9464;

/// Reads `METRICS_PORT`, which every service reads, the web client too.
pub fn metrics_port(env: &Env) -> Result<u16, ConfigError> {
    env.optional("METRICS_PORT", METRICS_PORT)
}

/// What services that verify (or, for auth, issue) session cookies read.
#[derive(Clone)]
pub struct SessionConfig {
    /// The secret that signs session cookies, shared by every verifying service.
    pub jwt_key: String,
    pub environment: Environment,
}

/// The shortest `JWT_KEY` production accepts: HS256's key should be at least as long
/// as its 256-bit hash (RFC 7518, section 3.2).
pub const MIN_PRODUCTION_JWT_KEY_BYTES: usize = 32;

/// The key `cargo xtask dev` signs local sessions with. It is public (it is in this
/// repository), so production refuses it.
pub const DEV_JWT_KEY: &str = "dev-only-jwt-key-not-for-production";

impl SessionConfig {
    /// Reads `JWT_KEY` for a service running in `environment`. In production a key
    /// shorter than [`MIN_PRODUCTION_JWT_KEY_BYTES`], or the public [`DEV_JWT_KEY`],
    /// is refused.
    pub fn from(env: &Env, environment: Environment) -> Result<Self, ConfigError> {
        let jwt_key = env.required(
            "JWT_KEY",
            "the secret that signs session cookies, shared by every service that verifies them",
        )?;
        if environment == Environment::Production {
            let refuse = |reason: String| ConfigError::Invalid {
                name: "JWT_KEY",
                value: "<redacted>".to_owned(),
                reason,
            };
            if jwt_key == DEV_JWT_KEY {
                return Err(refuse(
                    "it is the public development key; set a random one, e.g. `openssl rand -hex 32`"
                        .to_owned(),
                ));
            }
            if jwt_key.len() < MIN_PRODUCTION_JWT_KEY_BYTES {
                return Err(refuse(format!(
                    "it is {} bytes long; production needs at least {MIN_PRODUCTION_JWT_KEY_BYTES} (e.g. `openssl rand -hex 32`)",
                    jwt_key.len()
                )));
            }
        }
        Ok(Self {
            jwt_key,
            environment,
        })
    }
}

impl std::fmt::Debug for SessionConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionConfig")
            .field("jwt_key", &"<redacted>")
            .field("environment", &self.environment)
            .finish()
    }
}

/// The event namespace of production and of `cargo xtask dev`: the stream's name and
/// the subjects' prefix.
pub const DEFAULT_NAMESPACE: &str = "ticketing";

/// The stream's bound unless `EVENTS_STREAM_MAX_BYTES` says otherwise: 1 GiB, which
/// fits the 2 GiB `max_file_store` of the Kubernetes NATS servers (3 GiB volumes)
/// with room for the dead letters and the consumers' state.
pub const DEFAULT_STREAM_MAX_BYTES: i64 = 1024 * 1024 * 1024;

/// What services that publish or listen to events read.
#[derive(Clone)]
pub struct EventsConfig {
    pub nats_url: String,
    /// The JetStream stream and subject prefix. Tests give each world its own.
    pub namespace: String,
    /// The NATS user this service connects as, and its password. `None`: connect
    /// without credentials (a NATS server of your own without authorization).
    pub credentials: Option<NatsCredentials>,
    /// How many NATS servers keep a copy of the stream when this service creates it.
    pub stream_replicas: usize,
    /// The most the stream may hold, in bytes, when this service creates it. JetStream
    /// reserves it on every server that keeps a copy, so it must fit each server's
    /// `max_file_store`.
    pub stream_max_bytes: i64,
}

/// A NATS user and password.
#[derive(Clone)]
pub struct NatsCredentials {
    pub user: String,
    pub password: String,
}

impl EventsConfig {
    /// Reads `NATS_URL`, `NATS_USER` (default: the service's name), `NATS_PASSWORD`
    /// (none: connect without credentials), `EVENTS_NAMESPACE` (default `ticketing`),
    /// `EVENTS_STREAM_REPLICAS` (default 1) and `EVENTS_STREAM_MAX_BYTES` (default
    /// [`DEFAULT_STREAM_MAX_BYTES`]).
    pub fn from(env: &Env, service: &str) -> Result<Self, ConfigError> {
        let user = env.optional("NATS_USER", service.to_owned())?;
        Ok(Self {
            nats_url: env.required(
                "NATS_URL",
                "the NATS server, e.g. nats://127.0.0.1:4222 (several: comma-separated)",
            )?,
            namespace: env.optional("EVENTS_NAMESPACE", DEFAULT_NAMESPACE.to_owned())?,
            credentials: env
                .get("NATS_PASSWORD")
                .map(|password| NatsCredentials { user, password }),
            stream_replicas: env.optional("EVENTS_STREAM_REPLICAS", 1)?,
            stream_max_bytes: env.optional("EVENTS_STREAM_MAX_BYTES", DEFAULT_STREAM_MAX_BYTES)?,
        })
    }
}

impl std::fmt::Debug for EventsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventsConfig")
            .field("nats_url", &self.nats_url)
            .field("namespace", &self.namespace)
            .field(
                "user",
                &self
                    .credentials
                    .as_ref()
                    .map(|credentials| &credentials.user),
            )
            .field("stream_replicas", &self.stream_replicas)
            .field("stream_max_bytes", &self.stream_max_bytes)
            .finish()
    }
}

/// The configuration of a service that uses events and verifies no session (the
/// expiration service).
#[derive(Debug, Clone)]
pub struct EventServiceConfig {
    pub base: BaseConfig,
    pub events: EventsConfig,
}

impl EventServiceConfig {
    /// Reads [`BaseConfig`] and [`EventsConfig`] variables for `service`.
    pub fn from(env: &Env, service: &str) -> Result<Self, ConfigError> {
        Ok(Self {
            base: BaseConfig::from(env, service)?,
            events: EventsConfig::from(env, service)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_parses_common_spellings_and_rejects_others() {
        assert_eq!("Development".parse(), Ok(Environment::Development));
        assert_eq!("prod".parse(), Ok(Environment::Production));
        assert!("staging".parse::<Environment>().is_err());
    }

    #[test]
    fn a_missing_variable_is_named_in_the_error() {
        let env = Env::from_map(BTreeMap::new());
        let error = BaseConfig::from(&env, "auth").unwrap_err();
        assert!(error.to_string().contains("MONGO_URL"), "{error}");
    }

    #[test]
    fn a_malformed_variable_is_named_with_its_value() {
        let env = Env::from_map(BTreeMap::from([("PORT".to_owned(), "eighty".to_owned())]));
        let error = env.optional("PORT", 3000_u16).unwrap_err();
        assert!(error.to_string().contains("PORT") && error.to_string().contains("eighty"));
    }

    #[test]
    fn the_env_remembers_what_was_read() {
        let env = Env::from_map(BTreeMap::new());
        let _ = EventsConfig::from(&env, "tickets");
        assert!(env.names_read().contains("NATS_URL"));
    }

    fn jwt_key(key: &str, environment: Environment) -> Result<SessionConfig, ConfigError> {
        let env = Env::from_map(BTreeMap::from([("JWT_KEY".to_owned(), key.to_owned())]));
        SessionConfig::from(&env, environment)
    }

    #[test]
    fn production_refuses_a_short_jwt_key_and_says_how_long_it_must_be() {
        let error = jwt_key(&"k".repeat(31), Environment::Production).unwrap_err();
        assert!(error.to_string().contains("at least 32"), "{error}");
        assert!(jwt_key(&"k".repeat(32), Environment::Production).is_ok());
    }

    #[test]
    fn production_refuses_the_public_development_key() {
        let error = jwt_key(DEV_JWT_KEY, Environment::Production).unwrap_err();
        assert!(error.to_string().contains("development key"), "{error}");
        assert!(
            !error.to_string().contains(DEV_JWT_KEY),
            "the key is not echoed"
        );
    }

    #[test]
    fn development_accepts_any_key() {
        assert!(jwt_key("short", Environment::Development).is_ok());
        assert!(jwt_key(DEV_JWT_KEY, Environment::Development).is_ok());
    }

    #[test]
    fn nats_credentials_are_the_service_name_and_the_password_when_one_is_set() {
        let env = Env::from_map(BTreeMap::from([
            ("NATS_URL".to_owned(), "nats://127.0.0.1:4222".to_owned()),
            ("NATS_PASSWORD".to_owned(), "secret".to_owned()),
        ]));
        let credentials = EventsConfig::from(&env, "orders")
            .unwrap()
            .credentials
            .unwrap();
        assert_eq!(
            (credentials.user.as_str(), credentials.password.as_str()),
            ("orders", "secret")
        );
        let anonymous = Env::from_map(BTreeMap::from([(
            "NATS_URL".to_owned(),
            "nats://127.0.0.1:4222".to_owned(),
        )]));
        assert!(
            EventsConfig::from(&anonymous, "orders")
                .unwrap()
                .credentials
                .is_none()
        );
    }
}
