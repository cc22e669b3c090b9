//! The fake's HTTP API: which handler serves which path, and the layers around them.

use axum::routing::get;
use axum::{Router, middleware};

use crate::account::FakeStripe;
use crate::handlers::{self, auth, faults, idempotency, ledger, onboarding, stripe_js};

impl FakeStripe {
    /// The HTTP API: Stripe's `/v1/…` routes, `GET /_fake/ledger`, the Stripe.js
    /// stand-in at `GET /v3/` (where js.stripe.com serves Stripe.js), and the onboarding
    /// pages AccountLinks point to at `GET /connect/onboarding/{token}`.
    pub fn router(&self) -> Router {
        let api = handlers::api()
            // Layers run outside in: losing the answer, the key check, idempotency,
            // latency, the handler.
            .route_layer(middleware::from_fn_with_state(self.clone(), faults::delay))
            .route_layer(middleware::from_fn_with_state(
                self.clone(),
                idempotency::layer,
            ))
            .route_layer(middleware::from_fn(auth::require_secret_key))
            .route_layer(middleware::from_fn_with_state(
                self.clone(),
                faults::lose_response,
            ));
        Router::new()
            .merge(api)
            .route("/_fake/ledger", get(ledger::ledger))
            .route("/v3/", get(stripe_js::stripe_js))
            .route("/connect/onboarding/{token}", get(onboarding::visit))
            .fallback(handlers::unrecognized_url)
            .with_state(self.clone())
    }
}
