//! Signed-in users without the auth service: every service trusts a JWT signed with
//! the shared key, so a test can sign one for a made-up user.

use httpkit::session::SessionKeys;
use settings::Environment;

use crate::api::{ApiClient, Endpoints};

/// A user with an HTTP client that sends their session cookie.
pub struct TestUser {
    pub id: String,
    pub email: String,
    pub client: reqwest::Client,
}

impl TestUser {
    /// A new user (random 24-hex id) signed in with `jwt_key`.
    pub fn signed_in(jwt_key: &str) -> Self {
        Self::signed_in_as(jwt_key, &format!("{:024x}", rand::random::<u128>() >> 32))
    }

    /// The user with this id, signed in with `jwt_key`.
    pub fn signed_in_as(jwt_key: &str, id: &str) -> Self {
        let id = id.to_owned();
        let email = format!("{id}@example.com");
        let token = SessionKeys::new(jwt_key, Environment::Development)
            .issue_token(id.parse().expect("a 24-hex user id"), &email)
            .expect("sign a test session");
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::COOKIE,
            format!("{}={token}", httpkit::session::COOKIE_NAME)
                .parse()
                .expect("a valid cookie header"),
        );
        let client = reqwest::Client::builder()
            .default_headers(headers)
            .build()
            .expect("build an HTTP client");
        Self { id, email, client }
    }

    /// A client of the API as this user, served at `endpoints`.
    pub fn api(&self, endpoints: Endpoints) -> ApiClient {
        ApiClient::with_http(endpoints, self.client.clone())
    }
}
