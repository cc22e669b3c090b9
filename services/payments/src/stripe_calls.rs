//! Every call to Stripe as a client span of the trace it is made in, and a sample of
//! `stripe_client_request_duration_seconds` by operation and outcome.
//!
//! The span stays in our trace: async-stripe builds its requests itself, with no way
//! to add a header, and Stripe reads no `traceparent`; the span's duration and outcome
//! are what an operator needs of it.

use std::{sync::LazyLock, time::Instant};

use prometheus_client::encoding::EncodeLabelSet;
use stripe::StripeError;
use telemetry::metrics::{self, Family, Histogram};
use tracing::{Instrument, field::Empty};

static CALLS: LazyLock<Family<CallLabels, Histogram>> = LazyLock::new(|| {
    metrics::duration_family(
        "stripe_client_request_duration",
        "Time a call to Stripe took, by operation and outcome: ok, refused (a definite 4xx), failed (no definite answer).",
    )
});

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    operation: &'static str,
    outcome: &'static str,
}

/// Registers the Stripe metrics, so their family is listed before the first call.
pub(crate) fn register_metrics() {
    LazyLock::force(&CALLS);
}

/// Runs `call`, the Stripe `operation` (`create_payment_intent`, …), observed.
pub(crate) async fn observed<T>(
    operation: &'static str,
    call: impl Future<Output = Result<T, StripeError>>,
) -> Result<T, StripeError> {
    let span = tracing::info_span!(
        "stripe",
        otel.name = %format_args!("stripe {operation}"),
        otel.kind = "client",
        otel.status_code = Empty,
        stripe.operation = operation,
        stripe.outcome = Empty,
    );
    let started = Instant::now();
    let result = call.instrument(span.clone()).await;
    let outcome = match &result {
        Ok(_) => "ok",
        Err(StripeError::Stripe(_, status)) if is_definite_refusal(*status) => "refused",
        Err(_) => "failed",
    };
    span.record("stripe.outcome", outcome);
    if outcome == "failed" {
        span.record("otel.status_code", "ERROR");
    }
    CALLS
        .get_or_create(&CallLabels { operation, outcome })
        .observe(started.elapsed().as_secs_f64());
    result
}

/// A 4xx after which nothing happened: not 409 (another request with the same key
/// in flight) nor 429 (too many requests), which leave the outcome unknown.
pub(crate) fn is_definite_refusal(status: u16) -> bool {
    (400..500).contains(&status) && status != 409 && status != 429
}
