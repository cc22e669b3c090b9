//! What one buyer may do: place so many orders a minute, and hold so many unpaid at
//! once, counted in the database so that every replica enforces the same limit.

use std::{num::NonZeroU32, time::Duration};

use futures::future::join_all;
use mongodb::bson::doc;
use orders::BuyerLimits;
use reqwest::{Response, StatusCode};
use testkit::{TestUser, World, assert_error, assert_throttled};

use crate::helpers::{TestApp, no_buyer_limits};

const PLACED_TOO_FAST: &str = "orders placed in a minute";

const HOLD: Duration = Duration::from_secs(900);

fn order_rate(per_minute: u32) -> BuyerLimits {
    BuyerLimits {
        orders_per_minute: NonZeroU32::new(per_minute).unwrap(),
        ..no_buyer_limits()
    }
}

fn most_unpaid(most: u32) -> BuyerLimits {
    BuyerLimits {
        most_unpaid: NonZeroU32::new(most),
        ..no_buyer_limits()
    }
}

fn unpaid_refusal(most: u32) -> String {
    format!(
        "You already hold {most} unpaid orders, the most one buyer may hold at once; pay for or cancel one before reserving another"
    )
}

async fn spawn(limits: BuyerLimits) -> TestApp {
    TestApp::with_buyers(World::new(), HOLD, limits).await
}

/// Two replicas of the service on one database.
async fn two_replicas(limits: BuyerLimits) -> (TestApp, TestApp) {
    let world = World::new();
    let one = TestApp::with_buyers(world.clone(), HOLD, limits).await;
    (one, TestApp::with_buyers(world, HOLD, limits).await)
}

/// `buyer` reserves every one of `tickets` at once, on alternating replicas: the
/// answers that reserved, and those that were refused.
async fn reserve_at_once(
    (one, other): (&TestApp, &TestApp),
    buyer: &TestUser,
    tickets: &[String],
) -> (Vec<Response>, Vec<Response>) {
    let attempts = tickets.iter().enumerate().map(|(n, ticket)| {
        let replica = if n % 2 == 0 { one } else { other };
        replica.reserve(buyer, ticket)
    });
    join_all(attempts)
        .await
        .into_iter()
        .partition(|response| response.status() == StatusCode::CREATED)
}

async fn assert_reserved(app: &TestApp, buyer: &TestUser, ticket: &str) {
    assert_eq!(
        app.reserve(buyer, ticket).await.status(),
        StatusCode::CREATED
    );
}

/// `count` tickets for sale, each in the replica.
async fn tickets(app: &TestApp, count: usize) -> Vec<String> {
    join_all((0..count).map(|_| app.seed_ticket(1000))).await
}

#[tokio::test]
async fn a_buyer_places_their_allowance_in_a_minute_and_the_next_one_is_a_429() {
    let app = spawn(order_rate(3)).await;
    let buyer = app.user();
    let tickets = tickets(&app, 5).await;

    for ticket in &tickets[..3] {
        assert_reserved(&app, &buyer, ticket).await;
    }
    assert_throttled(app.reserve(&buyer, &tickets[3]).await, PLACED_TOO_FAST).await;

    let other_buyer = app.user();
    let response = app.reserve(&other_buyer, &tickets[3]).await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "the refused one reserved nothing"
    );
}

#[tokio::test]
async fn a_malformed_ticket_id_does_not_use_up_the_allowance() {
    let app = spawn(order_rate(2)).await;
    let buyer = app.user();
    let tickets = tickets(&app, 3).await;

    for _ in 0..3 {
        let response = app.reserve(&buyer, "not-an-id").await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }

    for ticket in &tickets[..2] {
        assert_reserved(&app, &buyer, ticket).await;
    }
    assert_throttled(app.reserve(&buyer, &tickets[2]).await, PLACED_TOO_FAST).await;
}

#[tokio::test]
async fn two_replicas_share_one_buyers_allowance() {
    let (one, other) = two_replicas(order_rate(3)).await;
    let buyer = one.user();
    let tickets = tickets(&one, 5).await;

    for (replica, ticket) in [&one, &other, &one].into_iter().zip(&tickets) {
        assert_reserved(replica, &buyer, ticket).await;
    }

    assert_throttled(other.reserve(&buyer, &tickets[3]).await, PLACED_TOO_FAST).await;
    assert_throttled(one.reserve(&buyer, &tickets[4]).await, PLACED_TOO_FAST).await;
}

#[tokio::test]
async fn concurrent_reservations_on_two_replicas_let_exactly_the_allowance_through() {
    let (one, other) = two_replicas(order_rate(4)).await;
    let buyer = one.user();
    let tickets = tickets(&one, 9).await;
    // The buyer's window exists before the race: this one opens it.
    assert_reserved(&one, &buyer, &tickets[0]).await;

    let (reserved, refused) = reserve_at_once((&one, &other), &buyer, &tickets[1..]).await;

    assert_eq!(reserved.len(), 3);
    for response in refused {
        assert_throttled(response, PLACED_TOO_FAST).await;
    }
}

#[tokio::test]
async fn a_buyer_holding_the_most_unpaid_orders_gets_a_400_until_one_is_cancelled() {
    let app = spawn(most_unpaid(2)).await;
    let buyer = app.user();
    let tickets = tickets(&app, 4).await;
    let first = app.create_order(&buyer, &tickets[0]).await;
    app.create_order(&buyer, &tickets[1]).await;

    let refused = app.reserve(&buyer, &tickets[2]).await;
    assert_error(refused, StatusCode::BAD_REQUEST, &unpaid_refusal(2)).await;
    let other_buyer = app.user();
    assert_eq!(
        app.reserve(&other_buyer, &tickets[3]).await.status(),
        StatusCode::CREATED,
        "another buyer is not affected"
    );

    let cancelled = app.cancel(&buyer, first["id"].as_str().unwrap()).await;
    assert!(cancelled.status().is_success());
    assert_reserved(&app, &buyer, &tickets[2]).await;
    let refused = app.reserve(&buyer, &tickets[0]).await;
    assert_error(refused, StatusCode::BAD_REQUEST, &unpaid_refusal(2)).await;
}

#[tokio::test]
async fn concurrent_reservations_by_one_buyer_never_pass_the_most_unpaid() {
    let (one, other) = two_replicas(most_unpaid(3)).await;
    let buyer = one.user();
    let tickets = tickets(&one, 12).await;

    let (reserved, refused) = reserve_at_once((&one, &other), &buyer, &tickets).await;

    assert_eq!(reserved.len(), 3);
    for response in refused {
        assert_error(response, StatusCode::BAD_REQUEST, &unpaid_refusal(3)).await;
    }
    let stored = one.world.database("orders").await;
    let held = stored
        .collection::<mongodb::bson::Document>("orders")
        .count_documents(doc! { "userId": &buyer.id })
        .await
        .unwrap();
    assert_eq!(held, 3);
}

#[tokio::test]
async fn the_count_of_a_buyers_unpaid_orders_is_read_from_an_index() {
    let app = spawn(no_buyer_limits()).await;
    let database = app.world.database("orders").await;
    let buyer = app.user();
    let tickets = tickets(&app, 25).await;
    for ticket in &tickets[..3] {
        let order = app.create_order(&buyer, ticket).await;
        app.cancel(&buyer, order["id"].as_str().unwrap()).await;
    }
    for ticket in &tickets[3..5] {
        app.create_order(&buyer, ticket).await;
    }
    let other_buyer = app.user();
    for ticket in &tickets[5..] {
        app.create_order(&other_buyer, ticket).await;
    }

    // The count runs this filter as its `$match`, planned as a find's would be.
    let count = doc! {
        "find": "orders",
        "filter": {
            "userId": &buyer.id,
            "status": { "$in": ["created", "awaiting:payment"] },
        },
    };
    let plan = testkit::query_plan::explain_unlimited_find(&database, "orders", &count).await;

    assert_eq!(plan.scans, ["IXSCAN"], "{plan:?}");
    assert!(
        plan.docs_examined <= 2,
        "counting 2 unpaid of 25 orders, 5 of them the buyer's, read {plan:?}"
    );
}
