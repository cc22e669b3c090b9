//! Extractors whose rejections come out in the contract's error shape instead of
//! axum's plain-text bodies.

use axum::{
    extract::{FromRequest, FromRequestParts, Request, rejection::JsonRejection},
    http::request::Parts,
    response::{IntoResponse, Response},
};
use mongodb::bson::oid::ObjectId;
use serde::Serialize;

use crate::Error;

/// Like [`axum::Json`], but malformed JSON, a wrong content type, missing fields and
/// wrong types are all a 400 in the error shape, with serde's description of the
/// problem (which names the offending field).
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    axum::Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(Error::BadRequest(rejection.body_text())),
        }
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// The `:id` path segment as an ObjectId; anything else is a 400 naming the `id`
/// field, never a 500 or a database query.
#[derive(Debug, Clone, Copy)]
pub struct IdPath(pub ObjectId);

impl<S: Send + Sync> FromRequestParts<S> for IdPath {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|rejection| Error::BadRequest(rejection.body_text()))?;
        parse_id(&raw, "id").map(Self)
    }
}

/// Parses a 24-hex ObjectId from user input, naming `field` when it is not one.
pub fn parse_id(raw: &str, field: &str) -> Result<ObjectId, Error> {
    ObjectId::parse_str(raw.trim())
        .map_err(|_| Error::invalid(field, format!("{field} must be a valid id")))
}
