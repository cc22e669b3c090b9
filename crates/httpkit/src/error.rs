//! The one error type of the HTTP contract: every failure becomes
//! `{"errors":[{"message":"…","field":"…"}]}` with the right status code.

use std::sync::Arc;

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;

/// `Result` with this crate's [`Error`] as the default error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A failure a handler can return. Client errors (4xx) carry a message meant for the
/// user; server errors (5xx) carry a cause that is logged but never shown.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that failed validation, one entry per offending field.
    #[error("invalid request: {0:?}")]
    Validation(Vec<FieldError>),
    /// A request the contract refuses, with the reason shown to the user.
    #[error("{0}")]
    BadRequest(String),
    /// No valid session, or the session's user may not touch this resource.
    #[error("Not authorized")]
    NotAuthorized,
    /// The resource or the route does not exist.
    #[error("Not Found")]
    NotFound,
    /// Too many requests in a short time (`what` names them: "attempts", "tickets
    /// listed in a minute"); the answer says when the next one will be let through
    /// (and `Retry-After` carries it too).
    #[error("Too many {what}. Try again in {retry_after_seconds} seconds.")]
    TooManyRequests {
        what: &'static str,
        retry_after_seconds: u64,
    },
    /// A dependency (a payment provider, …) cannot be reached; the message says what
    /// to do next.
    #[error("{0}")]
    Unavailable(String),
    /// The database failed; the client sees only a generic message. Handlers get it
    /// from the driver's errors with `?` (see the `From` impl below).
    #[error("database error: {0}")]
    Database(#[source] BoxError),
    /// Anything else that is our fault; the client sees only a generic message.
    #[error("unexpected error: {0}")]
    Unexpected(#[source] BoxError),
}

/// One entry of the error body. `field` names the input that caused it, for validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct FieldError {
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    #[schema(nullable = false)]
    pub field: Option<String>,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            field: Some(field.to_owned()),
        }
    }
}

/// The body every error response carries.
#[derive(Debug, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub errors: Vec<FieldError>,
}

impl ErrorBody {
    pub fn message(message: impl Into<String>) -> Self {
        Self {
            errors: vec![FieldError {
                message: message.into(),
                field: None,
            }],
        }
    }
}

/// Attached to 5xx responses so the logging middleware can report the cause that the
/// body hides (see [`crate::http`]).
#[derive(Clone, Debug)]
pub struct ServerErrorCause(pub Arc<str>);

impl Error {
    /// Wraps any error as an [`Error::Unexpected`] server error.
    pub fn unexpected(error: impl Into<BoxError>) -> Self {
        Self::Unexpected(error.into())
    }

    /// A validation failure on a single field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    pub fn status_code(&self) -> StatusCode {
        match self {
            Self::Validation(_) | Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::NotAuthorized => StatusCode::UNAUTHORIZED,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Database(_) | Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// Makes `?` on a MongoDB call in a handler a logged 500. The orphan rule lets this
/// impl live only beside [`Error`], so it sits behind the `mongodb` feature: the
/// crates that talk to MongoDB enable it, and a crate without a database (the gateway,
/// the web client) neither builds nor links the driver. The variant holds the cause
/// boxed, so [`Error`] is the same type with the feature on or off, and turning it on
/// for one crate of a build cannot break another.
#[cfg(feature = "mongodb")]
impl From<mongodb::error::Error> for Error {
    fn from(error: mongodb::error::Error) -> Self {
        Self::Database(Box::new(error))
    }
}

/// Checks two fields and reports every failure at once, as the original's validator
/// did: `let (email, password) = validate_both(Email::parse(..), Password::parse(..))?`.
pub fn validate_both<A, B>(first: Result<A>, second: Result<B>) -> Result<(A, B)> {
    match (first, second) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (first, second) => Err(Error::Validation(
            [first.err(), second.err()]
                .into_iter()
                .flatten()
                .flat_map(Error::into_field_errors)
                .collect(),
        )),
    }
}

impl Error {
    fn into_field_errors(self) -> Vec<FieldError> {
        match self {
            Self::Validation(errors) => errors,
            other => vec![FieldError {
                message: other.to_string(),
                field: None,
            }],
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let body = match &self {
            Self::Validation(errors) => ErrorBody {
                errors: errors.clone(),
            },
            Self::Database(_) | Self::Unexpected(_) => ErrorBody::message("Something went wrong"),
            other => ErrorBody::message(other.to_string()),
        };
        let mut response = (status, Json(body)).into_response();
        if let Self::TooManyRequests {
            retry_after_seconds,
            ..
        } = self
        {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_seconds));
        }
        if status.is_server_error() {
            response
                .extensions_mut()
                .insert(ServerErrorCause(self.to_string().into()));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_of(error: Error) -> (StatusCode, serde_json::Value, Option<ServerErrorCause>) {
        let response = error.into_response();
        let status = response.status();
        let cause = response.extensions().get::<ServerErrorCause>().cloned();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap(), cause)
    }

    #[tokio::test]
    async fn validation_errors_name_their_field() {
        let (status, body, _) = body_of(Error::invalid("email", "Email must be valid")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            body,
            serde_json::json!({"errors":[{"message":"Email must be valid","field":"email"}]})
        );
    }

    #[tokio::test]
    async fn not_authorized_is_401_without_field() {
        let (status, body, _) = body_of(Error::NotAuthorized).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            body,
            serde_json::json!({"errors":[{"message":"Not authorized"}]})
        );
    }

    #[tokio::test]
    async fn too_many_requests_is_429_and_says_when_to_retry() {
        let response = Error::TooManyRequests {
            what: "attempts",
            retry_after_seconds: 12,
        }
        .into_response();
        assert_eq!(response.headers()[header::RETRY_AFTER], "12");
        let (status, body, _) = body_of(Error::TooManyRequests {
            what: "attempts",
            retry_after_seconds: 12,
        })
        .await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            body,
            serde_json::json!({"errors":[{"message":"Too many attempts. Try again in 12 seconds."}]})
        );
    }

    #[tokio::test]
    async fn server_errors_hide_their_cause_from_the_client_but_keep_it_for_the_log() {
        let (status, body, cause) = body_of(Error::unexpected("disk on fire")).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            body,
            serde_json::json!({"errors":[{"message":"Something went wrong"}]})
        );
        assert!(!body.to_string().contains("disk"));
        assert!(cause.unwrap().0.contains("disk on fire"));
    }
}
