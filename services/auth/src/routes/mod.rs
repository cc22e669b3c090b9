//! The `/api/users` routes, one file per route.

mod current_user;
mod signin;
mod signout;
mod signup;

use axum::{
    Router,
    routing::{get, post},
};
use common::FieldError;
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

/// Runs every check and reports all failures at once, as the original's validator did.
fn validate<A, B>(
    first: Result<A, common::Error>,
    second: Result<B, common::Error>,
) -> Result<(A, B), common::Error> {
    match (first, second) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (first, second) => {
            let errors: Vec<FieldError> = [first.err(), second.err()]
                .into_iter()
                .flatten()
                .flat_map(|error| match error {
                    common::Error::Validation(errors) => errors,
                    other => vec![FieldError {
                        message: other.to_string(),
                        field: None,
                    }],
                })
                .collect();
            Err(common::Error::Validation(errors))
        }
    }
}
