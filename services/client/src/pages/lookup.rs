//! Finding what a page's URL names: a malformed id, and a thing that is not the
//! visitor's, are both pages that do not exist.

use axum::http::StatusCode;
use marketplace::id::{Entity, Id};

use super::error::PageError;
use crate::api::ApiError;

/// An id from a page URL, checked before it goes into an API URL: anything but an
/// id is a page that does not exist.
pub(crate) fn page_id<E: Entity>(raw: &str) -> Result<Id<E>, PageError> {
    raw.parse().map_err(|_| PageError::NotFound)
}

/// For a visitor already known to be signed in, an API's 401 means the thing is not
/// theirs (another buyer's order, another seller's ticket): for them, no such page.
pub(crate) fn not_yours(error: ApiError) -> ApiError {
    match error {
        ApiError::Refused {
            status: StatusCode::UNAUTHORIZED,
            ..
        } => ApiError::Refused {
            status: StatusCode::NOT_FOUND,
            errors: Vec::new(),
        },
        other => other,
    }
}
