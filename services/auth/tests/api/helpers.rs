use auth::{AttemptLimits, Config, build};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use testkit::{RunningService, World};

pub use testkit::JWT_KEY;

pub const PASSWORD: &str = "correct-horse";

/// The auth service on a random port with a database of its own.
pub struct TestApp {
    pub service: RunningService,
    /// A browser-like client: it keeps cookies between requests.
    pub client: reqwest::Client,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::with_limits(AttemptLimits::default()).await
    }

    /// The service with these signin and signup limits.
    pub async fn with_limits(attempts: AttemptLimits) -> Self {
        Self::in_world(&World::new(), attempts).await
    }

    /// The service in `world`: a second one in the same world is another replica,
    /// on the same database.
    pub async fn in_world(world: &World, attempts: AttemptLimits) -> Self {
        let config = Config {
            base: world.base_config("auth"),
            session: world.session_config(),
            events: world.events_config("auth"),
            attempts,
        };
        let service = build(config).await.expect("build the auth service");
        Self {
            service: RunningService::start(service),
            client: browser(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        self.service.url(path)
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn signup(&self, email: &str, password: &str) -> Response {
        let body = json!({ "email": email, "password": password });
        self.post_json("/api/users/signup", &body).await
    }

    pub async fn signin(&self, email: &str, password: &str) -> Response {
        let body = json!({ "email": email, "password": password });
        self.post_json("/api/users/signin", &body).await
    }

    /// `currentUser` as this app's client sees it.
    pub async fn current_user(&self) -> Value {
        current_user_of(&self.client, self).await
    }
}

/// A client with its own cookie jar, like a separate browser.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap()
}

pub async fn current_user_of(client: &reqwest::Client, app: &TestApp) -> Value {
    let response = client
        .get(app.url("/api/users/currentuser"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json::<Value>().await.unwrap()["currentUser"].clone()
}

/// A fresh email, so tests sharing a server never collide.
pub fn email() -> String {
    format!("user{:x}@example.com", rand::random::<u64>())
}

/// The `Set-Cookie` header for the session, if any.
pub fn session_set_cookie(response: &Response) -> Option<String> {
    response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("session="))
        .map(str::to_owned)
}
