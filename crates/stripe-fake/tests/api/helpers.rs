//! A fake per test, with both the real async-stripe client and a raw HTTP client
//! pointed at it.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use stripe::{IdempotencyKey, RequestStrategy};
use stripe_fake::{FakeConfig, Ledger, RunningFake};

pub const SECRET_KEY: &str = "sk_test_fake";

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
        Self {
            fake,
            client,
            http: reqwest::Client::new(),
        }
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
