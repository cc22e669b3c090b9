//! What every handler can reach, below the routes: startup builds it, the routes take
//! from it, and it imports neither.

use axum::extract::FromRef;
use httpkit::session::SessionKeys;

use crate::{attempts::Attempts, sessions::Sessions, users::Users};

/// What every handler can reach.
#[derive(Clone, FromRef)]
pub(crate) struct AppState {
    pub users: Users,
    pub session: SessionKeys,
    pub sessions: Sessions,
    pub attempts: Attempts,
}
