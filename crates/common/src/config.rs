//! Typed configuration from environment variables. A missing or malformed variable is
//! an error that names it and says what it should hold.

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

/// What every service reads: where to listen, its database, the session key and the
/// environment. Services that use events add [`EventsConfig`].
/// Read with [`BaseConfig::from`] from an [`Env`].
#[derive(Debug, Clone)]
pub struct BaseConfig {
    pub port: u16,
    pub mongo_url: String,
    pub mongo_database: String,
    pub jwt_key: String,
    pub environment: Environment,
}

impl BaseConfig {
    /// Reads `PORT` (default 3000), `MONGO_URL`, `MONGO_DB` (default: the service
    /// name), `JWT_KEY` and `APP_ENV` (default `production`).
    pub fn from(env: &Env, service: &str) -> Result<Self, ConfigError> {
        Ok(Self {
            port: env.optional("PORT", 3000)?,
            mongo_url: env.required(
                "MONGO_URL",
                "the MongoDB connection string, e.g. mongodb://127.0.0.1:27017",
            )?,
            mongo_database: env.optional("MONGO_DB", service.to_owned())?,
            jwt_key: env.required(
                "JWT_KEY",
                "the secret that signs session cookies, shared by every service",
            )?,
            environment: env.optional("APP_ENV", Environment::Production)?,
        })
    }
}

/// What services that publish or listen to events read.
#[derive(Debug, Clone)]
pub struct EventsConfig {
    pub nats_url: String,
    /// The JetStream stream and subject prefix. Tests give each world its own.
    pub namespace: String,
}

impl EventsConfig {
    /// Reads `NATS_URL` and `EVENTS_NAMESPACE` (default `ticketing`).
    pub fn from(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            nats_url: env.required("NATS_URL", "the NATS server, e.g. nats://127.0.0.1:4222")?,
            namespace: env.optional("EVENTS_NAMESPACE", "ticketing".to_owned())?,
        })
    }
}

/// The configuration of a service that uses events and nothing more.
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
            events: EventsConfig::from(env)?,
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
        let _ = EventsConfig::from(&env);
        assert!(env.names_read().contains("NATS_URL"));
    }
}
