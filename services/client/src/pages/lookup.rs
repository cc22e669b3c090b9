//! Finding what a page's URL names: an id that is no ObjectId, and a thing that is not
//! the visitor's, are both pages that do not exist.

use axum::http::StatusCode;

use super::error::PageError;
use crate::api::ApiError;

/// An id from a page URL, checked before it goes into an API URL: anything but an
/// ObjectId is a page that does not exist.
pub(crate) fn object_id(raw: &str) -> Result<&str, PageError> {
    if raw.len() == 24 && raw.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        Ok(raw)
    } else {
        Err(PageError::NotFound)
    }
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
