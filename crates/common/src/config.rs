//! Typed configuration from environment variables. A missing or malformed variable is
//! an error that names it and says what it should hold.

use std::{fmt::Display, str::FromStr};

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

/// A variable the service cannot run without. `hint` tells the operator what to set.
pub fn required(name: &'static str, hint: &'static str) -> Result<String, ConfigError> {
    match std::env::var(name) {
        Ok(value) if !value.trim().is_empty() => Ok(value),
        _ => Err(ConfigError::Missing { name, hint }),
    }
}

/// A variable with a default, parsed into `T`.
pub fn optional<T>(name: &'static str, default: T) -> Result<T, ConfigError>
where
    T: FromStr,
    T::Err: Display,
{
    match std::env::var(name) {
        Ok(value) if !value.trim().is_empty() => {
            value
                .trim()
                .parse()
                .map_err(|error: T::Err| ConfigError::Invalid {
                    name,
                    value,
                    reason: error.to_string(),
                })
        }
        _ => Ok(default),
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
    pub fn from_env(service: &str) -> Result<Self, ConfigError> {
        Ok(Self {
            port: optional("PORT", 3000)?,
            mongo_url: required(
                "MONGO_URL",
                "the MongoDB connection string, e.g. mongodb://127.0.0.1:27017",
            )?,
            mongo_database: optional("MONGO_DB", service.to_owned())?,
            jwt_key: required(
                "JWT_KEY",
                "the secret that signs session cookies, shared by every service",
            )?,
            environment: optional("APP_ENV", Environment::Production)?,
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
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            nats_url: required("NATS_URL", "the NATS server, e.g. nats://127.0.0.1:4222")?,
            namespace: optional("EVENTS_NAMESPACE", "ticketing".to_owned())?,
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
    pub fn from_env(service: &str) -> Result<Self, ConfigError> {
        Ok(Self {
            base: BaseConfig::from_env(service)?,
            events: EventsConfig::from_env()?,
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
        let error = required("TICKETING_SURELY_UNSET_VARIABLE", "set it").unwrap_err();
        assert!(
            error
                .to_string()
                .contains("TICKETING_SURELY_UNSET_VARIABLE")
        );
    }
}
