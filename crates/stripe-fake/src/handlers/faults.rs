//! The faults tests ask the fake for: a latency before each request runs, and answers
//! lost after the work was done.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::account::FakeStripe;
use crate::errors::ApiError;

/// Holds a request for the configured latency before running it. It runs inside the
/// idempotency layer, so the request's key stays in flight meanwhile.
pub(crate) async fn delay(
    State(fake): State<FakeStripe>,
    request: Request,
    next: Next,
) -> Response {
    let latency = fake.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    next.run(request).await
}

/// Runs the request, then replaces its answer with Stripe's 500 if it is one to lose.
pub(crate) async fn lose_response(
    State(fake): State<FakeStripe>,
    request: Request,
    next: Next,
) -> Response {
    let response = next.run(request).await;
    if fake.take_lost_response() {
        return ApiError::lost_response().into_response();
    }
    response
}
