//! The auth service's configuration, from the environment.

use common::config::{BaseConfig, ConfigError, Env};

pub use crate::attempts::AttemptLimits;

#[derive(Debug, Clone)]
pub struct Config {
    pub base: BaseConfig,
    pub attempts: AttemptLimits,
}

impl Config {
    /// Reads `PORT`, `MONGO_URL`, `MONGO_DB`, `JWT_KEY` and `APP_ENV` (see
    /// [`BaseConfig::from`]), and the signin and signup limits
    /// `AUTH_ATTEMPTS_PER_ADDRESS_PER_MINUTE` (default 30) and
    /// `AUTH_ATTEMPTS_PER_EMAIL_PER_MINUTE` (default 10).
    pub fn from(env: &Env) -> Result<Self, ConfigError> {
        let defaults = AttemptLimits::default();
        Ok(Self {
            base: BaseConfig::from(env, "auth")?,
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
