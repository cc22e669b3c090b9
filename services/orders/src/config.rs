//! The orders service's configuration, from the environment.

use std::time::Duration;

use settings::{BaseConfig, ConfigError, Env, EventsConfig, SessionConfig};

#[derive(Debug, Clone)]
pub struct Config {
    pub base: BaseConfig,
    pub session: SessionConfig,
    pub events: EventsConfig,
    /// How long an order holds its ticket for the buyer to pay.
    pub order_expiration: Duration,
}

impl Config {
    /// Reads [`BaseConfig`], [`SessionConfig`] and [`EventsConfig`] variables and
    /// `ORDER_EXPIRATION_SECONDS` (default 900: 15 minutes).
    pub fn from(env: &Env) -> Result<Self, ConfigError> {
        let base = BaseConfig::from(env, "orders")?;
        Ok(Self {
            session: SessionConfig::from(env, base.environment)?,
            events: EventsConfig::from(env, "orders")?,
            base,
            order_expiration: Duration::from_secs(env.optional("ORDER_EXPIRATION_SECONDS", 900)?),
        })
    }
}
