use axum::extract::State;
use axum_extra::extract::CookieJar;
use httpkit::{
    Error, Result,
    error::ErrorBody,
    extract::{ClientAddress, Json},
    openapi::TooManyRequests,
    session::SessionKeys,
    validate_both,
};

use super::{Credentials, UserView};
use crate::{
    attempts::Attempts,
    domain::{Email, PasswordHash},
    users::Users,
};

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
    State(session): State<SessionKeys>,
    State(attempts): State<Attempts>,
    ClientAddress(client): ClientAddress,
    jar: CookieJar,
    Json(credentials): Json<Credentials>,
) -> Result<(CookieJar, Json<UserView>)> {
    attempts.check(client, credentials.email.as_deref().unwrap_or_default())?;
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
    let cookie = session.session_cookie(user.id, user.email.as_str())?;
    Ok((jar.add(cookie), Json(UserView::from(&user))))
}
