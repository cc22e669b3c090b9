//! `POST /v1/transfers`, `GET /v1/transfers/{id}` and `GET /v1/transfers`: money from the
//! platform's charges to connected accounts.

use axum::extract::{Path, RawQuery, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::account::FakeStripe;
use crate::errors::ApiError;
use crate::model::transfer::{Transfer, TransferTerms};
use crate::params::Params;

/// Stripe's page size when a list request names none, and the largest it allows.
const DEFAULT_LIMIT: i64 = 10;
const MAX_LIMIT: i64 = 100;

pub(crate) fn router() -> Router<FakeStripe> {
    Router::new()
        .route("/v1/transfers", post(create).get(list))
        .route("/v1/transfers/{id}", get(retrieve))
}

async fn create(State(fake): State<FakeStripe>, params: Params) -> Result<Json<Value>, ApiError> {
    let amount = params
        .amount()?
        .ok_or_else(|| ApiError::parameter_missing("amount"))?;
    let currency = params.required("currency")?.to_ascii_lowercase();
    let destination = params.required("destination")?.to_owned();
    // Stripe would draw a transfer without one from the platform's balance, which the
    // fake does not keep.
    let source_transaction = params.get("source_transaction").ok_or_else(|| {
        ApiError::parameter_invalid(
            "parameter_missing",
            "source_transaction",
            "The Stripe fake only makes transfers from a charge: pass `source_transaction`.",
        )
    })?;
    let terms = TransferTerms {
        amount,
        currency,
        destination,
        source_transaction: source_transaction.to_owned(),
        transfer_group: params.get("transfer_group").map(str::to_owned),
        description: params.get("description").map(str::to_owned),
        metadata: params.hash("metadata"),
    };
    Ok(Json(fake.store().create_transfer(terms)?.to_json()))
}

async fn retrieve(
    State(fake): State<FakeStripe>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(fake.store().transfer(&id)?.to_json()))
}

/// The newest transfers first, optionally of one `transfer_group`; one page only.
async fn list(
    State(fake): State<FakeStripe>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let params = Params::parse(query.unwrap_or_default().as_bytes());
    let limit = params.integer("limit")?.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::parameter_invalid(
            "parameter_invalid_integer",
            "limit",
            format!("This value must be between 1 and {MAX_LIMIT} (it currently is '{limit}')."),
        ));
    }
    let limit = usize::try_from(limit).unwrap_or_default();
    let store = fake.store();
    let matching = store.transfers(params.get("transfer_group"));
    let data: Vec<Value> = matching
        .iter()
        .take(limit)
        .copied()
        .map(Transfer::to_json)
        .collect();
    Ok(Json(json!({
        "object": "list",
        "data": data,
        "has_more": matching.len() > limit,
        "url": "/v1/transfers",
    })))
}
