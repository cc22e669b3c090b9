//! The orders service's configuration, from the environment.

use std::{num::NonZeroU32, time::Duration};

use settings::{BaseConfig, ConfigError, Env, EventsConfig, SessionConfig};

#[derive(Debug, Clone)]
pub struct Config {
    pub base: BaseConfig,
    pub session: SessionConfig,
    pub events: EventsConfig,
    /// How long an order holds its ticket for the buyer to pay.
    pub order_expiration: Duration,
    pub buyers: BuyerLimits,
}

/// What one buyer may do: a person buying a few tickets never meets these; a script
/// reserving every ticket on sale does.
#[derive(Debug, Clone, Copy)]
pub struct BuyerLimits {
    /// Orders placed per minute.
    pub orders_per_minute: NonZeroU32,
    /// Orders not yet paid (created or awaiting payment) held at once; `None`: no
    /// limit.
    pub most_unpaid: Option<NonZeroU32>,
}

impl Default for BuyerLimits {
    fn default() -> Self {
        Self {
            orders_per_minute: NonZeroU32::new(20).expect("not zero"),
            most_unpaid: NonZeroU32::new(10),
        }
    }
}

impl Config {
    /// Reads [`BaseConfig`], [`SessionConfig`] and [`EventsConfig`] variables,
    /// `ORDER_EXPIRATION_SECONDS` (default 900: 15 minutes), and the buyer limits
    /// `ORDERS_PER_USER_PER_MINUTE` (default 20) and `MAX_UNPAID_ORDERS_PER_BUYER`
    /// (default 10; 0: no limit).
    pub fn from(env: &Env) -> Result<Self, ConfigError> {
        let defaults = BuyerLimits::default();
        let base = BaseConfig::from(env, "orders")?;
        Ok(Self {
            session: SessionConfig::from(env, base.environment)?,
            events: EventsConfig::from(env, "orders")?,
            base,
            order_expiration: Duration::from_secs(env.optional("ORDER_EXPIRATION_SECONDS", 900)?),
            buyers: BuyerLimits {
                orders_per_minute: env
                    .optional("ORDERS_PER_USER_PER_MINUTE", defaults.orders_per_minute)?,
                most_unpaid: NonZeroU32::new(env.optional(
                    "MAX_UNPAID_ORDERS_PER_BUYER",
                    defaults.most_unpaid.map_or(0, NonZeroU32::get),
                )?),
            },
        })
    }
}
