use axum::extract::State;
use httpkit::{
    Error, Result, error::ErrorBody, extract::Json, openapi::NotAuthorized, session::CurrentUser,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::onboarding::{AccountStatus, Onboarding};

/// The longest return URL taken; Stripe's own limit is far above any page of ours.
const MAX_RETURN_URL: usize = 2048;

/// Where Stripe's onboarding sends the seller back to: the page they started from.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ConnectAccount {
    /// An absolute `http` or `https` URL.
    #[serde(default)]
    #[schema(value_type = String, required = true, max_length = 2048, pattern = "^https?://[^/?#\\s\\x00-\\x1f\\x7f-\\x9f]+[^\\s\\x00-\\x1f\\x7f-\\x9f]*$")]
    return_url: Option<Value>,
}

/// A seller's payout account.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PayoutAccountView {
    /// The seller has started connecting an account.
    connected: bool,
    /// Stripe allows transfers to it: the seller's sales are paid out after their hold.
    ready: bool,
    /// Stripe's onboarding page, to send the seller to; only while not ready.
    #[serde(skip_serializing_if = "Option::is_none")]
    onboarding_url: Option<String>,
}

impl From<AccountStatus> for PayoutAccountView {
    fn from(status: AccountStatus) -> Self {
        Self {
            connected: status.connected,
            ready: status.ready,
            onboarding_url: status.onboarding_url,
        }
    }
}

/// `POST /api/payouts/account`: connects the caller's payout account (a Stripe
/// Express account, created once per seller) and, unless it is ready, returns the
/// onboarding link to send them to. A seller without a ready account can still list
/// and sell; their payouts wait for it.
#[utoipa::path(
    post,
    path = "/api/payouts/account",
    request_body = ConnectAccount,
    responses(
        (status = OK, description = "The account, with an onboarding link unless it is ready", body = PayoutAccountView),
        (status = BAD_REQUEST, description = "A missing or invalid returnUrl, or malformed JSON", body = ErrorBody),
        NotAuthorized,
        (status = SERVICE_UNAVAILABLE, description = "Stripe cannot be reached; try again in a minute", body = ErrorBody),
    ),
    security(("session" = [])),
)]
pub(crate) async fn connect_payout_account(
    CurrentUser(user): CurrentUser,
    State(onboarding): State<Onboarding>,
    Json(body): Json<ConnectAccount>,
) -> Result<Json<PayoutAccountView>> {
    let return_url = match body.return_url {
        Some(Value::String(raw)) => parse_return_url(&raw)?,
        _ => return Err(Error::invalid("returnUrl", "returnUrl must be provided")),
    };
    let status = onboarding.connect(&user, &return_url).await?;
    Ok(Json(status.into()))
}

/// `GET /api/payouts/account`: whether the caller has a payout account and whether
/// it is ready.
#[utoipa::path(
    get,
    path = "/api/payouts/account",
    responses(
        (status = OK, description = "The caller's payout account", body = PayoutAccountView),
        NotAuthorized,
        (status = SERVICE_UNAVAILABLE, description = "Stripe cannot be reached; try again in a minute", body = ErrorBody),
    ),
    security(("session" = [])),
)]
pub(crate) async fn payout_account(
    CurrentUser(user): CurrentUser,
    State(onboarding): State<Onboarding>,
) -> Result<Json<PayoutAccountView>> {
    Ok(Json(onboarding.status(&user).await?.into()))
}

/// An absolute http(s) URL with a host, of reasonable length, with nothing that
/// could split a header.
fn parse_return_url(raw: &str) -> Result<String> {
    let refuse = || {
        Error::invalid(
            "returnUrl",
            "returnUrl must be an absolute http or https URL",
        )
    };
    if raw.len() > MAX_RETURN_URL {
        return Err(Error::invalid(
            "returnUrl",
            format!("returnUrl must be at most {MAX_RETURN_URL} characters"),
        ));
    }
    let rest = raw
        .strip_prefix("https://")
        .or_else(|| raw.strip_prefix("http://"))
        .ok_or_else(refuse)?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(refuse());
    }
    Ok(raw.to_owned())
}

#[cfg(test)]
mod tests {
    use utoipa::PartialSchema;

    use super::*;

    const GOOD: [&str; 2] = [
        "https://ticketing.dev/payouts/account",
        "http://127.0.0.1:8080/payouts/account?back=1",
    ];
    const BAD: [&str; 7] = [
        "/payouts/account",
        "javascript:alert(1)",
        "https:///path",
        "https://host/a b",
        "https://host/\r\nSet-Cookie: x",
        "https://host/\u{85}",
        "ftp://host/",
    ];

    #[test]
    fn a_return_url_must_be_absolute_http_with_a_host() {
        for good in GOOD {
            assert_eq!(parse_return_url(good).unwrap(), good);
        }
        for bad in BAD {
            assert!(parse_return_url(bad).is_err(), "{bad}");
        }
        assert!(parse_return_url(&format!("https://host/{}", "a".repeat(2048))).is_err());
    }

    /// The fuzzer generates bodies from the schema, so the two must agree.
    #[test]
    fn the_schema_pattern_accepts_exactly_what_parse_accepts() {
        let schema = serde_json::to_value(ConnectAccount::schema()).unwrap();
        let pattern = schema["properties"]["returnUrl"]["pattern"]
            .as_str()
            .unwrap();
        let pattern = regex::Regex::new(pattern).unwrap();
        for raw in GOOD.into_iter().chain(BAD) {
            assert_eq!(
                pattern.is_match(raw),
                parse_return_url(raw).is_ok(),
                "{raw:?}"
            );
        }
    }
}
