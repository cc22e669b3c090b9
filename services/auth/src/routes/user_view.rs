use serde::Serialize;
use utoipa::ToSchema;

use crate::users::User;

/// A user as the API shows it.
#[derive(Serialize, ToSchema)]
pub(crate) struct UserView {
    id: String,
    email: String,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        Self {
            id: user.id.to_hex(),
            email: user.email.as_str().to_owned(),
        }
    }
}
