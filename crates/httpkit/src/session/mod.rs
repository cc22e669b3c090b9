//! The session: a signed JWT in an HTTP-only cookie. Only auth issues it; every
//! service that serves signed-in users verifies it with the shared `JWT_KEY`, and
//! refuses it once its user signed out ([`RevokedSessions`]).

mod revoked;

use std::{sync::Arc, time::Duration};

use axum::{
    extract::{FromRef, FromRequestParts, Request, State},
    http::request::Parts,
    middleware::Next,
    response::Response,
};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use marketplace::id::UserId;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use settings::Environment;

use crate::error::Error;
pub use revoked::RevokedSessions;

/// The cookie that carries the session JWT.
pub const COOKIE_NAME: &str = "session";

/// Who issues sessions (`iss`): only the auth service signs them.
pub const ISSUER: &str = "ticketing-auth";

/// Whom sessions are for (`aud`): the ticketing APIs and pages. A token signed with
/// the same key for another purpose, or by another issuer, is refused.
pub const AUDIENCE: &str = "ticketing";

/// How long a session lasts before the user must sign in again.
pub const DEFAULT_SESSION_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// What the session JWT says about its user, and what `currentuser` returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UserClaims {
    pub id: UserId,
    pub email: String,
    /// Issued at, seconds since the epoch.
    pub iat: i64,
    /// Expires at, seconds since the epoch.
    pub exp: i64,
}

/// Everything a session token says: who the user is, and which session it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenClaims {
    #[serde(flatten)]
    pub user: UserClaims,
    /// The session's id, random per sign-in: what signing out revokes.
    pub jti: String,
    pub iss: String,
    pub aud: String,
}

/// Signs and verifies session cookies, and knows the revoked ones. Cheap to clone.
#[derive(Clone)]
pub struct SessionKeys(Arc<Keys>);

struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
    secure_cookie: bool,
    revoked: RevokedSessions,
}

impl SessionKeys {
    /// Keys from the shared secret. In development the cookie drops `Secure`, so it
    /// works over plain HTTP on localhost.
    pub fn new(jwt_key: &str, environment: Environment) -> Self {
        Self::with_ttl(jwt_key, environment, DEFAULT_SESSION_TTL)
    }

    pub fn with_ttl(jwt_key: &str, environment: Environment, ttl: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud"]);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        Self(Arc::new(Keys {
            encoding: EncodingKey::from_secret(jwt_key.as_bytes()),
            decoding: DecodingKey::from_secret(jwt_key.as_bytes()),
            validation,
            ttl,
            secure_cookie: environment == Environment::Production,
            revoked: RevokedSessions::default(),
        }))
    }

    /// A signed token for a new session of the user, valid for the session TTL from
    /// now.
    pub fn issue_token(&self, id: UserId, email: &str) -> Result<String, Error> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let claims = TokenClaims {
            user: UserClaims {
                id,
                email: email.to_owned(),
                iat: now,
                exp: now + i64::try_from(self.0.ttl.as_secs()).unwrap_or(i64::MAX),
            },
            jti: format!("{:032x}", rand::random::<u128>()),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.0.encoding)
            .map_err(Error::unexpected)
    }

    /// The cookie that signs the user in.
    pub fn session_cookie(&self, id: UserId, email: &str) -> Result<Cookie<'static>, Error> {
        let token = self.issue_token(id, email)?;
        let mut cookie = self.base_cookie(token);
        cookie.set_max_age(time::Duration::try_from(self.0.ttl).ok());
        Ok(cookie)
    }

    /// A cookie that replaces the session with an empty, already expired one.
    pub fn cleared_cookie(&self) -> Cookie<'static> {
        let mut cookie = self.base_cookie(String::new());
        cookie.make_removal();
        cookie
    }

    /// The claims of a valid token, or `None` for a garbage, forged, expired or
    /// revoked one.
    pub fn verify(&self, token: &str) -> Option<TokenClaims> {
        let claims =
            jsonwebtoken::decode::<TokenClaims>(token, &self.0.decoding, &self.0.validation)
                .ok()?
                .claims;
        (!self.0.revoked.contains(&claims.jti)).then_some(claims)
    }

    /// The sessions this process knows to be revoked; the `storage` crate's
    /// `Revocations::follow` keeps it up to date.
    pub fn revoked(&self) -> &RevokedSessions {
        &self.0.revoked
    }

    /// The claims of the session cookie in `jar`, if it holds a valid one.
    pub fn session_of(&self, jar: &CookieJar) -> Option<TokenClaims> {
        jar.get(COOKIE_NAME)
            .and_then(|cookie| self.verify(cookie.value()))
    }

    fn user_of(&self, jar: &CookieJar) -> Option<UserClaims> {
        self.session_of(jar).map(|claims| claims.user)
    }

    fn base_cookie(&self, value: String) -> Cookie<'static> {
        Cookie::build((COOKIE_NAME, value))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.0.secure_cookie)
            .build()
    }
}

/// The signed-in user; rejects the request with 401 "Not authorized" otherwise.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub UserClaims);

/// The signed-in user, if any. Never rejects.
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<UserClaims>);

impl<S> FromRequestParts<S> for MaybeUser
where
    SessionKeys: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let keys = SessionKeys::from_ref(state);
        let jar = CookieJar::from_headers(&parts.headers);
        Ok(Self(keys.user_of(&jar)))
    }
}

impl<S> FromRequestParts<S> for CurrentUser
where
    SessionKeys: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let MaybeUser(user) = MaybeUser::from_request_parts(parts, state)
            .await
            .unwrap_or_else(|never| match never {});
        user.map(Self).ok_or(Error::NotAuthorized)
    }
}

/// Middleware for a group of routes that all need a signed-in user:
/// `router.route_layer(middleware::from_fn_with_state(keys, require_auth))`.
pub async fn require_auth(
    State(keys): State<SessionKeys>,
    request: Request,
    next: Next,
) -> Result<Response, Error> {
    let jar = CookieJar::from_headers(request.headers());
    match keys.user_of(&jar) {
        Some(_) => Ok(next.run(request).await),
        None => Err(Error::NotAuthorized),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER: &str = "65f1c0ffee000000000000a1";

    fn user() -> UserId {
        USER.parse().unwrap()
    }

    fn keys() -> SessionKeys {
        SessionKeys::new("test-key", Environment::Production)
    }

    #[test]
    fn a_token_round_trips() {
        let token = keys().issue_token(user(), "a@b.co").unwrap();
        let claims = keys().verify(&token).unwrap();
        assert_eq!(
            (claims.user.id, claims.user.email.as_str()),
            (user(), "a@b.co")
        );
        assert!(claims.user.exp > claims.user.iat);
        assert_eq!(
            (claims.iss.as_str(), claims.aud.as_str()),
            (ISSUER, AUDIENCE)
        );
    }

    #[test]
    fn every_token_is_a_session_of_its_own() {
        let first = keys().issue_token(user(), "a@b.co").unwrap();
        let second = keys().issue_token(user(), "a@b.co").unwrap();
        assert_ne!(
            keys().verify(&first).unwrap().jti,
            keys().verify(&second).unwrap().jti
        );
    }

    /// A token signed with the right key but for another issuer or audience: what a
    /// second system sharing the key by mistake would produce.
    fn token_with(iss: &str, aud: &str) -> String {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let claims = serde_json::json!({
            "id": USER, "email": "a@b.co", "iat": now, "exp": now + 60,
            "jti": "j1", "iss": iss, "aud": aud,
        });
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(b"test-key"),
        )
        .unwrap()
    }

    #[test]
    fn a_token_from_another_issuer_or_for_another_audience_is_rejected() {
        assert!(keys().verify(&token_with(ISSUER, AUDIENCE)).is_some());
        assert_eq!(keys().verify(&token_with("someone-else", AUDIENCE)), None);
        assert_eq!(keys().verify(&token_with(ISSUER, "another-app")), None);
    }

    #[test]
    fn a_revoked_session_is_rejected_and_others_are_not() {
        let keys = keys();
        let revoked = keys.issue_token(user(), "a@b.co").unwrap();
        let kept = keys.issue_token(user(), "a@b.co").unwrap();
        let claims = keys.verify(&revoked).unwrap();
        keys.revoked().insert(claims.jti, claims.user.exp);
        assert_eq!(keys.verify(&revoked), None);
        assert!(keys.verify(&kept).is_some());
    }

    #[test]
    fn a_token_signed_with_another_key_is_rejected() {
        let forged = SessionKeys::new("other-key", Environment::Production)
            .issue_token(user(), "a@b.co")
            .unwrap();
        assert_eq!(keys().verify(&forged), None);
    }

    #[test]
    fn an_expired_token_is_rejected() {
        let expired = SessionKeys::with_ttl("test-key", Environment::Production, Duration::ZERO)
            .issue_token(user(), "a@b.co")
            .unwrap();
        std::thread::sleep(Duration::from_millis(1100));
        assert_eq!(keys().verify(&expired), None);
    }

    #[test]
    fn garbage_is_rejected() {
        assert_eq!(keys().verify("not.a.jwt"), None);
        assert_eq!(keys().verify(""), None);
    }

    #[test]
    fn production_cookies_are_secure_http_only_and_lax() {
        let cookie = keys().session_cookie(user(), "a@b.co").unwrap();
        assert_eq!(cookie.http_only(), Some(true));
        assert_eq!(cookie.secure(), Some(true));
        assert_eq!(cookie.same_site(), Some(SameSite::Lax));
        assert!(cookie.max_age().is_some());
    }

    #[test]
    fn development_cookies_are_not_secure_so_they_work_over_http() {
        let keys = SessionKeys::new("test-key", Environment::Development);
        let cookie = keys.session_cookie(user(), "a@b.co").unwrap();
        assert_eq!(cookie.secure(), Some(false));
    }

    #[tokio::test]
    async fn the_require_auth_layer_lets_only_signed_in_users_through() {
        use axum::{Router, body::Body, http::StatusCode, middleware, routing::get};
        use tower::ServiceExt;

        let app = Router::new()
            .route("/private", get(|| async { "secret" }))
            .route_layer(middleware::from_fn_with_state(keys(), require_auth));
        let token = keys().issue_token(user(), "a@b.co").unwrap();
        let request = |cookie: Option<String>| {
            let mut builder = axum::http::Request::get("/private");
            if let Some(cookie) = cookie {
                builder = builder.header("cookie", cookie);
            }
            builder.body(Body::empty()).unwrap()
        };

        let anonymous = app.clone().oneshot(request(None)).await.unwrap();
        let forged = app
            .clone()
            .oneshot(request(Some("session=forged".into())))
            .await
            .unwrap();
        let signed_in = app
            .oneshot(request(Some(format!("{COOKIE_NAME}={token}"))))
            .await
            .unwrap();

        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(signed_in.status(), StatusCode::OK);
    }

    #[test]
    fn the_cleared_cookie_is_empty_and_expired() {
        let cookie = keys().cleared_cookie();
        assert_eq!(cookie.value(), "");
        assert_eq!(cookie.max_age(), Some(time::Duration::ZERO));
    }
}
