//! The orders service's configuration, from the environment.

use std::time::Duration;

use common::config::{BaseConfig, ConfigError, Env, EventsConfig};

#[derive(Debug, Clone)]
pub struct Config {
    pub base: BaseConfig,
    pub events: EventsConfig,
    /// How long an order holds its ticket for the buyer to pay.
    pub order_expiration: Duration,
}

impl Config {
    /// Reads [`BaseConfig`] and [`EventsConfig`] variables and
    /// `ORDER_EXPIRATION_SECONDS` (default 900: 15 minutes).
    pub fn from(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            base: BaseConfig::from(env, "orders")?,
            events: EventsConfig::from(env)?,
            order_expiration: Duration::from_secs(env.optional("ORDER_EXPIRATION_SECONDS", 900)?),
        })
    }
}
