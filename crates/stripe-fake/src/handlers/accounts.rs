//! `POST /v1/accounts` and `GET /v1/accounts/{id}`: Connect Express accounts for sellers.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::Value;

use crate::account::FakeStripe;
use crate::errors::ApiError;
use crate::params::Params;
use crate::store::NewAccount;

pub(crate) fn router() -> Router<FakeStripe> {
    Router::new()
        .route("/v1/accounts", post(create))
        .route("/v1/accounts/{id}", get(retrieve))
}

async fn create(State(fake): State<FakeStripe>, params: Params) -> Result<Json<Value>, ApiError> {
    let type_ = params.required("type")?;
    if type_ != "express" {
        return Err(ApiError::parameter_invalid(
            "parameter_invalid_string",
            "type",
            format!("The Stripe fake only makes accounts of type `express`, not `{type_}`."),
        ));
    }
    let capabilities = params
        .nested("capabilities", "requested")
        .into_iter()
        .filter(|(_, requested)| requested == "true")
        .map(|(capability, _)| capability)
        .collect();
    let new = NewAccount {
        country: params.get("country").map(str::to_owned),
        email: params.get("email").map(str::to_owned),
        metadata: params.hash("metadata"),
        capabilities,
    };
    Ok(Json(fake.store().create_account(new).to_json()))
}

async fn retrieve(
    State(fake): State<FakeStripe>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let store = fake.store();
    let account = store.account(&id, StatusCode::NOT_FOUND, "account")?;
    Ok(Json(account.to_json()))
}
