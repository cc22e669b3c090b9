//! `POST /v1/account_links`: a link to the fake's own onboarding page for an account.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::HOST;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::Value;

use crate::account::FakeStripe;
use crate::errors::ApiError;
use crate::params::Params;
use crate::store::NewAccountLink;

pub(crate) fn router() -> Router<FakeStripe> {
    Router::new().route("/v1/account_links", post(create))
}

async fn create(
    State(fake): State<FakeStripe>,
    headers: HeaderMap,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let account = params.required("account")?;
    let type_ = params.required("type")?;
    if type_ != "account_onboarding" {
        return Err(ApiError::parameter_invalid(
            "parameter_invalid_string",
            "type",
            format!(
                "The Stripe fake only makes links of type `account_onboarding`, not `{type_}`."
            ),
        ));
    }
    let new = NewAccountLink {
        account: account.to_owned(),
        refresh_url: params.required("refresh_url")?.to_owned(),
        return_url: params.required("return_url")?.to_owned(),
        pages_base_url: pages_base_url(&headers)?,
    };
    Ok(Json(fake.store().create_account_link(new)?.to_json()))
}

/// Where the browser finds the fake: clients always reach it directly, so the address
/// they asked for (`Host`) is the one a browser can open too.
fn pages_base_url(headers: &HeaderMap) -> Result<String, ApiError> {
    let host = headers
        .get(HOST)
        .and_then(|host| host.to_str().ok())
        .ok_or_else(|| {
            ApiError::invalid_request(
                None,
                None,
                "The Stripe fake writes an onboarding link's URL from the request's Host \
                 header, and this request has none.",
            )
            .before_execution()
        })?;
    Ok(format!("http://{host}"))
}
