//! The pages, one file per part of the site. Each handler asks the APIs with the
//! visitor's cookie and renders HTML; each form posts back here and is answered with a
//! redirect, or with the same form and the API's messages beside it.

mod auth;
mod error;
mod forms;
mod home;
mod layout;
mod listings;
mod orders;
mod sell;
mod ticket;

use axum::{
    Router,
    http::StatusCode,
    routing::{get, post},
};

pub(crate) use error::{PageError, render_error_pages};

use marketplace::id::{Entity, Id};

use crate::{api::ApiError, startup::AppState};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/auth/signup", get(auth::signup_page).post(auth::signup))
        .route("/auth/signin", get(auth::signin_page).post(auth::signin))
        .route("/auth/signout", post(auth::signout))
        .route("/tickets/new", get(sell::sell_page).post(sell::sell))
        .route("/tickets/mine", get(listings::my_listings))
        .route("/tickets/{id}", get(ticket::ticket_page))
        .route("/tickets/{id}/purchase", post(ticket::purchase))
        .route("/tickets/{id}/edit", post(listings::edit))
        .route("/orders", get(orders::my_orders))
        .route("/orders/{id}", get(orders::order_page))
        .fallback(error::not_found_page)
}

/// An id from a page URL, checked before it goes into an API URL: anything but an
/// id is a page that does not exist.
fn page_id<E: Entity>(raw: &str) -> Result<Id<E>, PageError> {
    raw.parse().map_err(|_| PageError::NotFound)
}

/// For a visitor already known to be signed in, an API's 401 means the thing is not
/// theirs (another buyer's order, another seller's ticket): for them, no such page.
fn not_yours(error: ApiError) -> ApiError {
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
