use httpkit::{
    extract::Json,
    session::{MaybeUser, UserClaims},
};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CurrentUserView {
    #[schema(required = true)]
    current_user: Option<UserClaims>,
}

/// `GET /api/users/currentuser`: the session's user, or `null` for no session or an
/// invalid one (garbage, forged, expired). Never an error.
#[utoipa::path(
    get,
    path = "/api/users/currentuser",
    responses((status = OK, description = "The signed-in user, or null", body = CurrentUserView)),
    security((), ("session" = [])),
)]
pub(crate) async fn current_user(MaybeUser(user): MaybeUser) -> Json<CurrentUserView> {
    Json(CurrentUserView { current_user: user })
}
