//! `POST /v1/refunds`: gives back part or all of a succeeded PaymentIntent's charge.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::errors::ApiError;
use crate::ledger::RefundRecord;
use crate::params::Params;
use crate::payment_intents::{PaymentIntent, no_such_payment_intent};
use crate::store::Store;
use crate::{FakeStripe, clock, ids};

pub(crate) fn router() -> Router<FakeStripe> {
    Router::new().route("/v1/refunds", post(create))
}

async fn create(State(fake): State<FakeStripe>, params: Params) -> Result<Json<Value>, ApiError> {
    let requested = params.integer("amount")?;
    if requested.is_some_and(|amount| amount < 1) {
        return Err(ApiError::parameter_invalid(
            "parameter_invalid_integer",
            "amount",
            "This value must be greater than or equal to 1.",
        ));
    }
    let mut store = fake.store();
    let intent = refunded_intent(&store, &params)?;
    let charge = intent.latest_charge.clone().unwrap_or_default();
    let remaining = intent.amount_received - store.ledger.refunded(&intent.id);
    if remaining == 0 {
        return Err(ApiError::invalid_request(
            Some("charge_already_refunded"),
            None,
            format!("Charge {charge} has already been refunded."),
        ));
    }
    let amount = requested.unwrap_or(remaining);
    if amount > remaining {
        return Err(ApiError::invalid_request(
            Some("amount_too_large"),
            Some("amount"),
            format!(
                "Refund amount ({}) is greater than unrefunded amount on charge ({})",
                money(amount, &intent.currency),
                money(remaining, &intent.currency)
            ),
        ));
    }
    let id = ids::new_id("re");
    let refund = json!({
        "id": id,
        "object": "refund",
        "amount": amount,
        "balance_transaction": null,
        "charge": charge,
        "created": clock::now(),
        "currency": intent.currency,
        "destination_details": null,
        "metadata": params.hash("metadata"),
        "payment_intent": intent.id,
        "reason": params.get("reason"),
        "receipt_number": null,
        "source_transfer_reversal": null,
        "status": "succeeded",
        "transfer_reversal": null,
    });
    store.ledger.refunds.push(RefundRecord {
        id,
        payment_intent: intent.id,
        amount,
    });
    Ok(Json(refund))
}

/// The succeeded PaymentIntent named by `payment_intent`, or by its charge (`charge`).
fn refunded_intent(store: &Store, params: &Params) -> Result<PaymentIntent, ApiError> {
    let intent = if let Some(id) = params.get("payment_intent") {
        store
            .payment_intents
            .get(id)
            .ok_or_else(|| no_such_payment_intent(StatusCode::BAD_REQUEST, "payment_intent", id))?
    } else if let Some(charge) = params.get("charge") {
        store
            .payment_intents
            .values()
            .find(|intent| intent.latest_charge.as_deref() == Some(charge))
            .ok_or_else(|| {
                ApiError::resource_missing(
                    StatusCode::BAD_REQUEST,
                    "charge",
                    format!("No such charge: '{charge}'"),
                )
            })?
    } else {
        return Err(ApiError::parameter_invalid(
            "parameter_missing",
            "payment_intent",
            "One of the following params should be provided for this request: payment_intent or \
             charge.",
        ));
    };
    if !intent.has_succeeded() {
        return Err(ApiError::invalid_request(
            None,
            Some("payment_intent"),
            format!(
                "This PaymentIntent ({}) does not have a successful charge to refund.",
                intent.id
            ),
        ));
    }
    Ok(intent.clone())
}

/// An amount in the smallest currency unit, written the way Stripe's messages write it.
fn money(amount: i64, currency: &str) -> String {
    let units = format!("{}.{:02}", amount / 100, amount % 100);
    if currency == "usd" {
        format!("${units}")
    } else {
        format!("{units} {}", currency.to_uppercase())
    }
}
