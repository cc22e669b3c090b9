//! What a page shows when it cannot show what was asked for. Handlers return a
//! [`PageError`]; [`render_error_pages`] turns it into a page with the same header as
//! every other, signed in or not.

use axum::{
    extract::{Request, State},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use maud::{Markup, html};

use super::{caller::caller_of, layout::page};
use crate::{api::ApiError, state::AppState};

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

/// An error page's content, left on the response for [`render_error_pages`].
#[derive(Clone)]
struct ErrorPage {
    title: &'static str,
    content: Markup,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, content) = match self {
            Self::SignInFirst => return Redirect::to("/auth/signin").into_response(),
            Self::NotFound => (StatusCode::NOT_FOUND, "Not found", not_found()),
            Self::Api(ApiError::Refused { status, errors }) => {
                let content = html! {
                    h1 { "That did not work" }
                    ul.form-errors role="alert" {
                        @for error in &errors { li { (error.message) } }
                    }
                    p { a href="/" { "Back to the tickets for sale" } }
                };
                (status, "Refused", content)
            }
            Self::Api(ApiError::Unavailable { detail, .. }) => {
                tracing::error!(%detail, "an API call failed");
                let content = html! {
                    h1 { "Something is not answering" }
                    p {
                        "Part of the marketplace is down or busy right now. Nothing was "
                        "changed by this page; try again in a moment."
                    }
                };
                (StatusCode::SERVICE_UNAVAILABLE, "Unavailable", content)
            }
        };
        let mut response = status.into_response();
        response
            .extensions_mut()
            .insert(ErrorPage { title, content });
        response
    }
}

fn not_found() -> Markup {
    html! {
        h1 { "Page not found" }
        p { "There is nothing at this address. It may have been mistyped, or the ticket or order is not yours to see." }
        p { a href="/" { "See the tickets for sale" } }
    }
}

/// The page for a URL nothing serves.
pub(crate) async fn not_found_page() -> PageError {
    PageError::NotFound
}

/// Renders the error a handler returned inside the site's frame. The header needs to
/// know who is signed in, which only the request's cookie tells, so it is asked here
/// (errors are rare, the extra call is cheap).
pub(crate) async fn render_error_pages(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let caller = caller_of(&mut parts).await;
    let mut response = next.run(Request::from_parts(parts, body)).await;
    let Some(error) = response.extensions_mut().remove::<ErrorPage>() else {
        return response;
    };
    let user = match caller.cookie {
        Some(_) => state.api.current_user(&caller).await.ok().flatten(),
        None => None,
    };
    (
        response.status(),
        page(error.title, user.as_ref(), error.content),
    )
        .into_response()
}
