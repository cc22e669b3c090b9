//! The `/api/payments` and `/api/payouts` routes and the OpenAPI document they make.

mod list_payouts;
mod new_payment;
mod payout_account;
mod stripe_webhook;

use axum::Router;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    httpkit::openapi::serve_documented(
        "/api/payments",
        "payments",
        OpenApiRouter::new()
            .routes(routes!(new_payment::new_payment))
            .routes(routes!(stripe_webhook::stripe_webhook))
            .routes(routes!(
                payout_account::connect_payout_account,
                payout_account::payout_account
            ))
            .routes(routes!(list_payouts::list_payouts)),
    )
}
