//! The HTTP side of the fake: each handler parses Stripe's form parameters, asks the
//! store, and renders the answer; the middleware here checks the secret key, honours
//! idempotency keys and injects the faults tests ask for.

mod account_links;
mod accounts;
pub(crate) mod auth;
pub(crate) mod faults;
pub(crate) mod idempotency;
pub(crate) mod ledger;
pub(crate) mod onboarding;
mod payment_intents;
mod payment_methods;
mod refunds;
pub(crate) mod stripe_js;
mod transfer_reversals;
mod transfers;

use axum::Router;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};

use crate::account::FakeStripe;
use crate::errors::ApiError;

/// Stripe's `/v1/…` routes.
pub(crate) fn api() -> Router<FakeStripe> {
    Router::new()
        .merge(payment_intents::router())
        .merge(refunds::router())
        .merge(payment_methods::router())
        .merge(accounts::router())
        .merge(account_links::router())
        .merge(transfers::router())
        .merge(transfer_reversals::router())
}

/// Stripe's 404 for a path it does not serve.
pub(crate) async fn unrecognized_url(request: Request) -> Response {
    ApiError::unrecognized_url(request.method().as_str(), request.uri().path()).into_response()
}
