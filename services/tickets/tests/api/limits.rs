//! What one seller may do: list so many tickets a minute, and have so many unsold at
//! once, counted in the database so that every replica enforces the same limit.

use std::num::NonZeroU32;

use futures::future::join_all;
use marketplace::events::OrderCompleted;
use mongodb::bson::doc;
use reqwest::StatusCode;
use serde_json::json;
use testkit::{TestUser, World, assert_error, assert_throttled};
use tickets::SellerLimits;

use crate::helpers::{Reserved, TestApp, no_seller_limits, ticket_ref};

const LISTED_TOO_FAST: &str = "tickets listed in a minute";

fn at_most(limit: u32) -> NonZeroU32 {
    NonZeroU32::new(limit).unwrap()
}

fn listing_rate(per_minute: u32) -> SellerLimits {
    SellerLimits {
        listed_per_minute: at_most(per_minute),
        ..no_seller_limits()
    }
}

fn most_for_sale(most: u32) -> SellerLimits {
    SellerLimits {
        most_for_sale: NonZeroU32::new(most),
        ..no_seller_limits()
    }
}

fn for_sale_refusal(most: u32) -> String {
    format!(
        "You already have {most} tickets listed that have not sold, the most one seller may have at once; list more once some have sold"
    )
}

/// Two replicas of the service on one database.
async fn two_replicas(limits: SellerLimits) -> (TestApp, TestApp) {
    let world = World::new();
    let one = TestApp::with_sellers(world.clone(), limits).await;
    (one, TestApp::with_sellers(world, limits).await)
}

/// The order that holds the ticket pays: the ticket is sold.
async fn sell(app: &TestApp, Reserved { ticket, id, order }: &Reserved) {
    app.publish(&OrderCompleted {
        id: order.parse().unwrap(),
        version: 1,
        ticket: ticket_ref(ticket),
    })
    .await;
    app.wait_for_status(id, "sold").await;
}

async fn list(app: &TestApp, seller: &TestUser) -> reqwest::Response {
    app.post_ticket(seller, &json!({ "title": "Concert", "price": 20 }))
        .await
}

#[tokio::test]
async fn a_seller_lists_their_allowance_in_a_minute_and_the_next_one_is_a_429() {
    let app = TestApp::with_sellers(World::new(), listing_rate(3)).await;
    let seller = app.user();

    for _ in 0..3 {
        assert_eq!(list(&app, &seller).await.status(), StatusCode::CREATED);
    }
    assert_throttled(list(&app, &seller).await, LISTED_TOO_FAST).await;

    assert_eq!(
        app.listing().await.len(),
        3,
        "the refused one was not listed"
    );
    let other_seller = app.user();
    assert_eq!(
        list(&app, &other_seller).await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_refused_form_does_not_use_up_the_allowance() {
    let app = TestApp::with_sellers(World::new(), listing_rate(2)).await;
    let seller = app.user();

    for _ in 0..3 {
        let response = app
            .post_ticket(&seller, &json!({ "title": "", "price": 20 }))
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }

    for _ in 0..2 {
        assert_eq!(list(&app, &seller).await.status(), StatusCode::CREATED);
    }
    assert_throttled(list(&app, &seller).await, LISTED_TOO_FAST).await;
}

#[tokio::test]
async fn two_replicas_share_one_sellers_allowance() {
    let (one, other) = two_replicas(listing_rate(3)).await;
    let seller = one.user();

    for replica in [&one, &other, &one] {
        assert_eq!(list(replica, &seller).await.status(), StatusCode::CREATED);
    }

    assert_throttled(list(&other, &seller).await, LISTED_TOO_FAST).await;
    assert_throttled(list(&one, &seller).await, LISTED_TOO_FAST).await;
}

#[tokio::test]
async fn a_seller_with_the_most_unsold_tickets_gets_a_400_until_one_sells() {
    let app = TestApp::with_sellers(World::new(), most_for_sale(3)).await;
    let seller = app.user();
    let reserved = app.reserved_ticket(&seller).await;
    for _ in 0..2 {
        assert_eq!(list(&app, &seller).await.status(), StatusCode::CREATED);
    }

    // The reserved ticket counts: if its order lapses, it is for sale again.
    let refused = list(&app, &seller).await;
    assert_error(refused, StatusCode::BAD_REQUEST, &for_sale_refusal(3)).await;
    assert_eq!(
        list(&app, &app.user()).await.status(),
        StatusCode::CREATED,
        "another seller is not affected"
    );

    sell(&app, &reserved).await;
    assert_eq!(list(&app, &seller).await.status(), StatusCode::CREATED);
    let refused = list(&app, &seller).await;
    assert_error(refused, StatusCode::BAD_REQUEST, &for_sale_refusal(3)).await;
}

#[tokio::test]
async fn concurrent_listings_by_one_seller_never_pass_the_most_for_sale() {
    let (one, other) = two_replicas(most_for_sale(4)).await;
    let seller = one.user();

    let attempts = (0..16).map(|n| list(if n % 2 == 0 { &one } else { &other }, &seller));
    let responses = join_all(attempts).await;

    let (listed, refused): (Vec<_>, Vec<_>) = responses
        .into_iter()
        .partition(|response| response.status() == StatusCode::CREATED);
    assert_eq!(listed.len(), 4);
    for response in refused {
        assert_error(response, StatusCode::BAD_REQUEST, &for_sale_refusal(4)).await;
    }
    assert_eq!(one.listing().await.len(), 4);
}

#[tokio::test]
async fn the_count_of_a_sellers_unsold_tickets_is_read_from_an_index() {
    let app = TestApp::spawn().await;
    let database = app.world.database("tickets").await;
    let seller = app.user();
    for _ in 0..3 {
        app.create_ticket(&seller, "Mine", 20.0).await;
    }
    for _ in 0..3 {
        let reserved = app.reserved_ticket(&seller).await;
        sell(&app, &reserved).await;
    }
    let others = app.user();
    for _ in 0..20 {
        app.create_ticket(&others, "Someone else's", 20.0).await;
    }

    // The count runs this filter as its `$match`, planned as a find's would be.
    let count = doc! {
        "find": "tickets",
        "filter": { "userId": &seller.id, "sold": false },
    };
    let plan = testkit::query_plan::explain_unlimited_find(&database, "tickets", &count).await;

    assert_eq!(plan.scans, ["IXSCAN"], "{plan:?}");
    assert!(
        plan.keys_examined <= 4 && plan.docs_examined <= 3,
        "counting 3 unsold of 26 tickets, 6 of them the seller's, read {plan:?}"
    );
}
