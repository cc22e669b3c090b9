use marketplace::events::OrderCancelled;
use reqwest::StatusCode;
use serde_json::Value;
use testkit::{ListPage, assert_error, assert_field_error, assert_published, errors_of};

use crate::helpers::TestApp;

#[tokio::test]
async fn a_buyer_lists_only_their_own_orders_newest_first() {
    let app = TestApp::spawn().await;
    let (ann, bob) = (app.user(), app.user());
    let first = app.create_order(&ann, &app.seed_ticket(1000).await).await;
    let second = app.create_order(&ann, &app.seed_ticket(2000).await).await;
    app.create_order(&bob, &app.seed_ticket(3000).await).await;

    let orders: Vec<Value> = ann
        .client
        .get(app.url("/api/orders"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    let ids: Vec<_> = orders.iter().map(|order| order["id"].clone()).collect();
    assert_eq!(ids, [second["id"].clone(), first["id"].clone()]);
    assert_eq!(orders[1]["ticket"]["price"], 10);
}

#[tokio::test]
async fn a_buyers_orders_come_a_page_at_a_time_with_links_both_ways() {
    let app = TestApp::spawn().await;
    let buyer = app.user();
    let mut ids = Vec::new();
    for price in [1000, 2000, 3000, 4000, 5000] {
        let order = app
            .create_order(&buyer, &app.seed_ticket(price).await)
            .await;
        ids.push(order["id"].as_str().unwrap().to_owned());
    }
    ids.reverse();
    let (app, buyer) = (&app, &buyer);
    let page = |query: String| async move {
        let page = ListPage::get(&buyer.client, app.url(&format!("/api/orders?{query}"))).await;
        let ids: Vec<String> = page.each("id").into_iter().map(str::to_owned).collect();
        (ids, page.next, page.previous)
    };

    let (first, next, previous) = page("limit=2".into()).await;
    assert_eq!((first.as_slice(), previous), (&ids[0..2], None));
    let (second, next, _) = page(format!("limit=2&cursor={}", next.unwrap())).await;
    assert_eq!(second, ids[2..4]);
    let (last, none, back) = page(format!("limit=2&cursor={}", next.unwrap())).await;
    assert_eq!((last.as_slice(), none), (&ids[4..], None));
    let (again, _, _) = page(format!("limit=2&cursor={}", back.unwrap())).await;
    assert_eq!(again, ids[2..4], "prev leads back a page");

    let response = buyer
        .client
        .get(app.url("/api/orders?limit=101"))
        .send()
        .await
        .unwrap();
    assert_field_error(
        response,
        StatusCode::BAD_REQUEST,
        "limit",
        "limit must be a whole number from 1 to 100",
    )
    .await;
}

#[tokio::test]
async fn listing_orders_needs_a_session() {
    let app = TestApp::spawn().await;

    let response = reqwest::get(app.url("/api/orders")).await.unwrap();

    assert_error(response, StatusCode::UNAUTHORIZED, "Not authorized").await;
}

#[tokio::test]
async fn a_buyer_sees_their_order_and_nobody_else_does() {
    let app = TestApp::spawn().await;
    let buyer = app.user();
    let order = app.create_order(&buyer, &app.seed_ticket(1000).await).await;
    let id = order["id"].as_str().unwrap();

    let own = app.order(&buyer, id).await;
    let other = app.order(&app.user(), id).await;

    assert_eq!(own.status(), StatusCode::OK);
    assert_eq!(own.json::<Value>().await.unwrap(), order);
    assert_error(other, StatusCode::UNAUTHORIZED, "Not authorized").await;
}

#[tokio::test]
async fn unknown_and_invalid_order_ids_are_404_and_400() {
    let app = TestApp::spawn().await;
    let buyer = app.user();

    let unknown = app.order(&buyer, "5f0000000000000000000000").await;
    let invalid = app.order(&buyer, "not-an-id").await;
    let cancel_invalid = app.cancel(&buyer, "not-an-id").await;

    assert_error(unknown, StatusCode::NOT_FOUND, "Not Found").await;
    assert_eq!(
        errors_of(invalid, StatusCode::BAD_REQUEST).await[0]["field"],
        "id"
    );
    assert_eq!(
        errors_of(cancel_invalid, StatusCode::BAD_REQUEST).await[0]["field"],
        "id"
    );
}

#[tokio::test]
async fn cancelling_frees_the_ticket_and_announces_it_once() {
    let app = TestApp::spawn().await;
    let buyer = app.user();
    let ticket_id = app.seed_ticket(1000).await;
    let order = app.create_order(&buyer, &ticket_id).await;
    let id = order["id"].as_str().unwrap();

    let response = app.cancel(&buyer, id).await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.order_status(&buyer, id).await, "cancelled");
    assert_eq!(
        app.cancel(&buyer, id).await.status(),
        StatusCode::NO_CONTENT,
        "idempotent"
    );
    let events = assert_published::<OrderCancelled>(&app.bus, 1).await;
    assert_eq!((events[0].id.to_hex().as_str(), events[0].version), (id, 1));
    assert_eq!(events[0].ticket.id.to_hex(), ticket_id);
    let next = app.reserve(&app.user(), &ticket_id).await;
    assert_eq!(
        next.status(),
        StatusCode::CREATED,
        "the ticket is free again"
    );
}

#[tokio::test]
async fn only_the_buyer_can_cancel() {
    let app = TestApp::spawn().await;
    let order = app
        .create_order(&app.user(), &app.seed_ticket(1000).await)
        .await;
    let id = order["id"].as_str().unwrap();

    let anonymous = reqwest::Client::new()
        .delete(app.url(&format!("/api/orders/{id}")))
        .send()
        .await
        .unwrap();
    let someone_else = app.cancel(&app.user(), id).await;
    let unknown = app.cancel(&app.user(), "5f0000000000000000000000").await;

    assert_error(anonymous, StatusCode::UNAUTHORIZED, "Not authorized").await;
    assert_error(someone_else, StatusCode::UNAUTHORIZED, "Not authorized").await;
    assert_error(unknown, StatusCode::NOT_FOUND, "Not Found").await;
}
