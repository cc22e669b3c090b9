//! The payments service's configuration, from the environment.

use std::{num::NonZeroU32, time::Duration};

use settings::{BaseConfig, ConfigError, Env, EventsConfig, SessionConfig};

use crate::{
    currency::Currency,
    payout_terms::{FeePercent, PayoutTerms},
};

#[derive(Debug, Clone)]
pub struct Config {
    pub base: BaseConfig,
    pub session: SessionConfig,
    pub events: EventsConfig,
    pub stripe: StripeConfig,
    /// How often interrupted charges and due refunds are settled.
    pub recovery_interval: Duration,
    /// Payments one user may attempt per minute: a person whose card is declined
    /// tries again a few times; a script testing stolen cards tries hundreds.
    pub attempts_per_minute: NonZeroU32,
    /// What sellers are paid of a sale, and when.
    pub payouts: PayoutTerms,
}

/// The default of [`PayoutTerms::hold`]: three days, time for a buyer to report a
/// problem with a ticket before its seller is paid.
pub const DEFAULT_PAYOUT_HOLD: Duration = Duration::from_secs(3 * 24 * 60 * 60);

/// The default of [`Config::attempts_per_minute`].
pub const DEFAULT_ATTEMPTS_PER_MINUTE: NonZeroU32 = NonZeroU32::new(10).expect("not zero");

/// Where Stripe is and how to talk to it. Only this differs between real Stripe and
/// the fake: the code path is the same.
#[derive(Clone)]
pub struct StripeConfig {
    pub secret_key: String,
    /// The API base URL, with a trailing slash.
    pub api_base: String,
    /// What every charge is made in.
    pub currency: Currency,
    /// The signing secret of the webhook endpoint (`whsec_…`); without it, events
    /// Stripe sends are refused, since they could not be told from forgeries.
    pub webhook_secret: Option<String>,
}

impl std::fmt::Debug for StripeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeConfig")
            .field("secret_key", &"<redacted>")
            .field("api_base", &self.api_base)
            .field("currency", &self.currency)
            .field(
                "webhook_secret",
                &self.webhook_secret.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl Config {
    /// Reads [`BaseConfig`], [`SessionConfig`] and [`EventsConfig`] variables, `STRIPE_SECRET_KEY`,
    /// `STRIPE_API_BASE` (default: the real Stripe API), `STRIPE_CURRENCY`
    /// (default `usd`; a code Stripe does not know is an error, not a silent default),
    /// `STRIPE_WEBHOOK_SECRET` (optional), `PAYMENT_RECOVERY_SECONDS` (default 15),
    /// `PAYMENT_ATTEMPTS_PER_USER_PER_MINUTE` (default 10), `PAYOUT_FEE_PERCENT`
    /// (default 10) and `PAYOUT_HOLD_SECONDS` (default 259200, three days).
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
                currency: env.optional("STRIPE_CURRENCY", Currency::USD)?,
                webhook_secret: env.if_set("STRIPE_WEBHOOK_SECRET"),
            },
            recovery_interval: Duration::from_secs(env.optional("PAYMENT_RECOVERY_SECONDS", 15)?),
            attempts_per_minute: env.optional(
                "PAYMENT_ATTEMPTS_PER_USER_PER_MINUTE",
                DEFAULT_ATTEMPTS_PER_MINUTE,
            )?,
            payouts: PayoutTerms {
                fee_percent: env.optional("PAYOUT_FEE_PERCENT", FeePercent::DEFAULT)?,
                hold: Duration::from_secs(
                    env.optional("PAYOUT_HOLD_SECONDS", DEFAULT_PAYOUT_HOLD.as_secs())?,
                ),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// Everything the service needs, plus `extra`.
    fn config_with(extra: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let required = [
            ("MONGO_URL", "mongodb://127.0.0.1:27017"),
            (
                "JWT_KEY",
                "a-key-long-enough-for-the-session-check-0123456789",
            ),
            ("NATS_URL", "nats://127.0.0.1:4222"),
            ("STRIPE_SECRET_KEY", "sk_test_fake"),
        ];
        let variables = required
            .iter()
            .chain(extra)
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect::<BTreeMap<_, _>>();
        Config::from(&Env::from_map(variables))
    }

    #[test]
    fn the_currency_defaults_to_usd_and_takes_any_code_stripe_supports() {
        assert_eq!(config_with(&[]).unwrap().stripe.currency, Currency::USD);
        let euro = config_with(&[("STRIPE_CURRENCY", "EUR")]).unwrap();
        assert_eq!(euro.stripe.currency.to_string(), "eur");
    }

    #[test]
    fn payment_attempts_default_to_10_a_minute_and_zero_stops_the_service() {
        assert_eq!(config_with(&[]).unwrap().attempts_per_minute.get(), 10);
        let error = config_with(&[("PAYMENT_ATTEMPTS_PER_USER_PER_MINUTE", "0")]).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("PAYMENT_ATTEMPTS_PER_USER_PER_MINUTE"),
            "{error}"
        );
    }

    #[test]
    fn payouts_default_to_a_10_percent_fee_after_three_days_and_read_both_variables() {
        let defaults = config_with(&[]).unwrap().payouts;
        assert_eq!(defaults.fee_percent.get(), 10);
        assert_eq!(defaults.hold, Duration::from_secs(259_200));
        let set = config_with(&[("PAYOUT_FEE_PERCENT", "15"), ("PAYOUT_HOLD_SECONDS", "2")])
            .unwrap()
            .payouts;
        assert_eq!(set.fee_percent.get(), 15);
        assert_eq!(set.hold, Duration::from_secs(2));
        let error = config_with(&[("PAYOUT_FEE_PERCENT", "100")]).unwrap_err();
        assert!(error.to_string().contains("PAYOUT_FEE_PERCENT"), "{error}");
    }

    #[test]
    fn a_currency_that_does_not_parse_stops_the_service_and_is_named() {
        let error = config_with(&[("STRIPE_CURRENCY", "dollars")]).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("STRIPE_CURRENCY"), "{message}");
        assert!(message.contains("dollars"), "{message}");
    }
}
