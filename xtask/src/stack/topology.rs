//! Which services the local stack runs, and which environment each one needs to reach
//! the others and what they depend on.

use std::net::SocketAddr;

use anyhow::Context;
use settings::DEV_JWT_KEY;
use testkit::NatsEndpoint;

use super::launch::Listen;

/// Where the services find what they depend on.
pub struct Backends {
    pub mongo_url: String,
    pub nats: NatsEndpoint,
    /// How many copies the event stream keeps: one per NATS node.
    pub stream_replicas: usize,
    pub stripe: StripeEndpoints,
    pub order_expiration_seconds: Option<u64>,
}

/// Real Stripe (from the environment) or the local fake.
pub struct StripeEndpoints {
    pub api_base: String,
    pub secret_key: String,
    pub publishable_key: String,
    pub script_url: String,
    /// What Stripe signs the events it sends the payments service with.
    pub webhook_secret: Option<String>,
}

/// What a service reads from its environment, beyond its port.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Need {
    /// `MONGO_URL`, `MONGO_DB`, `APP_ENV`.
    Database,
    /// `JWT_KEY`, to verify (auth: to issue) session cookies.
    Sessions,
    /// `NATS_URL` and the service's NATS user, `EVENTS_STREAM_REPLICAS`.
    Events,
    /// `STRIPE_API_BASE`, `STRIPE_SECRET_KEY`, `STRIPE_WEBHOOK_SECRET`.
    StripeApi,
    /// `ORDER_EXPIRATION_SECONDS`, when the stack sets one.
    OrderExpiration,
    /// The web client's: the URLs of the APIs it calls, and where Stripe.js comes from.
    ApisAndStripeJs,
}

/// A service binary of the workspace and what it needs.
pub struct ServiceSpec {
    pub name: &'static str,
    needs: &'static [Need],
}

/// Every service the local stack runs. Their routes come from `gateway::ROUTES`.
pub const SERVICES: &[ServiceSpec] = &[
    ServiceSpec {
        name: "auth",
        needs: &[Need::Database, Need::Sessions, Need::Events],
    },
    ServiceSpec {
        name: "tickets",
        needs: &[Need::Database, Need::Sessions, Need::Events],
    },
    ServiceSpec {
        name: "orders",
        needs: &[
            Need::Database,
            Need::Sessions,
            Need::Events,
            Need::OrderExpiration,
        ],
    },
    ServiceSpec {
        name: "expiration",
        needs: &[Need::Database, Need::Events],
    },
    ServiceSpec {
        name: "payments",
        needs: &[
            Need::Database,
            Need::Sessions,
            Need::Events,
            Need::StripeApi,
        ],
    },
    ServiceSpec {
        name: "client",
        needs: &[Need::ApisAndStripeJs],
    },
];

/// The services' log filter unless `RUST_LOG` is set. async-stripe warns about every
/// 4xx it gets, a declined test card included; the payments service logs what matters
/// itself, so those warnings would only be noise on screen.
const DEFAULT_LOG_FILTER: &str = "info,stripe=error";

/// More variables for one service: (service, name, value).
pub type ExtraEnv = Vec<(&'static str, &'static str, String)>;

/// Every per-user limit a service reads: (service, variable, the value that lifts
/// it). A rate is lifted by an allowance nobody reaches; a standing limit by 0, no
/// limit, which also spares each create the count (the listing benchmark lists
/// 100,000 tickets as one seller). Each has a default a person never meets (see
/// docs/operations.md).
const PER_USER_LIMITS: [(&str, &str, u32); 7] = [
    ("auth", "AUTH_ATTEMPTS_PER_ADDRESS_PER_MINUTE", u32::MAX),
    ("auth", "AUTH_ATTEMPTS_PER_EMAIL_PER_MINUTE", u32::MAX),
    ("tickets", "TICKETS_LISTED_PER_USER_PER_MINUTE", u32::MAX),
    ("tickets", "MAX_TICKETS_FOR_SALE_PER_SELLER", 0),
    ("orders", "ORDERS_PER_USER_PER_MINUTE", u32::MAX),
    ("orders", "MAX_UNPAID_ORDERS_PER_BUYER", 0),
    ("payments", "PAYMENT_ATTEMPTS_PER_USER_PER_MINUTE", u32::MAX),
];

/// [`ExtraEnv`] that lifts every per-user limit: the benchmark, the fuzzer and the
/// chaos run sign in, list, reserve and pay far faster than a person, as a few users
/// from one address.
pub fn no_per_user_limits() -> ExtraEnv {
    PER_USER_LIMITS
        .into_iter()
        .map(|(service, name, lifted)| (service, name, lifted.to_string()))
        .collect()
}

/// What sellers are paid and when: (service, variable).
const PAYOUT_TERMS: [(&str, &str); 2] = [
    ("payments", "PAYOUT_FEE_PERCENT"),
    ("payments", "PAYOUT_HOLD_SECONDS"),
];

/// [`ExtraEnv`] with the per-user limits and payout terms this process's environment
/// sets, for `cargo xtask dev`: `TICKETS_LISTED_PER_USER_PER_MINUTE=3 cargo xtask dev`
/// shows the fourth listing of a minute refused, and `PAYOUT_HOLD_SECONDS=30` pays a
/// sale half a minute after it.
pub fn settings_from_env() -> ExtraEnv {
    PER_USER_LIMITS
        .into_iter()
        .map(|(service, name, _)| (service, name))
        .chain(PAYOUT_TERMS)
        .filter_map(|(service, name)| Some((service, name, std::env::var(name).ok()?)))
        .collect()
}

impl ServiceSpec {
    /// The web client starts after the APIs: it is handed their addresses.
    pub fn calls_the_apis(&self) -> bool {
        self.needs.contains(&Need::ApisAndStripeJs)
    }

    /// The environment of this service listening on `listen`, given where the
    /// backends are and where the services started before it are reached.
    pub fn environment(
        &self,
        listen: Listen,
        backends: &Backends,
        started: &[(&'static str, SocketAddr)],
        extra: &ExtraEnv,
    ) -> anyhow::Result<Vec<(&'static str, String)>> {
        let mut env = vec![
            ("PORT", listen.api.port().to_string()),
            // Each replica its own port, which the stack's Prometheus scrapes.
            ("METRICS_PORT", listen.metrics.port().to_string()),
            // Set, not inherited: one from the shell would name every service alike.
            // Spans go nowhere unless OTEL_EXPORTER_OTLP_ENDPOINT is set (inherited).
            ("OTEL_SERVICE_NAME", self.name.to_owned()),
            (
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| DEFAULT_LOG_FILTER.to_owned()),
            ),
        ];
        for need in self.needs {
            env.extend(self.environment_for(*need, backends, started)?);
        }
        env.extend(
            extra
                .iter()
                .filter(|(service, ..)| *service == self.name)
                .map(|(_, name, value)| (*name, value.clone())),
        );
        Ok(env)
    }

    fn environment_for(
        &self,
        need: Need,
        backends: &Backends,
        started: &[(&'static str, SocketAddr)],
    ) -> anyhow::Result<Vec<(&'static str, String)>> {
        Ok(match need {
            Need::Database => vec![
                ("MONGO_URL", backends.mongo_url.clone()),
                ("MONGO_DB", self.name.to_owned()),
                ("APP_ENV", "development".to_owned()),
            ],
            // Local sessions are signed with the public dev key unless JWT_KEY is set.
            Need::Sessions => vec![(
                "JWT_KEY",
                std::env::var("JWT_KEY").unwrap_or_else(|_| DEV_JWT_KEY.to_owned()),
            )],
            Need::Events => {
                let mut env = backends.nats.env(self.name);
                env.push((
                    "EVENTS_STREAM_REPLICAS",
                    backends.stream_replicas.to_string(),
                ));
                env
            }
            Need::StripeApi => {
                let mut env = vec![
                    ("STRIPE_API_BASE", backends.stripe.api_base.clone()),
                    ("STRIPE_SECRET_KEY", backends.stripe.secret_key.clone()),
                ];
                env.extend(
                    backends
                        .stripe
                        .webhook_secret
                        .clone()
                        .map(|secret| ("STRIPE_WEBHOOK_SECRET", secret)),
                );
                env
            }
            Need::OrderExpiration => backends
                .order_expiration_seconds
                .map(|seconds| ("ORDER_EXPIRATION_SECONDS", seconds.to_string()))
                .into_iter()
                .collect(),
            Need::ApisAndStripeJs => {
                let mut env = Vec::new();
                for (variable, api) in [
                    ("AUTH_URL", "auth"),
                    ("TICKETS_URL", "tickets"),
                    ("ORDERS_URL", "orders"),
                    ("PAYMENTS_URL", "payments"),
                ] {
                    let (_, address) =
                        started
                            .iter()
                            .find(|(name, _)| *name == api)
                            .with_context(|| {
                                format!("{} needs {api}, which starts after it", self.name)
                            })?;
                    env.push((variable, format!("http://{address}")));
                }
                env.push((
                    "STRIPE_PUBLISHABLE_KEY",
                    backends.stripe.publishable_key.clone(),
                ));
                env.push(("STRIPE_JS_URL", backends.stripe.script_url.clone()));
                env
            }
        })
    }
}
