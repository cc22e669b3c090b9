//! Tickets, orders, expiration and payments, all real, over NATS, with the Stripe fake.

use std::time::Duration;

use marketplace::money::Price;
use reqwest::StatusCode;
use serde_json::{Value, json};
use stripe_fake::RunningFake;
use testkit::{RunningService, TestUser, World, api::Endpoints, assert_error, wait_for};

use crate::helpers::{ledger_of, pay, start_payments, start_stripe};

struct System {
    world: World,
    tickets: RunningService,
    orders: RunningService,
    payments: RunningService,
    stripe: RunningFake,
    _expiration: RunningService,
}

impl System {
    async fn start(hold: Duration) -> Self {
        let world = World::new();
        let stripe = start_stripe(true).await;
        let tickets = tickets::build(tickets::Config {
            base: world.base_config("tickets"),
            session: world.session_config(),
            events: world.events_config("tickets"),
            sellers: tickets::SellerLimits::default(),
        })
        .await
        .unwrap();
        let orders = orders::build(orders::Config {
            base: world.base_config("orders"),
            session: world.session_config(),
            events: world.events_config("orders"),
            order_expiration: hold,
            buyers: orders::BuyerLimits::default(),
        })
        .await
        .unwrap();
        let expiration = expiration::build(expiration::Config {
            base: world.base_config("expiration"),
            events: world.events_config("expiration"),
        })
        .await
        .unwrap();
        let payments = start_payments(&world, &stripe).await;
        Self {
            tickets: RunningService::start(tickets),
            orders: RunningService::start(orders),
            _expiration: RunningService::start(expiration),
            payments,
            stripe,
            world,
        }
    }

    /// Where the running APIs are.
    fn endpoints(&self) -> Endpoints {
        Endpoints {
            tickets: Some(self.tickets.url("")),
            orders: Some(self.orders.url("")),
            payments: Some(self.payments.url("")),
            ..Endpoints::default()
        }
    }

    async fn list_ticket(&self, seller: &TestUser, title: &str) -> String {
        let price = Price::from_cents(2500).unwrap();
        let api = seller.api(self.endpoints());
        api.list_ticket(title, price).await.unwrap().id
    }

    /// Reserves as soon as the orders replica has the ticket; returns the order id.
    async fn reserve(&self, buyer: &TestUser, ticket_id: &str) -> String {
        let api = buyer.api(self.endpoints());
        api.reserve_when_orderable(ticket_id)
            .await
            .unwrap()
            .value
            .id
    }

    /// Pays as soon as the payments replica has the order.
    async fn pay_when_known(
        &self,
        buyer: &TestUser,
        order_id: &str,
        token: &str,
    ) -> reqwest::Response {
        wait_for(
            format!("order {order_id} to reach payments"),
            Duration::from_secs(4),
        )
        .every(Duration::from_millis(20))
        .until_some(|| async {
            let response = pay(&self.payments, buyer, order_id, token).await;
            (response.status() != StatusCode::NOT_FOUND).then_some(response)
        })
        .await
        .unwrap()
    }

    async fn order_status(&self, buyer: &TestUser, order_id: &str) -> String {
        let order: Value = buyer
            .client
            .get(self.orders.url(&format!("/api/orders/{order_id}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        order["status"].as_str().unwrap().to_owned()
    }

    async fn ticket(&self, id: &str) -> Value {
        reqwest::get(self.tickets.url(&format!("/api/tickets/{id}")))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn a_paid_order_completes_and_its_ticket_is_sold_for_good() {
    let system = System::start(Duration::from_secs(900)).await;
    let (seller, buyer) = (system.world.user(), system.world.user());
    let ticket_id = system.list_ticket(&seller, "Concert A").await;
    let order_id = system.reserve(&buyer, &ticket_id).await;

    let paid = system
        .pay_when_known(&buyer, &order_id, "pm_card_visa")
        .await;

    assert_eq!(paid.status(), StatusCode::CREATED);
    let sold = testkit::eventually(Duration::from_secs(10), || async {
        system.order_status(&buyer, &order_id).await == "complete"
            && system.ticket(&ticket_id).await["status"] == "sold"
    })
    .await;
    assert!(sold, "the order completes and the ticket is sold");
    let listing: Vec<Value> = reqwest::get(system.tickets.url("/api/tickets"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        listing
            .iter()
            .all(|ticket| ticket["id"] != ticket_id.as_str())
    );
    let edit = seller
        .client
        .put(system.tickets.url(&format!("/api/tickets/{ticket_id}")))
        .json(&json!({ "title": "Concert A", "price": 5 }))
        .send()
        .await
        .unwrap();
    assert_error(
        edit,
        StatusCode::BAD_REQUEST,
        "Cannot edit a reserved ticket",
    )
    .await;
}

#[tokio::test]
async fn a_declined_card_leaves_the_order_waiting_for_payment() {
    let system = System::start(Duration::from_secs(900)).await;
    let buyer = system.world.user();
    let ticket_id = system.list_ticket(&system.world.user(), "Concert B").await;
    let order_id = system.reserve(&buyer, &ticket_id).await;

    let declined = system
        .pay_when_known(&buyer, &order_id, "pm_card_visa_chargeDeclined")
        .await;

    assert_error(declined, StatusCode::BAD_REQUEST, "Your card was declined.").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(system.order_status(&buyer, &order_id).await, "created");
}

#[tokio::test]
async fn a_lapsed_order_cannot_be_paid() {
    let system = System::start(Duration::from_secs(2)).await;
    let buyer = system.world.user();
    let ticket_id = system.list_ticket(&system.world.user(), "Concert C").await;
    let order_id = system.reserve(&buyer, &ticket_id).await;
    let lapsed = testkit::eventually(Duration::from_secs(10), || async {
        system.order_status(&buyer, &order_id).await == "cancelled"
    })
    .await;
    assert!(lapsed);

    let late = system
        .pay_when_known(&buyer, &order_id, "pm_card_visa")
        .await;

    assert_eq!(late.status(), StatusCode::BAD_REQUEST);
    assert_eq!(ledger_of(&system.stripe, order_id.parse().unwrap()), (0, 0));
}

/// Invariant 4 under a race: with a 1-second hold, 20 buyers pay at about 1 second.
/// Each order must end paid-and-complete (one charge, no refund, ticket sold to it) or
/// cancelled with every charge refunded (ticket not sold to it).
#[tokio::test]
async fn payment_racing_expiry_ends_paid_or_refunded_never_both() {
    const RUNS: usize = 20;
    let system = System::start(Duration::from_secs(1)).await;
    // A slow Stripe keeps charges in flight across the deadline.
    system.stripe.set_latency(Duration::from_millis(150));
    let seller = system.world.user();
    let buyers: Vec<TestUser> = (0..RUNS).map(|_| system.world.user()).collect();
    let mut tickets = Vec::new();
    for n in 0..RUNS {
        tickets.push(system.list_ticket(&seller, &format!("Race {n}")).await);
    }

    let runs = buyers
        .iter()
        .zip(&tickets)
        .enumerate()
        .map(|(n, (buyer, ticket_id))| {
            let system = &system;
            async move {
                let order_id = system.reserve(buyer, ticket_id).await;
                // From 0.7 s to 1.12 s after the reservation, around the deadline.
                tokio::time::sleep(Duration::from_millis(700 + 22 * n as u64)).await;
                let response = pay(&system.payments, buyer, &order_id, "pm_card_visa").await;
                assert!(!response.status().is_server_error());
                order_id
            }
        });
    let orders = futures::future::join_all(runs).await;

    let mut outcomes = std::collections::BTreeMap::<String, usize>::new();
    for ((order_id, buyer), ticket_id) in orders.iter().zip(&buyers).zip(&tickets) {
        let settled = testkit::eventually(Duration::from_secs(15), || async {
            let (charges, refunds) = ledger_of(&system.stripe, order_id.parse().unwrap());
            let ticket = system.ticket(ticket_id).await;
            match system.order_status(buyer, order_id).await.as_str() {
                "complete" => {
                    charges == 1
                        && refunds == 0
                        && ticket["status"] == "sold"
                        && ticket["orderId"] == order_id.as_str()
                }
                "cancelled" => charges == refunds && ticket["status"] != "sold",
                _ => false,
            }
        })
        .await;
        let (charges, refunds) = ledger_of(&system.stripe, order_id.parse().unwrap());
        assert!(
            settled,
            "order {order_id}: {} with {charges} charge(s), {refunds} refund(s), ticket {}",
            system.order_status(buyer, order_id).await,
            system.ticket(ticket_id).await
        );
        let outcome = format!(
            "{} ({charges} charge, {refunds} refund)",
            system.order_status(buyer, order_id).await
        );
        *outcomes.entry(outcome).or_default() += 1;
    }
    eprintln!("payment racing expiry: {outcomes:?}");
}
