//! Why a call of the API client did not give what it asked for.

use reqwest::StatusCode;

use super::views::ErrorEntry;
use crate::wait::TimedOut;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The service answered, but not with success: a 4xx (or a 5xx the client was not
    /// told to retry), with the contract's error entries when the body had them.
    #[error("{request} answered {status}: {errors:?}")]
    Refused {
        request: String,
        status: StatusCode,
        errors: Vec<ErrorEntry>,
    },
    /// No answer: the connection failed or the request timed out.
    #[error("{request} got no answer: {source}")]
    Unanswered {
        request: String,
        source: reqwest::Error,
    },
    /// A success whose body is not what the contract says.
    #[error("{request} answered {status} with a body the contract does not give: {source}")]
    Malformed {
        request: String,
        status: StatusCode,
        source: reqwest::Error,
    },
    /// A signup or signin that succeeded but set no session cookie.
    #[error("{request} set no session cookie")]
    NoSession { request: String },
    /// An order awaited to complete was cancelled instead.
    #[error("order {order} was cancelled, not completed")]
    Cancelled { order: String },
    /// Retried (a 404 while an event is in flight, or faults) until patience ran out.
    #[error(transparent)]
    TimedOut(#[from] TimedOut),
}

impl ApiError {
    /// The status of a refusal, if the service answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Refused { status, .. } | Self::Malformed { status, .. } => Some(*status),
            Self::Unanswered { .. }
            | Self::NoSession { .. }
            | Self::Cancelled { .. }
            | Self::TimedOut(_) => None,
        }
    }
}
