use axum::extract::State;
use axum_extra::extract::CookieJar;
use common::{extract::Json, session::SessionKeys};
use serde_json::{Value, json};

/// `POST /api/users/signout`: replaces the session cookie with an expired, empty one.
pub(crate) async fn signout(
    State(session): State<SessionKeys>,
    jar: CookieJar,
) -> (CookieJar, Json<Value>) {
    (jar.add(session.cleared_cookie()), Json(json!({})))
}
