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
    /// Tickets listed and not sold (for sale or reserved) at once; `None`: no limit.
    pub most_for_sale: Option<NonZeroU32>,
}

impl Default for SellerLimits {
    fn default() -> Self {
        Self {
            listed_per_minute: NonZeroU32::new(30).expect("not zero"),
            most_for_sale: NonZeroU32::new(200),
        }
    }
}

impl Config {
    /// Reads [`BaseConfig`], [`SessionConfig`] and [`EventsConfig`] variables, and
    /// the seller limits `TICKETS_LISTED_PER_USER_PER_MINUTE` (default 30) and
    /// `MAX_TICKETS_FOR_SALE_PER_SELLER` (default 200; 0: no limit).
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
                most_for_sale: NonZeroU32::new(env.optional(
                    "MAX_TICKETS_FOR_SALE_PER_SELLER",
                    defaults.most_for_sale.map_or(0, NonZeroU32::get),
                )?),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn sellers_with(most_for_sale: Option<&str>) -> SellerLimits {
        let mut variables = BTreeMap::from([
            ("MONGO_URL", "mongodb://127.0.0.1:27017"),
            (
                "JWT_KEY",
                "a-key-long-enough-for-the-session-check-0123456789",
            ),
            ("NATS_URL", "nats://127.0.0.1:4222"),
        ]);
        if let Some(most) = most_for_sale {
            variables.insert("MAX_TICKETS_FOR_SALE_PER_SELLER", most);
        }
        let variables = variables
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect();
        Config::from(&Env::from_map(variables)).unwrap().sellers
    }

    #[test]
    fn a_seller_may_have_200_unsold_tickets_unless_told_otherwise_and_0_is_no_limit() {
        assert_eq!(sellers_with(None).most_for_sale, NonZeroU32::new(200));
        assert_eq!(sellers_with(Some("5")).most_for_sale, NonZeroU32::new(5));
        assert_eq!(sellers_with(Some("0")).most_for_sale, None);
    }
}
