use axum::extract::State;
use axum_extra::extract::CookieJar;
use common::{extract::Json, session::SessionKeys};
use serde::Serialize;
use utoipa::ToSchema;

/// The empty object signout answers with.
#[derive(Serialize, ToSchema)]
pub(crate) struct SignedOut {}

/// `POST /api/users/signout`: replaces the session cookie with an expired, empty one.
#[utoipa::path(
    post,
    path = "/api/users/signout",
    responses(
        (status = OK, description = "Signed out", body = SignedOut,
            headers(("set-cookie" = String, description = "An expired, empty session cookie"))),
    ),
)]
pub(crate) async fn signout(
    State(session): State<SessionKeys>,
    jar: CookieJar,
) -> (CookieJar, Json<SignedOut>) {
    (jar.add(session.cleared_cookie()), Json(SignedOut {}))
}
