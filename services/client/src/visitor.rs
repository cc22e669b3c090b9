//! Who is looking at a page: the session cookie their browser sent, passed on to every
//! API call, and the user it signs in, if any.

use axum::{
    extract::FromRequestParts,
    http::{HeaderValue, header, request::Parts},
};
use common::session::UserClaims;

use crate::{pages::PageError, startup::AppState};

pub(crate) struct Visitor {
    cookie: Option<HeaderValue>,
    pub user: Option<UserClaims>,
}

impl Visitor {
    pub fn cookie(&self) -> Option<&HeaderValue> {
        self.cookie.as_ref()
    }

    /// The signed-in user, or the sign-in page for pages that need one.
    pub fn signed_in(&self) -> Result<&UserClaims, PageError> {
        self.user.as_ref().ok_or(PageError::SignInFirst)
    }
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let cookie = parts.headers.get(header::COOKIE).cloned();
        let user = match &cookie {
            // Without cookies there is no session to ask about.
            None => None,
            Some(cookie) => state.api.current_user(Some(cookie)).await?,
        };
        Ok(Self { cookie, user })
    }
}
