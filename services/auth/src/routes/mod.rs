//! The `/api/users` routes, one file per route, and the OpenAPI document they make.

mod current_user;
mod session_start;
mod signin;
mod signout;
mod signup;
mod user_view;

use axum::Router;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    httpkit::openapi::serve_documented(
        "/api/users",
        "auth",
        OpenApiRouter::new()
            .routes(routes!(signup::signup))
            .routes(routes!(signin::signin))
            .routes(routes!(signout::signout))
            .routes(routes!(current_user::current_user)),
    )
}
