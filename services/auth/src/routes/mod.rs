//! The `/api/users` routes, one file per route, and the OpenAPI document they make.

mod current_user;
mod signin;
mod signout;
mod signup;

use axum::Router;
use marketplace::id::UserId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    domain::{Email, Password},
    startup::AppState,
    users::User,
};

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

/// The body of signup. Fields are optional here so that a missing one is reported
/// like an invalid one, with its field named; the schema says what is valid.
#[derive(Deserialize, ToSchema)]
pub(crate) struct NewAccount {
    #[serde(default)]
    #[schema(value_type = Email, required = true)]
    email: Option<String>,
    #[serde(default)]
    #[schema(value_type = Password, required = true)]
    password: Option<String>,
}

/// The body of signin: any non-empty password may be tried (the signup rules may
/// have changed since).
#[derive(Deserialize, ToSchema)]
pub(crate) struct Credentials {
    #[serde(default)]
    #[schema(value_type = Email, required = true)]
    email: Option<String>,
    #[serde(default)]
    #[schema(value_type = String, min_length = 1, required = true)]
    password: Option<String>,
}

/// A user as the API shows it.
#[derive(Serialize, ToSchema)]
pub(crate) struct UserView {
    id: UserId,
    email: String,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        Self {
            id: user.id,
            email: user.email.as_str().to_owned(),
        }
    }
}
