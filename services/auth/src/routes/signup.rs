use axum::{extract::State, http::StatusCode};
use axum_extra::extract::CookieJar;
use httpkit::{
    Error, Result,
    error::ErrorBody,
    extract::{ClientAddress, Json},
    openapi::TooManyRequests,
    session::SessionKeys,
    validate_both,
};

use super::{NewAccount, UserView};
use crate::{
    attempts::Attempts,
    domain::{Email, Password},
    users::{CreateError, Users},
};

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
    State(session): State<SessionKeys>,
    State(attempts): State<Attempts>,
    ClientAddress(client): ClientAddress,
    jar: CookieJar,
    Json(credentials): Json<NewAccount>,
) -> Result<(StatusCode, CookieJar, Json<UserView>)> {
    attempts.check(client, credentials.email.as_deref().unwrap_or_default())?;
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
    let cookie = session.session_cookie(user.id, user.email.as_str())?;
    Ok((
        StatusCode::CREATED,
        jar.add(cookie),
        Json(UserView::from(&user)),
    ))
}
