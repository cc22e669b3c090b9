//! The auth service's configuration, from the environment.

use settings::{BaseConfig, ConfigError, Env, EventsConfig, SessionConfig};

pub use crate::attempts::AttemptLimits;

#[derive(Debug, Clone)]
pub struct Config {
    pub base: BaseConfig,
    pub session: SessionConfig,
    pub events: EventsConfig,
    pub attempts: AttemptLimits,
}

impl Config {
    /// Reads [`BaseConfig`], [`SessionConfig`] and [`EventsConfig`] variables, and
    /// the signin and signup limits
    /// `AUTH_ATTEMPTS_PER_ADDRESS_PER_MINUTE` (default 30) and
    /// `AUTH_ATTEMPTS_PER_EMAIL_PER_MINUTE` (default 10).
    pub fn from(env: &Env) -> Result<Self, ConfigError> {
        let defaults = AttemptLimits::default();
        let base = BaseConfig::from(env, "auth")?;
        Ok(Self {
            session: SessionConfig::from(env, base.environment)?,
            events: EventsConfig::from(env, "auth")?,
            base,
            attempts: AttemptLimits {
                per_address_per_minute: env.optional(
                    "AUTH_ATTEMPTS_PER_ADDRESS_PER_MINUTE",
                    defaults.per_address_per_minute,
                )?,
                per_email_per_minute: env.optional(
                    "AUTH_ATTEMPTS_PER_EMAIL_PER_MINUTE",
                    defaults.per_email_per_minute,
                )?,
            },
        })
    }
}
