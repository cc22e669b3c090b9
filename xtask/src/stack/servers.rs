//! What the services depend on: NATS, the database and Stripe, each started here with
//! the stack's data, or (for `cargo xtask dev`) the one the environment names.

use std::path::Path;

use anyhow::Context;
use testkit::{AsyncSupervised, Home, Mongo, NatsCluster, NatsEndpoint, Server};

use super::{
    launch::{self, Profile},
    options::StackOptions,
    ports, readiness,
    topology::{Backends, StripeEndpoints},
};
use crate::progress;

/// The Stripe keys the stack uses against the local fake. Not secrets.
const FAKE_STRIPE_SECRET_KEY: &str = "sk_test_local_fake";
const FAKE_STRIPE_PUBLISHABLE_KEY: &str = "pk_test_local_fake";
const FAKE_STRIPE_WEBHOOK_SECRET: &str = "whsec_local_fake";

/// The server processes the stack started; `None` for one the environment named.
/// Dropping it stops them.
pub struct Servers {
    pub stripe_fake: Option<AsyncSupervised>,
    pub mongo: Option<Server>,
    pub nats: Option<NatsCluster>,
}

/// Starts (or finds) every backend and says where each is.
pub async fn start(options: &StackOptions, logs_dir: &Path) -> anyhow::Result<(Backends, Servers)> {
    progress::step("Starting NATS JetStream, the database and Stripe");
    let from_env = |name| {
        options
            .servers_from_env
            .then(|| std::env::var(name).ok())
            .flatten()
    };
    let (nats_endpoint, nats) = match from_env("NATS_URL") {
        Some(url) => (NatsEndpoint::external(url), None),
        None => {
            let nats = NatsCluster::start_in(&options.data.join("nats"), options.nats_nodes);
            (nats.endpoint(), Some(nats))
        }
    };
    let (mongo_url, mongo) = match from_env("MONGO_URL") {
        Some(url) => (url, None),
        None => {
            let mongo = Mongo::start_in(Home::kept(options.data.join("mongo")));
            (mongo.url(), Some(mongo))
        }
    };
    let (stripe, stripe_fake) = match from_env("STRIPE_API_BASE") {
        Some(api_base) => (real_stripe(api_base)?, None),
        None => {
            // The fake sends its events where Stripe would: to the public address,
            // which routes them to payments.
            let webhook_url = format!(
                "http://127.0.0.1:{}/api/payments/webhooks/stripe",
                options.port
            );
            let (base, fake) = start_stripe_fake(logs_dir, options.profile, &webhook_url).await?;
            (fake_stripe(base), Some(fake))
        }
    };
    progress::done(&format!("NATS      {}", nats_endpoint.url));
    progress::done(&format!("MongoDB   {mongo_url}"));
    progress::done(&format!("Stripe    {}", stripe.api_base));
    let backends = Backends {
        mongo_url,
        nats: nats_endpoint,
        stream_replicas: options.nats_nodes,
        stripe,
        order_expiration_seconds: options.order_expiration_seconds,
    };
    let servers = Servers {
        stripe_fake,
        mongo,
        nats,
    };
    Ok((backends, servers))
}

/// Real Stripe at `api_base`, with its keys from the environment.
fn real_stripe(api_base: String) -> anyhow::Result<StripeEndpoints> {
    let required = |name: &str| {
        std::env::var(name)
            .with_context(|| format!("STRIPE_API_BASE is set, so {name} must be too"))
    };
    Ok(StripeEndpoints {
        api_base,
        secret_key: required("STRIPE_SECRET_KEY")?,
        publishable_key: required("STRIPE_PUBLISHABLE_KEY")?,
        script_url: "https://js.stripe.com/v3/".to_owned(),
        webhook_secret: std::env::var("STRIPE_WEBHOOK_SECRET").ok(),
    })
}

/// The workspace's fake at `base`, which also serves the Stripe.js stand-in.
fn fake_stripe(base: String) -> StripeEndpoints {
    StripeEndpoints {
        script_url: format!("{base}v3/"),
        api_base: base,
        secret_key: FAKE_STRIPE_SECRET_KEY.to_owned(),
        publishable_key: FAKE_STRIPE_PUBLISHABLE_KEY.to_owned(),
        webhook_secret: Some(FAKE_STRIPE_WEBHOOK_SECRET.to_owned()),
    }
}

/// Starts the workspace's Stripe fake and waits until it answers; returns its base URL.
async fn start_stripe_fake(
    logs_dir: &Path,
    profile: Profile,
    webhook_url: &str,
) -> anyhow::Result<(String, AsyncSupervised)> {
    let port = ports::free_port()?;
    let log = logs_dir.join("stripe-fake.log");
    let webhook = (webhook_url, FAKE_STRIPE_WEBHOOK_SECRET);
    let mut process = launch::stripe_fake(port, webhook, &log, profile)?;
    readiness::wait_until_listening("stripe-fake", port, &mut process, &log).await?;
    Ok((format!("http://127.0.0.1:{port}/"), process))
}
