use marketplace::id::UserId;
use serde::Serialize;
use utoipa::ToSchema;

use crate::users::User;

/// A user as the API shows it.
#[derive(Serialize, ToSchema)]
pub(crate) struct UserView {
    id: UserId,
    email: String,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        Self {
            id: user.id,
            email: user.email.as_str().to_owned(),
        }
    }
}
