//! What a page shows when it cannot show what was asked for.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use maud::html;

use super::layout::page;
use crate::{api::ApiError, visitor::Visitor};

#[derive(Debug)]
pub(crate) enum PageError {
    /// The page needs a signed-in user.
    SignInFirst,
    NotFound,
    Api(ApiError),
}

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> Self {
        match error {
            ApiError::Refused {
                status: StatusCode::NOT_FOUND,
                ..
            } => Self::NotFound,
            ApiError::Refused {
                status: StatusCode::UNAUTHORIZED,
                ..
            } => Self::SignInFirst,
            other => Self::Api(other),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            Self::SignInFirst => Redirect::to("/auth/signin").into_response(),
            Self::NotFound => not_found(None),
            Self::Api(ApiError::Refused { status, errors }) => {
                let body = html! {
                    h1 { "That did not work" }
                    ul.form-errors role="alert" {
                        @for error in &errors { li { (error.message) } }
                    }
                    p { a href="/" { "Back to the tickets for sale" } }
                };
                (status, page("Refused", None, body)).into_response()
            }
            Self::Api(ApiError::Unavailable(detail)) => {
                tracing::error!(%detail, "an API call failed");
                let body = html! {
                    h1 { "Something is not answering" }
                    p {
                        "Part of the marketplace is down or busy right now. Nothing was "
                        "changed by this page; try again in a moment."
                    }
                };
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    page("Unavailable", None, body),
                )
                    .into_response()
            }
        }
    }
}

/// The page for a URL nothing serves.
pub(crate) async fn not_found_page(visitor: Visitor) -> Response {
    not_found(visitor.user.as_ref())
}

fn not_found(user: Option<&common::session::UserClaims>) -> Response {
    let body = html! {
        h1 { "Page not found" }
        p { "There is nothing at this address. It may have been mistyped, or the ticket or order is not yours to see." }
        p { a href="/" { "See the tickets for sale" } }
    };
    (StatusCode::NOT_FOUND, page("Not found", user, body)).into_response()
}
