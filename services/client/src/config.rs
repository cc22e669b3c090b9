//! The client's configuration, from the environment.

use settings::{ConfigError, Env};

#[derive(Debug, Clone)]
pub struct Config {
    pub port: u16,
    pub metrics_port: u16,
    pub apis: ApiUrls,
    pub stripe: StripeJs,
}

/// Where the pages reach each API, without a trailing slash. In Kubernetes these are
/// the services' cluster addresses; locally, the services' own ports.
#[derive(Debug, Clone)]
pub struct ApiUrls {
    pub auth: String,
    pub tickets: String,
    pub orders: String,
    pub payments: String,
}

/// What the payment form loads. Only configuration differs between real Stripe and
/// the local fake, which serves a Stripe.js stand-in: the page's code is the same.
#[derive(Debug, Clone)]
pub struct StripeJs {
    /// The publishable key (`pk_…`); it is public by design.
    pub publishable_key: String,
    /// Where Stripe.js is loaded from.
    pub script_url: String,
}

impl Config {
    /// Reads `PORT` (default 3000), `METRICS_PORT`, `AUTH_URL`, `TICKETS_URL`, `ORDERS_URL`,
    /// `PAYMENTS_URL`, `STRIPE_PUBLISHABLE_KEY` and `STRIPE_JS_URL` (default: real Stripe.js).
    pub fn from(env: &Env) -> Result<Self, ConfigError> {
        let url = |name, hint| {
            env.required(name, hint)
                .map(|url| url.trim_end_matches('/').to_owned())
        };
        Ok(Self {
            port: env.optional("PORT", 3000)?,
            metrics_port: settings::metrics_port(env)?,
            apis: ApiUrls {
                auth: url("AUTH_URL", "the auth service, e.g. http://auth-srv:3000")?,
                tickets: url(
                    "TICKETS_URL",
                    "the tickets service, e.g. http://tickets-srv:3000",
                )?,
                orders: url(
                    "ORDERS_URL",
                    "the orders service, e.g. http://orders-srv:3000",
                )?,
                payments: url(
                    "PAYMENTS_URL",
                    "the payments service, e.g. http://payments-srv:3000",
                )?,
            },
            stripe: StripeJs {
                publishable_key: env.required(
                    "STRIPE_PUBLISHABLE_KEY",
                    "the Stripe publishable key (pk_live_… or pk_test_…)",
                )?,
                script_url: env
                    .optional("STRIPE_JS_URL", "https://js.stripe.com/v3/".to_owned())?,
            },
        })
    }
}
