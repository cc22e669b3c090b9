//! Confirming a PaymentIntent: charging its payment method once, which either moves
//! money (into the ledger) or records the decline on the PaymentIntent.

use axum::http::StatusCode;
use serde_json::Value;

use crate::errors::{self, ApiError};
use crate::ids;
use crate::ledger::Charge;
use crate::payment_intents::model::Status;
use crate::payment_intents::no_such_payment_intent;
use crate::payment_methods::{PaymentMethod, no_such_payment_method};
use crate::store::Store;

/// Charges PaymentIntent `id` with the payment method it holds. Returns the PaymentIntent
/// after a successful charge, or Stripe's 402 `card_error` after a decline.
pub(crate) fn charge(
    store: &mut Store,
    id: &str,
    return_url: Option<&str>,
) -> Result<Value, ApiError> {
    let payment_method = chargeable_payment_method(store, id, return_url)?;
    let Store {
        payment_intents,
        ledger,
        ..
    } = store;
    let intent = payment_intents
        .get_mut(id)
        .ok_or_else(|| no_such_payment_intent(StatusCode::NOT_FOUND, "intent", id))?;
    let charge_id = ids::new_id("ch");
    intent.latest_charge = Some(charge_id.clone());
    match payment_method.card.decline {
        None => {
            intent.status = Status::Succeeded;
            intent.amount_received = intent.amount;
            intent.last_payment_error = None;
            ledger.charges.push(Charge {
                id: charge_id,
                payment_intent: intent.id.clone(),
                amount: intent.amount,
                currency: intent.currency.clone(),
                metadata: intent.metadata.clone(),
            });
            Ok(intent.to_json())
        }
        Some(decline) => {
            // Stripe detaches the failed payment method so the next attempt needs a new one.
            intent.status = Status::RequiresPaymentMethod;
            intent.payment_method = None;
            intent.last_payment_error = Some(errors::declined_charge_error(
                decline,
                &charge_id,
                payment_method.to_json(),
            ));
            Err(ApiError::card_declined(
                decline,
                &charge_id,
                intent.to_json(),
                payment_method.to_json(),
            ))
        }
    }
}

/// The payment method to charge, once the PaymentIntent is known to be ready for it.
fn chargeable_payment_method(
    store: &Store,
    id: &str,
    return_url: Option<&str>,
) -> Result<PaymentMethod, ApiError> {
    let intent = store
        .payment_intents
        .get(id)
        .ok_or_else(|| no_such_payment_intent(StatusCode::NOT_FOUND, "intent", id))?;
    if intent.status == Status::Succeeded {
        return Err(unexpected_state(
            "You cannot confirm this PaymentIntent because it has already succeeded after being \
             previously confirmed.",
            intent.to_json(),
        ));
    }
    let Some(payment_method_id) = &intent.payment_method else {
        return Err(unexpected_state(
            "You cannot confirm this PaymentIntent because it's missing a payment method. You can \
             either update the PaymentIntent with a payment method and then confirm it again, or \
             confirm it again directly with a payment method.",
            intent.to_json(),
        ));
    };
    if intent.may_redirect() && return_url.is_none() {
        return Err(ApiError::invalid_request(
            None,
            None,
            "A `return_url` must be specified because this Payment Intent is configured to \
             automatically accept the payment methods enabled in the Dashboard, some of which may \
             require a full page redirect to succeed. If you do not want to accept redirect-based \
             payment methods, set `automatic_payment_methods[enabled]` to `true` and \
             `automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents \
             and Payment Intents.",
        ));
    }
    store
        .payment_method(payment_method_id)
        .ok_or_else(|| no_such_payment_method(StatusCode::BAD_REQUEST, payment_method_id))
}

fn unexpected_state(message: &str, payment_intent: Value) -> ApiError {
    ApiError::invalid_request(Some("payment_intent_unexpected_state"), None, message)
        .with_payment_intent(payment_intent)
}
