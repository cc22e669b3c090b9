//! What every handler can reach, below the routes: startup builds it, the routes take
//! from it, and it imports neither.

use std::sync::Arc;

use axum::extract::FromRef;
use httpkit::session::SessionKeys;
use storage::rate_limit::RateLimit;

use crate::{
    onboarding::Onboarding, order_replica::OrderReplica, payments::Payments, payouts::Payouts,
    stripe_gateway::StripeGateway,
};

#[derive(Clone, FromRef)]
pub(crate) struct AppState {
    pub orders: OrderReplica,
    pub payments: Payments,
    pub gateway: StripeGateway,
    pub session: SessionKeys,
    /// Payments one user may attempt per minute.
    pub attempt_rate: RateLimit,
    pub payouts: Payouts,
    pub onboarding: Onboarding,
    pub webhook_secret: WebhookSecret,
}

/// The signing secret of Stripe's webhook endpoint, if one is configured.
#[derive(Clone)]
pub(crate) struct WebhookSecret(pub Option<Arc<str>>);
