//! The back end at two replicas of every service that verifies sessions: signing out
//! ends a session everywhere, and the services' durable consumers are exactly those
//! of the event table.

use std::time::{Duration, Instant};

use futures::{StreamExt, future::join_all};
use marketplace::events::{ServiceName, Subject};
use reqwest::{
    StatusCode,
    header::{COOKIE, SET_COOKIE},
};
use serde_json::{Value, json};
use stripe_fake::RunningFake;
use testkit::{RunningService, World};

use crate::helpers::{start_payments, start_stripe};

/// How soon every replica of every service must refuse a signed-out session.
const REVOCATION_BOUND: Duration = Duration::from_secs(1);

struct Replicated {
    world: World,
    auth: Vec<RunningService>,
    tickets: Vec<RunningService>,
    orders: Vec<RunningService>,
    payments: Vec<RunningService>,
    _expiration: RunningService,
    stripe: RunningFake,
}

impl Replicated {
    async fn start() -> Self {
        let world = World::new();
        let stripe = start_stripe(true).await;
        let mut system = Self {
            auth: Vec::new(),
            tickets: Vec::new(),
            orders: Vec::new(),
            payments: Vec::new(),
            _expiration: RunningService::start(
                expiration::build(expiration::Config {
                    base: world.base_config("expiration"),
                    events: world.events_config("expiration"),
                })
                .await
                .unwrap(),
            ),
            stripe,
            world,
        };
        let world = &system.world;
        for _ in 0..2 {
            let auth = auth::build(auth::Config {
                base: world.base_config("auth"),
                session: world.session_config(),
                events: world.events_config("auth"),
                attempts: auth::AttemptLimits::default(),
            });
            let tickets = tickets::build(tickets::Config {
                base: world.base_config("tickets"),
                session: world.session_config(),
                events: world.events_config("tickets"),
                sellers: tickets::SellerLimits::default(),
            });
            let orders = orders::build(orders::Config {
                base: world.base_config("orders"),
                session: world.session_config(),
                events: world.events_config("orders"),
                order_expiration: Duration::from_secs(900),
                buyers: orders::BuyerLimits::default(),
            });
            system.auth.push(RunningService::start(auth.await.unwrap()));
            system
                .tickets
                .push(RunningService::start(tickets.await.unwrap()));
            system
                .orders
                .push(RunningService::start(orders.await.unwrap()));
            system
                .payments
                .push(start_payments(world, &system.stripe).await);
        }
        system
    }

    /// Whether every replica of every verifying service takes `cookie` as a session:
    /// `currentUser` is the user, and a route that needs a session does not answer
    /// 401. One answer per replica, named.
    async fn accepted_by(&self, cookie: &str) -> Vec<(String, bool)> {
        let client = reqwest::Client::new();
        let send = |name: String, request: reqwest::RequestBuilder| async move {
            let response = request.header(COOKIE, cookie).send().await.unwrap();
            let accepted = if name.starts_with("auth") {
                !response.json::<Value>().await.unwrap()["currentUser"].is_null()
            } else {
                response.status() != StatusCode::UNAUTHORIZED
            };
            (name, accepted)
        };
        let mut checks = Vec::new();
        for (replica, auth) in self.auth.iter().enumerate() {
            let request = client.get(auth.url("/api/users/currentuser"));
            checks.push(send(format!("auth {replica}"), request));
        }
        for (replica, tickets) in self.tickets.iter().enumerate() {
            let request = client.get(tickets.url("/api/tickets/mine"));
            checks.push(send(format!("tickets {replica}"), request));
        }
        for (replica, orders) in self.orders.iter().enumerate() {
            let request = client.get(orders.url("/api/orders"));
            checks.push(send(format!("orders {replica}"), request));
        }
        for (replica, payments) in self.payments.iter().enumerate() {
            // Someone's order that does not exist: 404 when signed in, 401 when not.
            let body = json!({ "orderId": "5f0000000000000000000000", "token": "pm_card_visa" });
            let request = client.post(payments.url("/api/payments")).json(&body);
            checks.push(send(format!("payments {replica}"), request));
        }
        join_all(checks).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_copied_before_signout_is_refused_by_every_replica_within_a_second() {
    let system = Replicated::start().await;
    let signup = reqwest::Client::new()
        .post(system.auth[0].url("/api/users/signup"))
        .json(&json!({ "email": "leaver@example.com", "password": "secret" }))
        .send()
        .await
        .unwrap();
    assert_eq!(signup.status(), StatusCode::CREATED);
    let cookie = session_cookie(&signup);
    for (replica, accepted) in system.accepted_by(&cookie).await {
        assert!(accepted, "{replica} refused a fresh session");
    }

    let signout = reqwest::Client::new()
        .post(system.auth[0].url("/api/users/signout"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(signout.status(), StatusCode::OK);
    let signed_out = Instant::now();

    let mut still_accepting = Vec::new();
    while signed_out.elapsed() < REVOCATION_BOUND {
        still_accepting = system
            .accepted_by(&cookie)
            .await
            .into_iter()
            .filter(|(_, accepted)| *accepted)
            .map(|(replica, _)| replica)
            .collect();
        if still_accepting.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        still_accepting.is_empty(),
        "{:?} after signout, these replicas still took the copied cookie: {still_accepting:?}",
        signed_out.elapsed()
    );
    // A new session of the same user is not affected.
    let signin = reqwest::Client::new()
        .post(system.auth[1].url("/api/users/signin"))
        .json(&json!({ "email": "leaver@example.com", "password": "secret" }))
        .send()
        .await
        .unwrap();
    let fresh = session_cookie(&signin);
    for (replica, accepted) in system.accepted_by(&fresh).await {
        assert!(accepted, "{replica} refused the next session");
    }
}

/// The `session=…` pair a signup or signin set, as a browser would send it back (or
/// someone who copied it).
fn session_cookie(response: &reqwest::Response) -> String {
    let set_cookie = response.headers()[SET_COOKIE].to_str().unwrap();
    set_cookie.split(';').next().unwrap().to_owned()
}

/// The services' permissions on the bus come from the event table; this holds the
/// table to what the services really consume, so neither can drift from the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_durable_consumers_the_services_create_are_the_event_tables() {
    let system = Replicated::start().await;
    let operator = system.world.bus().await;
    let stream = operator
        .jetstream()
        .get_stream(operator.stream_name())
        .await
        .unwrap();
    let mut created: Vec<String> = stream
        .consumer_names()
        .map(|name| name.unwrap())
        .collect()
        .await;
    created.sort();

    let mut expected: Vec<String> = Subject::ALL
        .into_iter()
        .flat_map(|subject| {
            subject
                .consumers()
                .iter()
                .map(move |consumer: &ServiceName| {
                    format!("{consumer}-{}", subject.as_str().replace(':', "-"))
                })
        })
        .collect();
    expected.sort();
    assert_eq!(created, expected);
}
