//! The tickets service's configuration, from the environment.

use std::num::NonZeroU32;

use settings::{BaseConfig, ConfigError, Env, EventsConfig, SessionConfig};

#[derive(Debug, Clone)]
pub struct Config {
    pub base: BaseConfig,
    pub session: SessionConfig,
    pub events: EventsConfig,
    pub sellers: SellerLimits,
}

/// What one seller may do: a person listing by hand never meets these; a script
/// listing thousands does.
#[derive(Debug, Clone, Copy)]
pub struct SellerLimits {
    /// Tickets listed per minute.
    pub listed_per_minute: NonZeroU32,
    /// Tickets listed and not sold (for sale or reserved) at once.
    pub most_for_sale: NonZeroU32,
}

impl Default for SellerLimits {
    fn default() -> Self {
        Self {
            listed_per_minute: NonZeroU32::new(30).expect("not zero"),
            most_for_sale: NonZeroU32::new(200).expect("not zero"),
        }
    }
}

impl Config {
    /// Reads [`BaseConfig`], [`SessionConfig`] and [`EventsConfig`] variables, and
    /// the seller limits `TICKETS_LISTED_PER_USER_PER_MINUTE` (default 30) and
    /// `MAX_TICKETS_FOR_SALE_PER_SELLER` (default 200).
    pub fn from(env: &Env) -> Result<Self, ConfigError> {
        let defaults = SellerLimits::default();
        let base = BaseConfig::from(env, "tickets")?;
        Ok(Self {
            session: SessionConfig::from(env, base.environment)?,
            events: EventsConfig::from(env, "tickets")?,
            base,
            sellers: SellerLimits {
                listed_per_minute: env.optional(
                    "TICKETS_LISTED_PER_USER_PER_MINUTE",
                    defaults.listed_per_minute,
                )?,
                most_for_sale: env
                    .optional("MAX_TICKETS_FOR_SALE_PER_SELLER", defaults.most_for_sale)?,
            },
        })
    }
}
