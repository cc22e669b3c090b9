//! The `/api/users` routes, one file per route.

mod current_user;
mod signin;
mod signout;
mod signup;

use axum::{
    Router,
    routing::{get, post},
};
use serde::{Deserialize, Serialize};

use crate::{startup::AppState, users::User};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/users/signup", post(signup::signup))
        .route("/api/users/signin", post(signin::signin))
        .route("/api/users/signout", post(signout::signout))
        .route("/api/users/currentuser", get(current_user::current_user))
}

/// The body of signup and signin. Fields are optional here so that a missing one is
/// reported like an invalid one, with its field named.
#[derive(Deserialize)]
pub(crate) struct Credentials {
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

/// A user as the API shows it.
#[derive(Serialize)]
pub(crate) struct UserView {
    id: String,
    email: String,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        Self {
            id: user.id.to_hex(),
            email: user.email.as_str().to_owned(),
        }
    }
}
