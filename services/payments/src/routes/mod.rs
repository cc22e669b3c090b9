//! The `/api/payments` route and the OpenAPI document it makes.

mod new_payment;

use axum::Router;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    httpkit::openapi::serve_documented(
        "/api/payments",
        "payments",
        OpenApiRouter::new().routes(routes!(new_payment::new_payment)),
    )
}
