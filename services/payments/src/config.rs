//! The payments service's configuration, from the environment.

use std::time::Duration;

use settings::{BaseConfig, ConfigError, Env, EventsConfig, SessionConfig};

#[derive(Debug, Clone)]
pub struct Config {
    pub base: BaseConfig,
    pub session: SessionConfig,
    pub events: EventsConfig,
    pub stripe: StripeConfig,
    /// How often interrupted charges and due refunds are settled.
    pub recovery_interval: Duration,
}

/// Where Stripe is and how to talk to it. Only this differs between real Stripe and
/// the fake: the code path is the same.
#[derive(Clone)]
pub struct StripeConfig {
    pub secret_key: String,
    /// The API base URL, with a trailing slash.
    pub api_base: String,
    /// ISO currency code, lower case.
    pub currency: String,
}

impl std::fmt::Debug for StripeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeConfig")
            .field("secret_key", &"<redacted>")
            .field("api_base", &self.api_base)
            .field("currency", &self.currency)
            .finish()
    }
}

impl Config {
    /// Reads [`BaseConfig`], [`SessionConfig`] and [`EventsConfig`] variables, `STRIPE_SECRET_KEY`,
    /// `STRIPE_API_BASE` (default: the real Stripe API), `STRIPE_CURRENCY`
    /// (default `usd`) and `PAYMENT_RECOVERY_SECONDS` (default 15).
    pub fn from(env: &Env) -> Result<Self, ConfigError> {
        let base = BaseConfig::from(env, "payments")?;
        Ok(Self {
            session: SessionConfig::from(env, base.environment)?,
            events: EventsConfig::from(env, "payments")?,
            base,
            stripe: StripeConfig {
                secret_key: env.required(
                    "STRIPE_SECRET_KEY",
                    "the Stripe secret key (sk_live_… or sk_test_…)",
                )?,
                api_base: env.optional("STRIPE_API_BASE", "https://api.stripe.com/".to_owned())?,
                currency: env.optional("STRIPE_CURRENCY", "usd".to_owned())?,
            },
            recovery_interval: Duration::from_secs(env.optional("PAYMENT_RECOVERY_SECONDS", 15)?),
        })
    }
}
