//! `Idempotency-Key` as Stripe honours it: the first response to a POST with a key is
//! saved and replayed to later requests with that key; the key cannot be reused for a
//! different request, nor by two requests at once. The keys themselves are kept in
//! [`crate::store::idempotency::Keys`].

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::account::FakeStripe;
use crate::errors::{ApiError, NotExecuted};
use crate::params::Params;
use crate::store::idempotency::{Claim, Fingerprint, Keys, Saved};

/// Stripe's request bodies are small; this only bounds what a broken client can make
/// the fake hold in memory.
const MAX_BODY: usize = 1024 * 1024;

/// Releases the key if the request stops before its response is saved (a panic, or the
/// client hanging up), so the key is not stuck "in progress" forever.
struct InFlight<'a> {
    keys: &'a Keys,
    key: &'a str,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.keys.release(self.key);
    }
}

/// The middleware: every POST with an `Idempotency-Key` goes through the key store,
/// unless the fake was configured to ignore keys.
pub(crate) async fn layer(
    State(fake): State<FakeStripe>,
    request: Request,
    next: Next,
) -> Response {
    let key = request
        .headers()
        .get("idempotency-key")
        .and_then(|key| key.to_str().ok());
    let Some(key) = key.map(str::to_owned) else {
        return next.run(request).await;
    };
    if request.method() != Method::POST || !fake.config().honour_idempotency {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(body) => body,
        Err(error) => {
            let message = format!("The request body could not be read: {error}");
            return ApiError::invalid_request(None, None, message).into_response();
        }
    };
    let fingerprint = Fingerprint {
        endpoint: format!("{} {}", parts.method, parts.uri.path()),
        params: Params::parse(&body).canonical(),
    };
    let keys = fake.keys();
    match keys.claim(&key, &fingerprint) {
        Claim::Replay(saved) => replay(saved),
        Claim::Refuse(error) => error.into_response(),
        Claim::Run => {
            let _in_flight = InFlight { keys, key: &key };
            let response = next.run(Request::from_parts(parts, Body::from(body))).await;
            save(keys, &key, response).await
        }
    }
}

/// Keeps a response for replay, unless the request never started executing (Stripe
/// saves nothing then) or failed on the fake's side.
async fn save(keys: &Keys, key: &str, response: Response) -> Response {
    if response.extensions().get::<NotExecuted>().is_some() || response.status().is_server_error() {
        return response;
    }
    let (parts, body) = response.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(body) => body,
        Err(error) => {
            tracing::error!(%error, "cannot read a response to save it");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let saved = Saved {
        status: parts.status,
        headers: parts.headers.clone(),
        body: body.clone(),
    };
    keys.finish(key, saved);
    Response::from_parts(parts, Body::from(body))
}

fn replay(saved: Saved) -> Response {
    let mut response = (saved.status, saved.body).into_response();
    *response.headers_mut() = saved.headers;
    response
        .headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}
