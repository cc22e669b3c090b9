//! Who is looking at a page: the session cookie their browser sent and their address,
//! both passed on to every API call, and the user the cookie signs in, if any.

use axum::{extract::FromRequestParts, http::request::Parts};
use httpkit::session::UserClaims;

use super::{caller::caller_of, error::PageError};
use crate::{
    api::{ApiError, Caller},
    state::AppState,
};

pub(crate) struct Visitor {
    caller: Caller,
    pub user: Option<UserClaims>,
}

impl Visitor {
    /// Who the pages' API calls are made for.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// The signed-in user, or the sign-in page for pages that need one.
    pub fn signed_in(&self) -> Result<&UserClaims, PageError> {
        self.user.as_ref().ok_or(PageError::SignInFirst)
    }
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let caller = caller_of(parts).await;
        let user = match caller.cookie {
            // Without cookies there is no session to ask about.
            None => None,
            Some(_) => match state.api.current_user(&caller).await {
                Ok(user) => user,
                // Auth being down must not take the public pages with it: the visitor
                // is treated as signed out, and pages that need a session say so.
                Err(ApiError::Unavailable { detail, .. }) => {
                    tracing::warn!(%detail, "cannot ask auth who is signed in");
                    None
                }
                Err(refused) => return Err(refused.into()),
            },
        };
        Ok(Self { caller, user })
    }
}
