//! The tickets service's configuration, from the environment.

use common::config::{BaseConfig, ConfigError, EventsConfig};

#[derive(Debug, Clone)]
pub struct Config {
    pub base: BaseConfig,
    pub events: EventsConfig,
}

impl Config {
    /// Reads [`BaseConfig`] and [`EventsConfig`] variables.
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            base: BaseConfig::from_env("tickets")?,
            events: EventsConfig::from_env()?,
        })
    }
}
