//! `Idempotency-Key` as Stripe honours it: the first response to a POST with a key is
//! saved and replayed to later requests with that key; the key cannot be reused for a
//! different request, nor by two requests at once.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::FakeStripe;
use crate::errors::{ApiError, NotExecuted};
use crate::params::Params;

/// Stripe's request bodies are small; this only bounds what a broken client can make
/// the fake hold in memory.
const MAX_BODY: usize = 1024 * 1024;

/// What makes two requests "the same request" for a key.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Fingerprint {
    /// `POST /v1/payment_intents`.
    endpoint: String,
    params: Vec<(String, String)>,
}

#[derive(Debug)]
enum Entry {
    InFlight(Fingerprint),
    Done(Fingerprint, Saved),
}

/// A response kept for replay.
#[derive(Clone, Debug)]
struct Saved {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

/// The keys seen so far and what each one answered.
#[derive(Debug, Default)]
pub(crate) struct Keys {
    entries: Mutex<HashMap<String, Entry>>,
}

/// What to do with a request that carries a key.
enum Claim {
    /// The key is new: run the request, then [`Keys::finish`] or [`Keys::release`] it.
    Run,
    Replay(Saved),
    Refuse(ApiError),
}

impl Keys {
    fn entries(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn claim(&self, key: &str, fingerprint: &Fingerprint) -> Claim {
        let mut entries = self.entries();
        let (first, saved) = match entries.get(key) {
            None => {
                entries.insert(key.to_owned(), Entry::InFlight(fingerprint.clone()));
                return Claim::Run;
            }
            Some(Entry::InFlight(first)) => (first, None),
            Some(Entry::Done(first, saved)) => (first, Some(saved)),
        };
        if first.endpoint != fingerprint.endpoint {
            return Claim::Refuse(ApiError::idempotency(
                StatusCode::BAD_REQUEST,
                format!(
                    "Keys for idempotent requests can only be used for the same endpoint they \
                     were first used for ('{}' vs '{}'). Try using a key other than '{key}' if \
                     you meant to execute a different request.",
                    first.endpoint, fingerprint.endpoint
                ),
            ));
        }
        if first.params != fingerprint.params {
            return Claim::Refuse(ApiError::idempotency(
                StatusCode::BAD_REQUEST,
                format!(
                    "Keys for idempotent requests can only be used with the same parameters they \
                     were first used with. Try using a key other than '{key}' if you meant to \
                     execute a different request."
                ),
            ));
        }
        match saved {
            Some(saved) => Claim::Replay(saved.clone()),
            None => Claim::Refuse(ApiError::idempotency(
                StatusCode::CONFLICT,
                format!(
                    "There is currently another in-progress request using this Idempotent Key \
                     (that probably means you submitted twice, and the other request is still \
                     going through): {key}. Please try again later."
                ),
            )),
        }
    }

    fn finish(&self, key: &str, saved: Saved) {
        if let Some(entry) = self.entries().get_mut(key)
            && let Entry::InFlight(fingerprint) = entry
        {
            *entry = Entry::Done(fingerprint.clone(), saved);
        }
    }

    /// Forgets an in-flight key whose request saved nothing, so it can be used again.
    fn release(&self, key: &str) {
        let mut entries = self.entries();
        if matches!(entries.get(key), Some(Entry::InFlight(_))) {
            entries.remove(key);
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn fingerprint(params: &[u8]) -> Fingerprint {
        Fingerprint {
            endpoint: "POST /v1/payment_intents".to_owned(),
            params: Params::parse(params).canonical(),
        }
    }

    fn saved() -> Saved {
        Saved {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: Bytes::from("{}"),
        }
    }

    #[test]
    fn a_key_in_flight_refuses_a_second_request_with_409() {
        let keys = Keys::default();
        assert!(matches!(
            keys.claim("k", &fingerprint(b"amount=1")),
            Claim::Run
        ));
        let Claim::Refuse(error) = keys.claim("k", &fingerprint(b"amount=1")) else {
            panic!("a concurrent duplicate must be refused");
        };
        assert_eq!(error.into_response().status(), StatusCode::CONFLICT);
    }

    #[test]
    fn a_finished_key_replays_for_the_same_request_only() {
        let keys = Keys::default();
        assert!(matches!(
            keys.claim("k", &fingerprint(b"amount=1")),
            Claim::Run
        ));
        keys.finish("k", saved());
        assert!(matches!(
            keys.claim("k", &fingerprint(b"amount=1")),
            Claim::Replay(_)
        ));
        let Claim::Refuse(error) = keys.claim("k", &fingerprint(b"amount=2")) else {
            panic!("different parameters must be refused");
        };
        assert_eq!(error.into_response().status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn a_released_key_can_run_again() {
        let keys = Keys::default();
        assert!(matches!(
            keys.claim("k", &fingerprint(b"amount=1")),
            Claim::Run
        ));
        keys.release("k");
        assert!(matches!(
            keys.claim("k", &fingerprint(b"amount=2")),
            Claim::Run
        ));
    }

    #[test]
    fn releasing_does_not_forget_a_saved_response() {
        let keys = Keys::default();
        assert!(matches!(
            keys.claim("k", &fingerprint(b"amount=1")),
            Claim::Run
        ));
        keys.finish("k", saved());
        keys.release("k");
        assert!(matches!(
            keys.claim("k", &fingerprint(b"amount=1")),
            Claim::Replay(_)
        ));
    }
}
