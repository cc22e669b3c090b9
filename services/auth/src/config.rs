//! The auth service's configuration, from the environment.

use common::config::{BaseConfig, ConfigError, Env};

#[derive(Debug, Clone)]
pub struct Config {
    pub base: BaseConfig,
}

impl Config {
    /// Reads `PORT`, `MONGO_URL`, `MONGO_DB`, `JWT_KEY` and `APP_ENV` (see
    /// [`BaseConfig::from_env`]).
    pub fn from(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            base: BaseConfig::from(env, "auth")?,
        })
    }
}
