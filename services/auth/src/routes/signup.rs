use axum::{extract::State, http::StatusCode};
use axum_extra::extract::CookieJar;
use httpkit::{
    Error, Result, error::ErrorBody, extract::Json, openapi::TooManyRequests, validate_both,
};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{session_start::SessionStart, user_view::UserView};
use crate::{
    domain::{Email, Password},
    users::{CreateError, Users},
};

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

/// `POST /api/users/signup`: creates the user and signs them in.
#[utoipa::path(
    post,
    path = "/api/users/signup",
    request_body = NewAccount,
    responses(
        (status = CREATED, description = "Signed up and signed in", body = UserView,
            headers(("set-cookie" = String, description = "The session cookie"))),
        (status = BAD_REQUEST, description = "Invalid email or password, malformed JSON, or \"Email in use\"", body = ErrorBody),
        TooManyRequests,
    ),
)]
pub(crate) async fn signup(
    State(users): State<Users>,
    session: SessionStart,
    Json(credentials): Json<NewAccount>,
) -> Result<(StatusCode, CookieJar, Json<UserView>)> {
    session.count_attempt(credentials.email.as_deref()).await?;
    let (email, password) = validate_both(
        Email::parse(credentials.email.as_deref().unwrap_or_default()),
        Password::parse(credentials.password.unwrap_or_default()),
    )?;
    let password_hash = password.hash().await?;
    let user = users
        .create(email, password_hash)
        .await
        .map_err(|error| match error {
            CreateError::EmailInUse => Error::BadRequest("Email in use".to_owned()),
            CreateError::Database(error) => error.into(),
        })?;
    Ok((
        StatusCode::CREATED,
        session.sign_in(&user)?,
        Json(UserView::from(&user)),
    ))
}
