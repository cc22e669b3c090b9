use auth::{Application, Config};
use common::config::{BaseConfig, Environment};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

pub const JWT_KEY: &str = "test-only-jwt-key";
pub const PASSWORD: &str = "correct-horse";

/// The auth service on a random port with a database of its own.
pub struct TestApp {
    pub address: String,
    /// A browser-like client: it keeps cookies between requests.
    pub client: reqwest::Client,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        let servers = testkit::shared();
        let config = Config {
            base: BaseConfig {
                port: 0,
                mongo_url: servers.mongo_url.clone(),
                mongo_database: testkit::unique_name("auth"),
                jwt_key: JWT_KEY.to_owned(),
                environment: Environment::Development,
            },
        };
        let app = Application::build(config)
            .await
            .expect("build the auth app");
        let address = format!("http://127.0.0.1:{}", app.port());
        let server = tokio::spawn(async move {
            app.run_until_stopped().await.expect("serve");
        });
        Self {
            address,
            client: browser(),
            server,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
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

/// Asserts the contract's error shape and returns its entries.
pub async fn errors_of(response: Response, status: StatusCode) -> Vec<Value> {
    assert_eq!(response.status(), status);
    let body: Value = response.json().await.expect("an error body in JSON");
    let errors = body["errors"]
        .as_array()
        .expect("an `errors` array")
        .clone();
    assert!(!errors.is_empty());
    for error in &errors {
        assert!(
            error["message"].is_string(),
            "every error has a message: {body}"
        );
    }
    errors
}

/// Asserts a single error with exactly this message.
pub async fn assert_error(response: Response, status: StatusCode, message: &str) {
    let errors = errors_of(response, status).await;
    assert_eq!(errors, [json!({ "message": message })]);
}
