//! The secret key check: every `/v1` request must carry a secret key, as Stripe takes
//! it: `Authorization: Bearer sk_…`, or Basic auth with the key as user name (`curl -u`).

use axum::extract::Request;
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::errors::ApiError;

const NO_KEY: &str = "You did not provide an API key. You need to provide your API key in the \
     Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). \
     See https://stripe.com/docs/api#authentication for details, or we can help at \
     https://support.stripe.com/.";

/// Any secret key is accepted (the fake has one account); anything else gets Stripe's 401.
pub(crate) async fn require_secret_key(request: Request, next: Next) -> Response {
    let Some(header) = request.headers().get(AUTHORIZATION) else {
        return ApiError::unauthorized(NO_KEY.to_owned()).into_response();
    };
    let key = secret_key(header.to_str().unwrap_or_default()).unwrap_or_default();
    if key.is_empty() {
        return ApiError::unauthorized(NO_KEY.to_owned()).into_response();
    }
    if !key.starts_with("sk_") {
        return ApiError::unauthorized(format!("Invalid API Key provided: {}", redact(&key)))
            .into_response();
    }
    next.run(request).await
}

fn secret_key(header: &str) -> Option<String> {
    if let Some(key) = header.strip_prefix("Bearer ") {
        return Some(key.trim().to_owned());
    }
    let credentials = STANDARD
        .decode(header.strip_prefix("Basic ")?.trim())
        .ok()?;
    let credentials = String::from_utf8(credentials).ok()?;
    let (user, _password) = credentials.split_once(':').unwrap_or((&credentials, ""));
    Some(user.to_owned())
}

/// Stripe echoes only the start and end of a bad key.
fn redact(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() <= 12 {
        return "*".repeat(chars.len());
    }
    let start: String = chars[..8].iter().collect();
    let end: String = chars[chars.len() - 4..].iter().collect();
    format!("{start}{}{end}", "*".repeat(chars.len() - 12))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_and_basic_credentials_carry_the_key() {
        assert_eq!(secret_key("Bearer sk_test_1").as_deref(), Some("sk_test_1"));
        // `curl -u sk_test_1:` sends base64("sk_test_1:").
        assert_eq!(
            secret_key("Basic c2tfdGVzdF8xOg==").as_deref(),
            Some("sk_test_1")
        );
        assert_eq!(secret_key("Token sk_test_1"), None);
    }

    #[test]
    fn a_bad_key_is_echoed_redacted() {
        assert_eq!(redact("pk_test_123456789"), "pk_test_*****6789");
        assert_eq!(redact("short"), "*****");
    }
}
