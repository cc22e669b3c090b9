use axum::extract::State;
use axum_extra::extract::CookieJar;
use httpkit::{Result, extract::Json, session::SessionKeys};
use serde::Serialize;
use utoipa::ToSchema;

use crate::sessions::Sessions;

/// The empty object signout answers with.
#[derive(Serialize, ToSchema)]
pub(crate) struct SignedOut {}

/// `POST /api/users/signout`: ends the session everywhere (a copy of its cookie is
/// refused by every service from now on) and replaces the cookie with an expired,
/// empty one. Without a valid session it only clears the cookie.
#[utoipa::path(
    post,
    path = "/api/users/signout",
    responses(
        (status = OK, description = "Signed out", body = SignedOut,
            headers(("set-cookie" = String, description = "An expired, empty session cookie"))),
    ),
)]
pub(crate) async fn signout(
    State(keys): State<SessionKeys>,
    State(sessions): State<Sessions>,
    jar: CookieJar,
) -> Result<(CookieJar, Json<SignedOut>)> {
    if let Some(session) = keys.session_of(&jar) {
        sessions.revoke(&session).await?;
    }
    Ok((jar.add(keys.cleared_cookie()), Json(SignedOut {})))
}
