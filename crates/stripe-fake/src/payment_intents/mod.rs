//! `POST /v1/payment_intents`, `GET /v1/payment_intents/{id}` and
//! `POST /v1/payment_intents/{id}/confirm`.

mod confirm;
mod model;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::Value;

use crate::errors::ApiError;
use crate::params::Params;
use crate::payment_methods::{self, PaymentMethod, no_such_payment_method};
use crate::store::Store;
use crate::{FakeStripe, clock, ids};
pub(crate) use model::PaymentIntent;
use model::{AutomaticPaymentMethods, Status};

/// Stripe's smallest charge in US dollars, in cents.
const USD_MINIMUM: i64 = 50;

pub(crate) fn router() -> Router<FakeStripe> {
    Router::new()
        .route("/v1/payment_intents", post(create))
        .route("/v1/payment_intents/{id}", get(retrieve))
        .route("/v1/payment_intents/{id}/confirm", post(confirm))
}

/// Stripe's answer for a PaymentIntent id that names nothing; `param` is where the id
/// came from (`intent` in a path, `payment_intent` in a refund).
pub(crate) fn no_such_payment_intent(status: StatusCode, param: &str, id: &str) -> ApiError {
    ApiError::resource_missing(status, param, format!("No such payment_intent: '{id}'"))
}

async fn create(State(fake): State<FakeStripe>, params: Params) -> Result<Json<Value>, ApiError> {
    let amount = amount(&params)?;
    let currency = params.required("currency")?.to_ascii_lowercase();
    if currency == "usd" && amount < USD_MINIMUM {
        return Err(ApiError::parameter_invalid(
            "amount_too_small",
            "amount",
            "Amount must be at least $0.50 usd",
        ));
    }
    let capture_method = capture_method(&params)?;
    let automatic_payment_methods = automatic_payment_methods(&params)?;
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
    let confirm = params.boolean("confirm")?.unwrap_or(false);

    let mut store = fake.store();
    let payment_method = payment_method(&mut store, &params)?;
    let intent = PaymentIntent {
        id: ids::new_id("pi"),
        created: clock::now(),
        amount,
        currency,
        capture_method,
        description: params.get("description").map(str::to_owned),
        receipt_email: params.get("receipt_email").map(str::to_owned),
        metadata: params.hash("metadata"),
        status: if payment_method.is_some() {
            Status::RequiresConfirmation
        } else {
            Status::RequiresPaymentMethod
        },
        payment_method: payment_method.map(|payment_method| payment_method.id),
        payment_method_types,
        allowed_payment_method_types: (!allowed_payment_method_types.is_empty())
            .then_some(allowed_payment_method_types),
        automatic_payment_methods,
        amount_received: 0,
        latest_charge: None,
        last_payment_error: None,
    };
    let id = intent.id.clone();
    let json = intent.to_json();
    store.payment_intents.insert(id.clone(), intent);
    if confirm {
        return confirm::charge(&mut store, &id, params.get("return_url")).map(Json);
    }
    Ok(Json(json))
}

async fn retrieve(
    State(fake): State<FakeStripe>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let store = fake.store();
    let intent = store
        .payment_intents
        .get(&id)
        .ok_or_else(|| no_such_payment_intent(StatusCode::NOT_FOUND, "intent", &id))?;
    Ok(Json(intent.to_json()))
}

async fn confirm(
    State(fake): State<FakeStripe>,
    Path(id): Path<String>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let mut store = fake.store();
    if !store.payment_intents.contains_key(&id) {
        return Err(no_such_payment_intent(StatusCode::NOT_FOUND, "intent", &id));
    }
    let payment_method = payment_method(&mut store, &params)?;
    let intent = store
        .payment_intents
        .get_mut(&id)
        .ok_or_else(|| no_such_payment_intent(StatusCode::NOT_FOUND, "intent", &id))?;
    // A succeeded PaymentIntent keeps its payment method; confirming it again fails below.
    if let Some(payment_method) = payment_method
        && intent.status != Status::Succeeded
    {
        intent.payment_method = Some(payment_method.id);
    }
    confirm::charge(&mut store, &id, params.get("return_url")).map(Json)
}

fn amount(params: &Params) -> Result<i64, ApiError> {
    let amount = params
        .integer("amount")?
        .ok_or_else(|| ApiError::parameter_missing("amount"))?;
    if amount < 1 {
        return Err(ApiError::parameter_invalid(
            "parameter_invalid_integer",
            "amount",
            "This value must be greater than or equal to 1.",
        ));
    }
    Ok(amount)
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
fn payment_method(store: &mut Store, params: &Params) -> Result<Option<PaymentMethod>, ApiError> {
    if let Some(id) = params.get("payment_method") {
        let payment_method = store
            .payment_method(id)
            .ok_or_else(|| no_such_payment_method(StatusCode::BAD_REQUEST, id))?;
        return Ok(Some(payment_method));
    }
    if params.get("payment_method_data[type]").is_some() {
        return payment_methods::create_from(store, params, Some("payment_method_data")).map(Some);
    }
    Ok(None)
}
