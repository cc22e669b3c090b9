//! `POST /v1/payment_methods` and `GET /v1/payment_methods/{id}`: card payment methods
//! made from test card numbers or tokens, plus Stripe's ready-made test ids.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::Value;

use crate::account::FakeStripe;
use crate::clock;
use crate::errors::ApiError;
use crate::model::cards::{self, TestCard};
use crate::model::payment_method::Expiry;
use crate::params::Params;
use crate::store::NewPaymentMethod;

pub(crate) fn router() -> Router<FakeStripe> {
    Router::new()
        .route("/v1/payment_methods", post(create))
        .route("/v1/payment_methods/{id}", get(retrieve))
}

async fn create(State(fake): State<FakeStripe>, params: Params) -> Result<Json<Value>, ApiError> {
    let new = new_payment_method(&params, None)?;
    let payment_method = fake.store().create_payment_method(new);
    Ok(Json(payment_method.to_json()))
}

async fn retrieve(
    State(fake): State<FakeStripe>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let payment_method = fake
        .store()
        .payment_method(&id)
        .ok_or_else(|| ApiError::no_such_payment_method(StatusCode::NOT_FOUND, &id))?;
    Ok(Json(payment_method.to_json()))
}

/// The card payment method that parameters such as `type`, `card[number]`,
/// `card[token]` and `metadata[…]` describe, all under `prefix` when given.
pub(crate) fn new_payment_method(
    params: &Params,
    prefix: Option<&str>,
) -> Result<NewPaymentMethod, ApiError> {
    let type_key = key(prefix, "type");
    let type_ = params.required(&type_key)?;
    if type_ != "card" {
        return Err(ApiError::parameter_invalid(
            "parameter_invalid_string",
            &type_key,
            format!("The Stripe fake only makes payment methods of type `card`, not `{type_}`."),
        ));
    }
    let (card, expiry) = card(params, &key(prefix, "card"))?;
    Ok(NewPaymentMethod {
        card,
        expiry,
        metadata: params.hash(&key(prefix, "metadata")),
    })
}

/// `name` inside the hash `prefix` (`payment_method_data[card][number]`), or `name` itself.
fn key(prefix: Option<&str>, name: &str) -> String {
    prefix.map_or_else(|| name.to_owned(), |prefix| format!("{prefix}[{name}]"))
}

/// The card in the hash `card_key`: a test token, or a test number with its expiry.
fn card(params: &Params, card_key: &str) -> Result<(TestCard, Expiry), ApiError> {
    let token_key = format!("{card_key}[token]");
    if let Some(token) = params.get(&token_key) {
        let card = cards::by_token(token).ok_or_else(|| {
            ApiError::resource_missing(
                StatusCode::BAD_REQUEST,
                &token_key,
                format!("No such token: '{token}'"),
            )
        })?;
        return Ok((card, Expiry::any_future()));
    }
    let number_key = format!("{card_key}[number]");
    let month_key = format!("{card_key}[exp_month]");
    let year_key = format!("{card_key}[exp_year]");
    let number = params.required(&number_key)?;
    let month = params
        .integer(&month_key)?
        .ok_or_else(|| ApiError::parameter_missing(&month_key))?;
    let year = params
        .integer(&year_key)?
        .ok_or_else(|| ApiError::parameter_missing(&year_key))?;
    if !(1..=12).contains(&month) {
        return Err(ApiError::card_invalid(
            "invalid_expiry_month",
            &month_key,
            "Your card's expiration month is invalid.",
        ));
    }
    if year < clock::year() {
        return Err(ApiError::card_invalid(
            "invalid_expiry_year",
            &year_key,
            "Your card's expiration year is invalid.",
        ));
    }
    let card = cards::by_number(number).ok_or_else(|| {
        ApiError::card_invalid(
            "incorrect_number",
            &number_key,
            "Your card number is incorrect.",
        )
    })?;
    Ok((card, Expiry { month, year }))
}
