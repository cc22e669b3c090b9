//! `POST /v1/refunds`: gives back part or all of a succeeded PaymentIntent's charge, and
//! announces it with a `charge.refunded` webhook event.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::Value;

use crate::account::FakeStripe;
use crate::errors::ApiError;
use crate::params::Params;
use crate::store::{NewRefund, RefundTarget};

pub(crate) fn router() -> Router<FakeStripe> {
    Router::new().route("/v1/refunds", post(create))
}

async fn create(State(fake): State<FakeStripe>, params: Params) -> Result<Json<Value>, ApiError> {
    let amount = params.amount()?;
    let refund = NewRefund {
        target: target(&params)?,
        amount,
        metadata: params.hash("metadata"),
        reason: params.get("reason").map(str::to_owned),
    };
    let (refund, charge) = {
        let mut store = fake.store();
        let refund = store.refund(refund)?;
        let charge = store.charge_json(&refund.payment_intent);
        (refund, charge)
    };
    // Whoever refunds (this API, or support in the Dashboard), the platform hears of it.
    if let Some(charge) = charge {
        fake.webhooks().send("charge.refunded", charge);
    }
    Ok(Json(refund.to_json()))
}

/// What the refund names: `payment_intent`, or else its charge (`charge`).
fn target(params: &Params) -> Result<RefundTarget, ApiError> {
    if let Some(id) = params.get("payment_intent") {
        return Ok(RefundTarget::PaymentIntent(id.to_owned()));
    }
    if let Some(charge) = params.get("charge") {
        return Ok(RefundTarget::Charge(charge.to_owned()));
    }
    Err(ApiError::parameter_invalid(
        "parameter_missing",
        "payment_intent",
        "One of the following params should be provided for this request: payment_intent or \
         charge.",
    ))
}
