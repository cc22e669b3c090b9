//! On whose behalf a page calls the APIs: the session cookie the browser sent and the
//! client's address, read from the request.

use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts},
};
use httpkit::extract::ClientAddress;

use crate::api::Caller;

/// The caller behind a request: its cookie and the client's address.
pub(crate) async fn caller_of(parts: &mut Parts) -> Caller {
    let Ok(ClientAddress(client)) = ClientAddress::from_request_parts(parts, &()).await;
    Caller {
        cookie: parts.headers.get(header::COOKIE).cloned(),
        client,
    }
}
