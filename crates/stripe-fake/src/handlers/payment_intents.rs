//! `POST /v1/payment_intents`, `GET /v1/payment_intents/{id}` and
//! `POST /v1/payment_intents/{id}/confirm`.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::Value;

use crate::account::FakeStripe;
use crate::errors::ApiError;
use crate::handlers::payment_methods;
use crate::model::payment_intent::{AutomaticPaymentMethods, Terms};
use crate::params::Params;
use crate::store::PaymentMethodChoice;

/// Stripe's smallest charge in US dollars, in cents.
const USD_MINIMUM: i64 = 50;

pub(crate) fn router() -> Router<FakeStripe> {
    Router::new()
        .route("/v1/payment_intents", post(create))
        .route("/v1/payment_intents/{id}", get(retrieve))
        .route("/v1/payment_intents/{id}/confirm", post(confirm))
}

async fn create(State(fake): State<FakeStripe>, params: Params) -> Result<Json<Value>, ApiError> {
    let terms = terms(&params)?;
    let confirm = params.boolean("confirm")?.unwrap_or(false);
    let payment_method = payment_method_choice(&params)?;
    let mut store = fake.store();
    let mut intent = store.create_payment_intent(terms, payment_method)?;
    if confirm {
        intent = store.confirm_payment_intent(&intent.id, None, params.get("return_url"))?;
    }
    Ok(Json(intent.to_json()))
}

async fn retrieve(
    State(fake): State<FakeStripe>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(fake.store().payment_intent(&id)?.to_json()))
}

async fn confirm(
    State(fake): State<FakeStripe>,
    Path(id): Path<String>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let mut store = fake.store();
    // Stripe reports a PaymentIntent that does not exist before any parameter.
    store.payment_intent(&id)?;
    let payment_method = payment_method_choice(&params)?;
    let intent = store.confirm_payment_intent(&id, payment_method, params.get("return_url"))?;
    Ok(Json(intent.to_json()))
}

/// The PaymentIntent a create request describes.
fn terms(params: &Params) -> Result<Terms, ApiError> {
    let amount = params
        .amount()?
        .ok_or_else(|| ApiError::parameter_missing("amount"))?;
    let currency = params.required("currency")?.to_ascii_lowercase();
    if currency == "usd" && amount < USD_MINIMUM {
        return Err(ApiError::parameter_invalid(
            "amount_too_small",
            "amount",
            "Amount must be at least $0.50 usd",
        ));
    }
    let capture_method = capture_method(params)?;
    let automatic_payment_methods = automatic_payment_methods(params)?;
    let mut payment_method_types = params.list("payment_method_types");
    if automatic_payment_methods
        .as_ref()
        .is_some_and(|automatic| automatic.enabled)
        && !payment_method_types.is_empty()
    {
        return Err(ApiError::invalid_request(
            None,
            None,
            "You may only specify one of these parameters: automatic_payment_methods, \
             payment_method_types.",
        )
        .before_execution());
    }
    // API versions from 2026 take `allowed_payment_method_types` (a filter that works
    // alongside automatic payment methods) where older ones took `payment_method_types`.
    let allowed_payment_method_types = params.list("allowed_payment_method_types");
    if payment_method_types.is_empty() {
        payment_method_types.clone_from(&allowed_payment_method_types);
    }
    if payment_method_types.is_empty() {
        payment_method_types.push("card".to_owned());
    }
    Ok(Terms {
        amount,
        currency,
        capture_method,
        description: params.get("description").map(str::to_owned),
        receipt_email: params.get("receipt_email").map(str::to_owned),
        metadata: params.hash("metadata"),
        payment_method_types,
        allowed_payment_method_types: (!allowed_payment_method_types.is_empty())
            .then_some(allowed_payment_method_types),
        automatic_payment_methods,
    })
}

/// Charges are captured at once; holding funds for a later capture is not faked.
fn capture_method(params: &Params) -> Result<String, ApiError> {
    match params.get("capture_method") {
        None => Ok("automatic_async".to_owned()),
        Some(method @ ("automatic" | "automatic_async")) => Ok(method.to_owned()),
        Some(other) => Err(ApiError::parameter_invalid(
            "parameter_invalid_string",
            "capture_method",
            format!("The Stripe fake does not support capture_method `{other}`."),
        )),
    }
}

fn automatic_payment_methods(params: &Params) -> Result<Option<AutomaticPaymentMethods>, ApiError> {
    let Some(enabled) = params.boolean("automatic_payment_methods[enabled]")? else {
        return Ok(None);
    };
    let allow_redirects = params.get("automatic_payment_methods[allow_redirects]");
    Ok(Some(AutomaticPaymentMethods {
        enabled,
        allow_redirects: allow_redirects.map(str::to_owned),
    }))
}

/// The payment method a request names (`payment_method`) or describes inline
/// (`payment_method_data[…]`), if any.
fn payment_method_choice(params: &Params) -> Result<Option<PaymentMethodChoice>, ApiError> {
    if let Some(id) = params.get("payment_method") {
        return Ok(Some(PaymentMethodChoice::Existing(id.to_owned())));
    }
    if params.get("payment_method_data[type]").is_some() {
        let new = payment_methods::new_payment_method(params, Some("payment_method_data"))?;
        return Ok(Some(PaymentMethodChoice::New(new)));
    }
    Ok(None)
}
