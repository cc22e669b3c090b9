//! A fake per test, with both the real async-stripe client and a raw HTTP client
//! pointed at it, and the steps most Connect tests start from (a charge, an onboarded
//! seller).

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use stripe::{IdempotencyKey, RequestStrategy};
use stripe_fake::{FakeConfig, Ledger, RunningFake};

pub const SECRET_KEY: &str = "sk_test_fake";

/// Where the platform sends a seller whose onboarding link no longer works.
pub const REFRESH_URL: &str = "http://platform.test/payouts/refresh";
/// Where the platform sends a seller back after onboarding.
pub const RETURN_URL: &str = "http://platform.test/payouts/return";

/// Stripe's ready-made test payment methods and whether charging them succeeds.
pub const TEST_PAYMENT_METHODS: [(&str, Outcome); 4] = [
    ("pm_card_visa", Outcome::Succeeds),
    ("pm_card_mastercard", Outcome::Succeeds),
    (
        "pm_card_visa_chargeDeclined",
        Outcome::Declines("generic_decline"),
    ),
    (
        "pm_card_chargeDeclinedInsufficientFunds",
        Outcome::Declines("insufficient_funds"),
    ),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Succeeds,
    /// With this `decline_code`.
    Declines(&'static str),
}

pub struct TestFake {
    pub fake: RunningFake,
    pub client: stripe::Client,
    http: reqwest::Client,
}

impl TestFake {
    pub async fn start() -> Self {
        Self::start_with(FakeConfig::default()).await
    }

    pub async fn start_with(config: FakeConfig) -> Self {
        let fake = stripe_fake::start(config).await.expect("the fake starts");
        let client = stripe::ClientBuilder::new(SECRET_KEY)
            .url(fake.url())
            .build()
            .expect("the client accepts the fake's URL");
        // Redirects are what the onboarding page answers; tests look at them, not past them.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client");
        Self { fake, client, http }
    }

    pub fn ledger(&self) -> Ledger {
        self.fake.ledger()
    }

    /// A form-encoded POST as Stripe clients send it, with the secret key.
    pub async fn post(&self, path: &str, params: &[(&str, &str)]) -> Raw {
        self.send(
            self.http.post(self.url(path)).bearer_auth(SECRET_KEY),
            params,
        )
        .await
    }

    pub async fn post_with_key(&self, path: &str, params: &[(&str, &str)], key: &str) -> Raw {
        let request = self
            .http
            .post(self.url(path))
            .bearer_auth(SECRET_KEY)
            .header("idempotency-key", key);
        self.send(request, params).await
    }

    pub async fn get(&self, path: &str) -> Raw {
        self.send(self.http.get(self.url(path)).bearer_auth(SECRET_KEY), &[])
            .await
    }

    /// Any request, to vary what the helpers above fix (the key, the method).
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, self.url(path))
    }

    pub async fn send(&self, request: reqwest::RequestBuilder, params: &[(&str, &str)]) -> Raw {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        let response = request
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("the fake answers");
        Raw {
            status: response.status(),
            headers: response.headers().clone(),
            body: response.text().await.expect("a readable body"),
        }
    }

    /// A succeeded charge of `amount` cents in `currency`: its PaymentIntent and charge ids.
    pub async fn charge(&self, amount: i64, currency: &str) -> (String, String) {
        let amount = amount.to_string();
        let paid = self
            .post(
                "/v1/payment_intents",
                &[
                    ("amount", &amount),
                    ("currency", currency),
                    ("payment_method", "pm_card_visa"),
                    ("confirm", "true"),
                ],
            )
            .await;
        assert_eq!(paid.status, StatusCode::OK, "{}", paid.body);
        let intent = paid.json();
        let charge = intent["latest_charge"]
            .as_str()
            .expect("a charge")
            .to_owned();
        (paid.id(), charge)
    }

    /// A new Express account that asked for the `transfers` capability.
    pub async fn account(&self) -> String {
        let created = self
            .post(
                "/v1/accounts",
                &[
                    ("type", "express"),
                    ("country", "US"),
                    ("email", "seller@example.com"),
                    ("capabilities[transfers][requested]", "true"),
                    ("metadata[user_id]", "seller-1"),
                ],
            )
            .await;
        assert_eq!(created.status, StatusCode::OK, "{}", created.body);
        created.id()
    }

    /// The onboarding URL of a new link for `account`.
    pub async fn onboarding_link(&self, account: &str) -> String {
        let link = self
            .post(
                "/v1/account_links",
                &[
                    ("account", account),
                    ("type", "account_onboarding"),
                    ("refresh_url", REFRESH_URL),
                    ("return_url", RETURN_URL),
                ],
            )
            .await;
        assert_eq!(link.status, StatusCode::OK, "{}", link.body);
        link.json()["url"].as_str().expect("a url").to_owned()
    }

    /// Opens `url` as a browser would: no key, and a redirect is not followed.
    pub async fn visit(&self, url: &str) -> Raw {
        let response = self.http.get(url).send().await.expect("the fake answers");
        Raw {
            status: response.status(),
            headers: response.headers().clone(),
            body: response.text().await.expect("a readable body"),
        }
    }

    /// An Express account whose owner went through onboarding, so it takes transfers.
    pub async fn onboarded_account(&self) -> String {
        let account = self.account().await;
        let visited = self.visit(&self.onboarding_link(&account).await).await;
        assert_eq!(visited.status, StatusCode::SEE_OTHER, "{}", visited.body);
        account
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.fake.url(), path.trim_start_matches('/'))
    }
}

/// A response as it came over the wire.
#[derive(Debug)]
pub struct Raw {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Raw {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }

    /// The body as async-stripe's type `T`, read both ways the crate can: with
    /// miniserde (what its client uses) and with serde (its `deserialize` feature).
    pub fn parse<T: miniserde::Deserialize + DeserializeOwned>(&self) -> T {
        if let Err(error) = serde_json::from_str::<T>(&self.body) {
            panic!(
                "serde cannot read {} from {}: {error}",
                std::any::type_name::<T>(),
                self.body
            );
        }
        miniserde::json::from_str(&self.body).unwrap_or_else(|_| {
            panic!(
                "the client cannot read {} from {}",
                std::any::type_name::<T>(),
                self.body
            )
        })
    }

    /// The body as Stripe's error object, checked to be one that the client can read.
    pub fn error(&self) -> stripe::ApiErrors {
        *self.parse::<stripe_shared::Error>().error
    }

    pub fn id(&self) -> String {
        self.json()["id"].as_str().expect("an id").to_owned()
    }

    /// Where a redirect points.
    pub fn location(&self) -> &str {
        self.headers
            .get("location")
            .and_then(|location| location.to_str().ok())
            .unwrap_or_else(|| panic!("a redirect, got {}: {}", self.status, self.body))
    }
}

/// Waits until `done` holds, checking every few milliseconds for up to ten seconds.
pub async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub fn idempotent(key: &str) -> RequestStrategy {
    RequestStrategy::Idempotent(IdempotencyKey::new(key).expect("a valid key"))
}

/// Stripe's error from a client call, and the HTTP status it came with.
pub fn stripe_error<T: std::fmt::Debug>(
    result: Result<T, stripe::StripeError>,
) -> (stripe::ApiErrors, u16) {
    match result {
        Err(stripe::StripeError::Stripe(error, status)) => (*error, status),
        other => panic!("expected an error from Stripe, got {other:?}"),
    }
}
