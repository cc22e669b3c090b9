//! Tickets and orders, both real, talking over NATS.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use testkit::{RunningService, TestUser, World, assert_error};

use crate::helpers::TestApp as OrdersApp;

struct TicketsApp(RunningService);

impl TicketsApp {
    async fn spawn(world: &World) -> Self {
        let config = tickets::Config {
            base: world.base_config("tickets"),
            session: world.session_config(),
            events: world.events_config("tickets"),
            sellers: tickets::SellerLimits::default(),
        };
        Self(RunningService::start(
            tickets::build(config).await.expect("build tickets"),
        ))
    }

    fn url(&self, path: &str) -> String {
        self.0.url(path)
    }

    async fn listing_ids(&self) -> Vec<String> {
        let listing: Vec<Value> = reqwest::get(self.url("/api/tickets"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        listing
            .iter()
            .map(|ticket| ticket["id"].as_str().unwrap().to_owned())
            .collect()
    }

    async fn edit(&self, seller: &TestUser, id: &str, price: f64) -> reqwest::Response {
        seller
            .client
            .put(self.url(&format!("/api/tickets/{id}")))
            .json(&json!({ "title": "Concert A", "price": price }))
            .send()
            .await
            .unwrap()
    }
}

async fn until(what: &str, condition: impl AsyncFn() -> bool) {
    let held = testkit::eventually(Duration::from_secs(10), || condition()).await;
    assert!(held, "timed out waiting until {what}");
}

#[tokio::test]
async fn a_ticket_travels_from_listing_to_lock_to_release_to_new_price() {
    let world = World::new();
    let tickets = TicketsApp::spawn(&world).await;
    let orders = OrdersApp::spawn_in(world.clone(), Duration::from_secs(900)).await;
    let (seller, buyer) = (world.user(), world.user());

    // A created ticket reaches the orders replica.
    let ticket: Value = seller
        .client
        .post(tickets.url("/api/tickets"))
        .json(&json!({ "title": "Concert A", "price": 25 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = ticket["id"].as_str().unwrap().to_owned();
    until("the replica has the ticket", async || {
        orders.replica(&id).await.is_some()
    })
    .await;

    // Reserving it takes it out of the listing, and the seller can no longer edit it.
    let order = orders.create_order(&buyer, &id).await;
    until("the ticket leaves the listing", async || {
        !tickets.listing_ids().await.contains(&id)
    })
    .await;
    let refused = tickets.edit(&seller, &id, 10.0).await;
    assert_error(
        refused,
        StatusCode::BAD_REQUEST,
        "Cannot edit a reserved ticket",
    )
    .await;

    // Cancelling brings it back and the seller can edit again.
    let cancelled = orders.cancel(&buyer, order["id"].as_str().unwrap()).await;
    assert_eq!(cancelled.status(), StatusCode::NO_CONTENT);
    until("the ticket is listed again", async || {
        tickets.listing_ids().await.contains(&id)
    })
    .await;
    let edited = tickets.edit(&seller, &id, 30.0).await;
    assert_eq!(edited.status(), StatusCode::OK);

    // The new price reaches the replica, and a new order carries it.
    until("the replica has the new price", async || {
        orders
            .replica(&id)
            .await
            .is_some_and(|replica| replica.get_i64("price") == Ok(3000))
    })
    .await;
    let second = orders.create_order(&world.user(), &id).await;
    assert_eq!(second["ticket"]["price"], 30);
}
