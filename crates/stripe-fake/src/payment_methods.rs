//! `POST /v1/payment_methods` and `GET /v1/payment_methods/{id}`: card payment methods
//! made from test card numbers or tokens, plus Stripe's ready-made test ids.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::cards::{self, TestCard};
use crate::errors::ApiError;
use crate::params::Params;
use crate::store::Store;
use crate::{FakeStripe, clock, ids};

/// A card payment method and how charging it turns out.
#[derive(Clone, Debug)]
pub(crate) struct PaymentMethod {
    pub(crate) id: String,
    created: i64,
    pub(crate) card: TestCard,
    exp_month: i64,
    exp_year: i64,
    metadata: BTreeMap<String, String>,
}

impl PaymentMethod {
    /// One of Stripe's ready-made ids (`pm_card_visa`), which exist without being created.
    pub(crate) fn documented(id: &str) -> Option<Self> {
        let card = cards::by_payment_method(id)?;
        Some(Self::with_default_expiry(id.to_owned(), card))
    }

    fn with_default_expiry(id: String, card: TestCard) -> Self {
        let (exp_month, exp_year) = default_expiry();
        Self::new(id, card, exp_month, exp_year)
    }

    /// A card payment method created now, without metadata.
    fn new(id: String, card: TestCard, exp_month: i64, exp_year: i64) -> Self {
        Self {
            id,
            created: clock::now(),
            card,
            exp_month,
            exp_year,
            metadata: BTreeMap::new(),
        }
    }

    /// The PaymentMethod object as Stripe returns it.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "object": "payment_method",
            "allow_redisplay": "unspecified",
            "billing_details": {
                "address": {
                    "city": null, "country": null, "line1": null,
                    "line2": null, "postal_code": null, "state": null,
                },
                "email": null,
                "name": null,
                "phone": null,
                "tax_id": null,
            },
            "card": {
                "brand": self.card.brand,
                "checks": {
                    "address_line1_check": null,
                    "address_postal_code_check": null,
                    "cvc_check": "unchecked",
                },
                "country": "US",
                "display_brand": self.card.brand,
                "exp_month": self.exp_month,
                "exp_year": self.exp_year,
                "fingerprint": format!("fake{}{}", self.card.brand, self.card.last4),
                "funding": "credit",
                "generated_from": null,
                "last4": self.card.last4,
                "networks": { "available": [self.card.brand], "preferred": null },
                "regulated_status": "unregulated",
                "three_d_secure_usage": { "supported": true },
                "wallet": null,
            },
            "created": self.created,
            "customer": null,
            "livemode": false,
            "metadata": self.metadata,
            "type": "card",
        })
    }
}

/// Test tokens and the ready-made ids carry no expiry date; any future one will do.
fn default_expiry() -> (i64, i64) {
    (12, clock::year() + 3)
}

/// `name` inside the hash `prefix` (`payment_method_data[card][number]`), or `name` itself.
fn key(prefix: Option<&str>, name: &str) -> String {
    prefix.map_or_else(|| name.to_owned(), |prefix| format!("{prefix}[{name}]"))
}

/// Makes and keeps a card payment method from parameters such as `type`,
/// `card[number]`, `card[token]`, `metadata[…]`, all under `prefix` when given.
pub(crate) fn create_from(
    store: &mut Store,
    params: &Params,
    prefix: Option<&str>,
) -> Result<PaymentMethod, ApiError> {
    let type_key = key(prefix, "type");
    let type_ = params.required(&type_key)?;
    if type_ != "card" {
        return Err(ApiError::parameter_invalid(
            "parameter_invalid_string",
            &type_key,
            format!("The Stripe fake only makes payment methods of type `card`, not `{type_}`."),
        ));
    }
    let card_key = key(prefix, "card");
    let mut payment_method = card_from(params, &card_key)?;
    payment_method.metadata = params.hash(&key(prefix, "metadata"));
    store
        .payment_methods
        .insert(payment_method.id.clone(), payment_method.clone());
    Ok(payment_method)
}

/// The card in the hash `card_key`: a test token, or a test number with its expiry.
fn card_from(params: &Params, card_key: &str) -> Result<PaymentMethod, ApiError> {
    let id = ids::new_id("pm");
    let token_key = format!("{card_key}[token]");
    if let Some(token) = params.get(&token_key) {
        let card = cards::by_token(token).ok_or_else(|| {
            ApiError::resource_missing(
                StatusCode::BAD_REQUEST,
                &token_key,
                format!("No such token: '{token}'"),
            )
        })?;
        return Ok(PaymentMethod::with_default_expiry(id, card));
    }
    let number_key = format!("{card_key}[number]");
    let month_key = format!("{card_key}[exp_month]");
    let year_key = format!("{card_key}[exp_year]");
    let number = params.required(&number_key)?;
    let exp_month = params
        .integer(&month_key)?
        .ok_or_else(|| ApiError::parameter_missing(&month_key))?;
    let exp_year = params
        .integer(&year_key)?
        .ok_or_else(|| ApiError::parameter_missing(&year_key))?;
    if !(1..=12).contains(&exp_month) {
        return Err(ApiError::card_invalid(
            "invalid_expiry_month",
            &month_key,
            "Your card's expiration month is invalid.",
        ));
    }
    if exp_year < clock::year() {
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
    Ok(PaymentMethod::new(id, card, exp_month, exp_year))
}

pub(crate) fn router() -> Router<FakeStripe> {
    Router::new()
        .route("/v1/payment_methods", post(create))
        .route("/v1/payment_methods/{id}", get(retrieve))
}

async fn create(State(fake): State<FakeStripe>, params: Params) -> Result<Json<Value>, ApiError> {
    let payment_method = create_from(&mut fake.store(), &params, None)?;
    Ok(Json(payment_method.to_json()))
}

async fn retrieve(
    State(fake): State<FakeStripe>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let payment_method = fake
        .store()
        .payment_method(&id)
        .ok_or_else(|| no_such_payment_method(StatusCode::NOT_FOUND, &id))?;
    Ok(Json(payment_method.to_json()))
}

/// Stripe's answer for a payment method id that names nothing.
pub(crate) fn no_such_payment_method(status: StatusCode, id: &str) -> ApiError {
    ApiError::resource_missing(
        status,
        "payment_method",
        format!("No such PaymentMethod: '{id}'"),
    )
}
