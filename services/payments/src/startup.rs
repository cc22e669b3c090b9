//! Builds the payments service: database, Stripe client, event bus, listeners,
//! outbox relay, recovery of interrupted payments, the payout loop, HTTP.

use bus::EventBus;
use httpkit::{service::Service, session::SessionKeys};
use storage::{outbox::Outbox, rate_limit::RateLimit, revocations};

use std::sync::Arc;

use crate::{
    checkout,
    config::Config,
    listeners::{self, Ledgers},
    onboarding::Onboarding,
    order_replica::OrderReplica,
    payments::Payments,
    payout_accounts::PayoutAccounts,
    payout_loop::{self, PayoutLoop},
    payouts::Payouts,
    routes,
    state::{AppState, WebhookSecret},
    stripe_gateway::StripeGateway,
};

/// Connects, starts the listeners and binds `config.base.port`.
pub async fn build(config: Config) -> anyhow::Result<Service> {
    crate::stripe_calls::register_metrics();
    let database =
        storage::mongo::connect(&config.base.mongo_url, &config.base.mongo_database).await?;
    let bus = EventBus::connect(&config.events).await?;
    let gateway = StripeGateway::new(&config.stripe)?;
    let outbox = Outbox::new(&database);
    let orders = OrderReplica::new(&database);
    // A claim's request gets two recovery rounds before the loop takes it over.
    let claim_lease = config.recovery_interval * 2;
    let payments = Payments::new(&database, orders.clone(), outbox.clone(), claim_lease);
    payments.ensure_indexes().await?;
    let attempt_rate = RateLimit::per_minute(
        &database,
        "payment-attempts",
        "payment attempts in a minute",
        config.attempts_per_minute,
    );
    attempt_rate.ensure_indexes().await?;
    let payouts = Payouts::new(&database, claim_lease);
    payouts.ensure_indexes().await?;
    let accounts = PayoutAccounts::new(&database);
    accounts.ensure_indexes().await?;
    let ledgers = Ledgers {
        orders: orders.clone(),
        payments: payments.clone(),
        payouts: payouts.clone(),
        gateway: gateway.clone(),
        terms: config.payouts,
    };
    let mut listeners = listeners::spawn_all(&bus, ledgers).await?;
    let session = SessionKeys::new(&config.session.jwt_key, config.session.environment);
    let (revocations, follow_revocations) =
        revocations::learn_from_events(&database, &bus, listeners::SERVICE, &session).await?;
    listeners.push(revocations);
    let recovery = checkout::recover(gateway.clone(), payments.clone(), config.recovery_interval);
    let paying_out = PayoutLoop {
        gateway: gateway.clone(),
        payouts: payouts.clone(),
        accounts: accounts.clone(),
    }
    .run(payout_loop::PASS_INTERVAL);
    let onboarding = Onboarding {
        gateway: gateway.clone(),
        accounts,
        payouts: payouts.clone(),
    };
    let state = AppState {
        orders,
        payments,
        gateway,
        session,
        attempt_rate,
        payouts,
        onboarding,
        webhook_secret: WebhookSecret(config.stripe.webhook_secret.as_deref().map(Arc::from)),
    };
    let routes = routes::router().with_state(state);
    let service =
        backend::bind_with_events(&config.base, routes, database, &bus, outbox, listeners).await?;
    Ok(service
        .beside(recovery)
        .beside(paying_out)
        .beside(follow_revocations))
}
