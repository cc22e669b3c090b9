//! What every handler can reach, below the routes: startup builds it, the routes take
//! from it, and it imports neither.

use axum::extract::FromRef;
use httpkit::session::SessionKeys;
use storage::rate_limit::RateLimit;

use crate::tickets::Tickets;

#[derive(Clone, FromRef)]
pub(crate) struct AppState {
    pub tickets: Tickets,
    pub session: SessionKeys,
    /// Tickets one seller may list per minute.
    pub listing_rate: RateLimit,
}
