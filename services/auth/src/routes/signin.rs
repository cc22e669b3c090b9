use axum::extract::State;
use axum_extra::extract::CookieJar;
use httpkit::{
    Error, Result, error::ErrorBody, extract::Json, openapi::TooManyRequests, validate_both,
};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{session_start::SessionStart, user_view::UserView};
use crate::{
    domain::{Email, PasswordHash},
    users::Users,
};

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

/// `POST /api/users/signin`: checks the password and signs the user in. A wrong
/// password and an unknown email get the same answer, in about the same time.
#[utoipa::path(
    post,
    path = "/api/users/signin",
    request_body = Credentials,
    responses(
        (status = OK, description = "Signed in", body = UserView,
            headers(("set-cookie" = String, description = "The session cookie"))),
        (status = BAD_REQUEST, description = "Invalid input, malformed JSON, or \"Invalid credentials\"", body = ErrorBody),
        TooManyRequests,
    ),
)]
pub(crate) async fn signin(
    State(users): State<Users>,
    session: SessionStart,
    Json(credentials): Json<Credentials>,
) -> Result<(CookieJar, Json<UserView>)> {
    session.count_attempt(credentials.email.as_deref()).await?;
    let password = match credentials.password {
        Some(password) if !password.is_empty() => Ok(password),
        _ => Err(Error::invalid("password", "You must supply a password")),
    };
    let (email, password) = validate_both(
        Email::parse(credentials.email.as_deref().unwrap_or_default()),
        password,
    )?;
    let user = users.find_by_email(&email).await?;
    let stored_hash = user.as_ref().map(|user| user.password_hash.clone());
    let user = match (PasswordHash::matches(stored_hash, password).await?, user) {
        (true, Some(user)) => user,
        _ => return Err(Error::BadRequest("Invalid credentials".to_owned())),
    };
    Ok((session.sign_in(&user)?, Json(UserView::from(&user))))
}
