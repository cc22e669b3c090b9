//! The bookkeeping of `Idempotency-Key` as Stripe honours it: each key remembers the
//! request it was first used for and, once that request is done, its response. The
//! middleware that consults it is `handlers::idempotency`.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};

use crate::errors::ApiError;

/// What makes two requests "the same request" for a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Fingerprint {
    /// `POST /v1/payment_intents`.
    pub(crate) endpoint: String,
    /// The request's parameters in a canonical order.
    pub(crate) params: Vec<(String, String)>,
}

#[derive(Debug)]
enum Entry {
    InFlight(Fingerprint),
    Done(Fingerprint, Saved),
}

/// A response kept for replay.
#[derive(Clone, Debug)]
pub(crate) struct Saved {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

/// The keys seen so far and what each one answered.
#[derive(Debug, Default)]
pub(crate) struct Keys {
    entries: Mutex<HashMap<String, Entry>>,
}

/// What to do with a request that carries a key.
pub(crate) enum Claim {
    /// The key is new: run the request, then [`Keys::finish`] or [`Keys::release`] it.
    Run,
    Replay(Saved),
    Refuse(ApiError),
}

impl Keys {
    fn entries(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes `key` for this request, unless it is in use or was used before.
    pub(crate) fn claim(&self, key: &str, fingerprint: &Fingerprint) -> Claim {
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

    /// Keeps the response of the request that holds `key`, for replay.
    pub(crate) fn finish(&self, key: &str, saved: Saved) {
        if let Some(entry) = self.entries().get_mut(key)
            && let Entry::InFlight(fingerprint) = entry
        {
            *entry = Entry::Done(fingerprint.clone(), saved);
        }
    }

    /// Forgets an in-flight key whose request saved nothing, so it can be used again.
    pub(crate) fn release(&self, key: &str) {
        let mut entries = self.entries();
        if matches!(entries.get(key), Some(Entry::InFlight(_))) {
            entries.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::response::IntoResponse;

    use super::*;
    use crate::params::Params;

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
