use common::{
    extract::Json,
    session::{MaybeUser, UserClaims},
};
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CurrentUserView {
    current_user: Option<UserClaims>,
}

/// `GET /api/users/currentuser`: the session's user, or `null` for no session or an
/// invalid one (garbage, forged, expired). Never an error.
pub(crate) async fn current_user(MaybeUser(user): MaybeUser) -> Json<CurrentUserView> {
    Json(CurrentUserView { current_user: user })
}
