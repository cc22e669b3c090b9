//! What every handler can reach, below the routes: startup builds it, the routes take
//! from it, and it imports neither.

use axum::extract::FromRef;
use httpkit::session::SessionKeys;
use storage::rate_limit::RateLimit;

use crate::{order_replica::OrderReplica, payments::Payments, stripe_gateway::StripeGateway};

#[derive(Clone, FromRef)]
pub(crate) struct AppState {
    pub orders: OrderReplica,
    pub payments: Payments,
    pub gateway: StripeGateway,
    pub session: SessionKeys,
    /// Payments one user may attempt per minute.
    pub attempt_rate: RateLimit,
}
