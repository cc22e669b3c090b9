//! `POST /v1/transfers/{id}/reversals`: takes back part or all of a transfer.

use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::Value;

use crate::account::FakeStripe;
use crate::errors::ApiError;
use crate::params::Params;
use crate::store::NewReversal;

pub(crate) fn router() -> Router<FakeStripe> {
    Router::new().route("/v1/transfers/{id}/reversals", post(create))
}

async fn create(
    State(fake): State<FakeStripe>,
    Path(id): Path<String>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let new = NewReversal {
        amount: params.amount()?,
        metadata: params.hash("metadata"),
    };
    Ok(Json(fake.store().reverse_transfer(&id, new)?.to_json()))
}
