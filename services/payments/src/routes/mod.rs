//! The `/api/payments` route.

mod new_payment;

use axum::{Router, routing::post};

use crate::startup::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/api/payments", post(new_payment::new_payment))
}
