//! Locks lapse: orders, tickets and expiration, all real, talking over NATS.

use std::time::Duration;

use marketplace::money::Price;
use reqwest::StatusCode;
use serde_json::{Value, json};
use testkit::{RunningService, World, api::Endpoints};
use time::OffsetDateTime;

use crate::helpers::start_expiration;

async fn start_tickets(world: &World) -> RunningService {
    let config = tickets::Config {
        base: world.base_config("tickets"),
        session: world.session_config(),
        events: world.events_config("tickets"),
        sellers: tickets::SellerLimits::default(),
    };
    RunningService::start(tickets::build(config).await.expect("build tickets"))
}

async fn start_orders(world: &World, hold: Duration) -> RunningService {
    let config = orders::Config {
        base: world.base_config("orders"),
        session: world.session_config(),
        events: world.events_config("orders"),
        order_expiration: hold,
        buyers: orders::BuyerLimits::default(),
    };
    RunningService::start(orders::build(config).await.expect("build orders"))
}

#[tokio::test]
async fn an_unpaid_order_lapses_and_its_ticket_is_for_sale_and_editable_again() {
    let world = World::new();
    let tickets = start_tickets(&world).await;
    let orders = start_orders(&world, Duration::from_secs(2)).await;
    let _expiration = start_expiration(&world).await;
    let (seller, buyer) = (world.user(), world.user());
    let endpoints = Endpoints {
        tickets: Some(tickets.url("")),
        orders: Some(orders.url("")),
        ..Endpoints::default()
    };
    let ticket_id = seller
        .api(endpoints.clone())
        .list_ticket("Concert", Price::from_cents(2000).unwrap())
        .await
        .unwrap()
        .id;
    let order = buyer
        .api(endpoints)
        .reserve_when_orderable(&ticket_id)
        .await
        .unwrap()
        .value;
    let (order_id, expires_at) = (order.id, order.expires_at);

    let listed = async || {
        let listing: Vec<Value> = reqwest::get(tickets.url("/api/tickets"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        listing
            .iter()
            .any(|listed| listed["id"] == ticket_id.as_str())
    };
    let locked = testkit::eventually(Duration::from_secs(5), async || !listed().await).await;
    assert!(locked, "the reserved ticket leaves the listing");

    let released = testkit::eventually(Duration::from_secs(10), listed).await;
    let delay = OffsetDateTime::now_utc() - expires_at;

    assert!(released, "the ticket is listed again");
    eprintln!("ticket listed again {delay} after expiresAt");
    assert!(
        delay <= time::Duration::seconds(2),
        "released {delay} after expiresAt"
    );
    let status: Value = buyer
        .client
        .get(orders.url(&format!("/api/orders/{order_id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["status"], "cancelled");
    let edit = seller
        .client
        .put(tickets.url(&format!("/api/tickets/{ticket_id}")))
        .json(&json!({ "title": "Concert", "price": 15 }))
        .send()
        .await
        .unwrap();
    assert_eq!(edit.status(), StatusCode::OK, "the seller can edit again");
}
