//! What signing up and signing in share: each counts the attempt against the limits
//! before anything else is checked, and a success sets the session cookie.

use std::{convert::Infallible, net::IpAddr};

use axum::{
    extract::{FromRef, FromRequestParts},
    http::request::Parts,
};
use axum_extra::extract::CookieJar;
use httpkit::{Result, extract::ClientAddress, session::SessionKeys};

use crate::{attempts::Attempts, state::AppState, users::User};

/// What signup and signin take from the request to start a session.
pub(crate) struct SessionStart {
    keys: SessionKeys,
    attempts: Attempts,
    client: IpAddr,
    jar: CookieJar,
}

impl FromRequestParts<AppState> for SessionStart {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let Ok(ClientAddress(client)) = ClientAddress::from_request_parts(parts, state).await;
        let Ok(jar) = CookieJar::from_request_parts(parts, state).await;
        Ok(Self {
            keys: SessionKeys::from_ref(state),
            attempts: Attempts::from_ref(state),
            client,
            jar,
        })
    }
}

impl SessionStart {
    /// Counts one attempt at `email` (none counts as empty) from the caller's address:
    /// past either limit, a 429.
    pub async fn count_attempt(&self, email: Option<&str>) -> Result<()> {
        self.attempts
            .check(self.client, email.unwrap_or_default())
            .await
    }

    /// Signs `user` in: the cookie jar the answer sets, with the session cookie added.
    pub fn sign_in(self, user: &User) -> Result<CookieJar> {
        let cookie = self.keys.session_cookie(user.id, user.email.as_str())?;
        Ok(self.jar.add(cookie))
    }
}
