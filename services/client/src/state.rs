//! What every page handler can reach, below the pages: startup builds it, the pages
//! take from it, and it imports neither.

use std::sync::Arc;

use crate::{api::Api, config::StripeJs};

#[derive(Clone)]
pub(crate) struct AppState {
    pub api: Api,
    pub stripe: Arc<StripeJs>,
}
