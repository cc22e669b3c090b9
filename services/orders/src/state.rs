//! What every handler can reach, below the routes: startup builds it, the routes take
//! from it, and it imports neither.

use std::time::Duration;

use axum::extract::FromRef;
use httpkit::session::SessionKeys;
use storage::rate_limit::RateLimit;

use crate::orders::Orders;

#[derive(Clone, FromRef)]
pub(crate) struct AppState {
    pub orders: Orders,
    pub session: SessionKeys,
    pub expiration: OrderExpiration,
    /// Orders one buyer may place per minute.
    pub order_rate: RateLimit,
}

/// How long a new order holds its ticket.
#[derive(Clone, Copy)]
pub(crate) struct OrderExpiration(pub Duration);
