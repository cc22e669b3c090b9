use std::{num::NonZeroU32, time::Duration};

use client::{ApiUrls, Config, StripeJs, build};
use payments::{
    Currency, StripeConfig,
    config::{DEFAULT_ATTEMPTS_PER_MINUTE, DEFAULT_PAYOUT_HOLD},
    payout_terms::{FeePercent, PayoutTerms},
};
use reqwest::{StatusCode, header, redirect};
use stripe_fake::{FakeConfig, RunningFake};
use testkit::{
    RunningService, World,
    api::{ApiClient, Endpoints},
};

pub const PUBLISHABLE_KEY: &str = "pk_test_client_tests";
pub const STRIPE_JS_URL: &str = "http://stripe-js.test/v3/";

/// The client and the APIs it calls, in a world of their own; payments talks to the
/// Stripe fake.
pub struct Site {
    pub client: RunningService,
    pub payments: RunningService,
    stripe: Option<RunningFake>,
    apis: Vec<RunningService>,
}

impl Site {
    pub async fn start() -> Self {
        Self::with_order_hold(Duration::from_secs(900)).await
    }

    /// A site whose orders hold their ticket for `order_hold`.
    pub async fn with_order_hold(order_hold: Duration) -> Self {
        Self::start_with(order_hold, DEFAULT_PAYOUT_HOLD).await
    }

    /// A site that pays each sale to its seller `payout_hold` after it, less the
    /// default fee.
    pub async fn paying_out_after(payout_hold: Duration) -> Self {
        Self::start_with(Duration::from_secs(900), payout_hold).await
    }

    async fn start_with(order_hold: Duration, payout_hold: Duration) -> Self {
        let world = World::new();
        let auth = auth::build(auth::Config {
            base: world.base_config("auth"),
            session: world.session_config(),
            events: world.events_config("auth"),
            attempts: auth::AttemptLimits::default(),
        })
        .await
        .expect("build auth");
        // The paging tests list and reserve more tickets as one user than the
        // production limits let anyone in a minute.
        let tickets = tickets::build(tickets::Config {
            base: world.base_config("tickets"),
            session: world.session_config(),
            events: world.events_config("tickets"),
            sellers: tickets::SellerLimits {
                listed_per_minute: NonZeroU32::MAX,
                most_for_sale: None,
            },
        })
        .await
        .expect("build tickets");
        let orders = orders::build(orders::Config {
            base: world.base_config("orders"),
            session: world.session_config(),
            events: world.events_config("orders"),
            order_expiration: order_hold,
            buyers: orders::BuyerLimits {
                orders_per_minute: NonZeroU32::MAX,
                most_unpaid: None,
            },
        })
        .await
        .expect("build orders");
        let stripe = stripe_fake::start(FakeConfig {
            honour_idempotency: true,
        })
        .await
        .expect("start the Stripe fake");
        let payments = payments::build(payments::Config {
            base: world.base_config("payments"),
            session: world.session_config(),
            events: world.events_config("payments"),
            stripe: StripeConfig {
                secret_key: "sk_test_client_tests".to_owned(),
                api_base: stripe.url(),
                currency: Currency::USD,
                webhook_secret: None,
            },
            recovery_interval: Duration::from_millis(500),
            attempts_per_minute: DEFAULT_ATTEMPTS_PER_MINUTE,
            payouts: PayoutTerms {
                fee_percent: FeePercent::DEFAULT,
                hold: payout_hold,
            },
        })
        .await
        .expect("build payments");
        let apis = [auth, tickets, orders].map(RunningService::start);
        let payments = RunningService::start(payments);
        let urls = ApiUrls {
            auth: apis[0].url(""),
            tickets: apis[1].url(""),
            orders: apis[2].url(""),
            payments: payments.url(""),
        };
        Self {
            client: start_client(urls).await,
            payments,
            stripe: Some(stripe),
            apis: apis.into(),
        }
    }

    /// The Stripe fake's base URL (ending in `/`).
    pub fn stripe_url(&self) -> String {
        self.stripe.as_ref().expect("Stripe is up").url()
    }

    /// Stops the Stripe fake: payments' calls to Stripe fail from now on.
    pub fn stop_stripe(&mut self) {
        self.stripe = None;
    }

    /// A new visitor with an empty cookie jar.
    pub fn visitor(&self) -> Browser {
        Browser::new(self.client.url(""))
    }

    /// A visitor who signed up through the form.
    pub async fn member(&self) -> Browser {
        let visitor = self.visitor();
        visitor.sign_up(&email()).await;
        visitor
    }

    /// A member who listed one ticket, and the ticket's id.
    pub async fn seller_with(&self, title: &str, price: &str) -> (Browser, String) {
        let seller = self.member().await;
        let ticket = seller.sell(title, price).await;
        (seller, ticket)
    }

    /// Pays for the order at `order_path` (the client's `/orders/<id>`) with the test
    /// card, as the order page's script does for `buyer`, and waits until the order
    /// is complete.
    pub async fn pay(&self, buyer: &Browser, order_path: &str) {
        let order_id = order_path.trim_start_matches("/orders/");
        let api = ApiClient::with_http(
            Endpoints {
                orders: Some(self.apis[2].url("")),
                payments: Some(self.payments.url("")),
                ..Endpoints::default()
            },
            buyer.http.clone(),
        );
        api.pay_when_payable(order_id, "pm_card_visa")
            .await
            .expect("the test card pays");
        api.wait_until_complete(order_id)
            .await
            .expect("the paid order completes");
    }
}

/// The client alone, calling APIs at `urls`.
pub async fn start_client(urls: ApiUrls) -> RunningService {
    let config = Config {
        port: 0,
        metrics_port: 0,
        apis: urls,
        stripe: StripeJs {
            publishable_key: PUBLISHABLE_KEY.to_owned(),
            script_url: STRIPE_JS_URL.to_owned(),
        },
    };
    RunningService::start(build(config).await.expect("build the client"))
}

/// A browser without JavaScript: it keeps cookies and lets the test follow redirects.
pub struct Browser {
    /// Its cookies are the browser's: the tests call the APIs with it as the pages'
    /// scripts do.
    http: reqwest::Client,
    base: String,
}

/// One answer: its status, where it redirects to, and its HTML.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub html: String,
}

impl Page {
    pub fn assert_redirects_to(&self, path: &str) {
        assert_eq!(self.status, StatusCode::SEE_OTHER, "{}", self.html);
        assert_eq!(self.location.as_deref(), Some(path));
    }

    pub fn assert_shows(&self, text: &str) {
        assert!(
            self.html.contains(text),
            "the page should show {text:?}:\n{}",
            self.html
        );
    }

    /// Whether `message` is shown right under the input named `field`: after it and
    /// before the next label or button.
    pub fn assert_error_under(&self, field: &str, message: &str) {
        let input = self
            .html
            .find(&format!("name=\"{field}\""))
            .unwrap_or_else(|| panic!("no input named {field}:\n{}", self.html));
        let rest = &self.html[input..];
        let next_control = ["<label", "<button"]
            .iter()
            .filter_map(|tag| rest[1..].find(tag).map(|at| at + 1))
            .min()
            .unwrap_or(rest.len());
        let error = format!("<p class=\"field-error\" role=\"alert\">{message}</p>");
        assert!(
            rest[..next_control].contains(&error),
            "{message:?} should be shown under {field}:\n{}",
            self.html
        );
    }
}

impl Browser {
    pub fn new(base: String) -> Self {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(redirect::Policy::none())
            .build()
            .expect("build an HTTP client");
        Self { http, base }
    }

    pub async fn get(&self, path: &str) -> Page {
        page(
            self.http
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .form(form)
            .send()
            .await
            .unwrap();
        page(response).await
    }

    /// Signs up through the form and checks that it signed the browser in.
    pub async fn sign_up(&self, email: &str) {
        self.post(
            "/auth/signup",
            &[("email", email), ("password", "password1")],
        )
        .await
        .assert_redirects_to("/");
    }

    /// Lists a ticket through the sell form; returns its id.
    pub async fn sell(&self, title: &str, price: &str) -> String {
        self.post("/tickets/new", &[("title", title), ("price", price)])
            .await
            .assert_redirects_to("/tickets/mine");
        let listings = self.get("/tickets/mine").await;
        let marker = "data-ticket-id=\"";
        let start = listings.html.find(marker).expect("a listing") + marker.len();
        listings.html[start..start + 24].to_owned()
    }

    /// Purchases a ticket through its page; returns the order page's path.
    pub async fn purchase(&self, ticket_id: &str) -> String {
        let answer = self
            .post(&format!("/tickets/{ticket_id}/purchase"), &[])
            .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.html);
        answer.location.expect("the order page")
    }
}

async fn page(response: reqwest::Response) -> Page {
    let status = response.status();
    let location = response
        .headers()
        .get(header::LOCATION)
        .map(|value| value.to_str().unwrap().to_owned());
    Page {
        status,
        location,
        html: response.text().await.unwrap(),
    }
}

/// A fresh email address.
pub fn email() -> String {
    format!("{}@example.com", testkit::unique_name("visitor"))
}
