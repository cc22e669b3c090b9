use std::time::Duration;

use marketplace::{events::OrderCreated, order::OrderStatus};
use reqwest::StatusCode;
use serde_json::{Value, json};
use testkit::{assert_error, assert_published, errors_of};
use time::OffsetDateTime;

use crate::helpers::TestApp;

#[tokio::test]
async fn reserving_a_ticket_creates_an_order_that_expires_and_announces_it() {
    let app = TestApp::spawn().await;
    let ticket_id = app.seed_ticket(2550).await;
    let buyer = app.user();
    let before = OffsetDateTime::now_utc();

    let response = app.reserve(&buyer, &ticket_id).await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let order: Value = response.json().await.unwrap();
    assert_eq!(order["status"], "created");
    assert_eq!(order["userId"], buyer.id.as_str());
    assert_eq!(order["version"], 0);
    assert_eq!(
        order["ticket"],
        json!({ "id": ticket_id, "title": "Concert", "price": 25.5 })
    );
    let expires_at = OffsetDateTime::parse(
        order["expiresAt"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let hold = expires_at - before;
    assert!(
        hold > time::Duration::seconds(899) && hold < time::Duration::seconds(905),
        "{hold}"
    );

    let events = assert_published::<OrderCreated>(&app.bus, 1).await;
    assert_eq!(events[0].id.to_hex(), order["id"].as_str().unwrap());
    assert_eq!(events[0].status, OrderStatus::Created);
    assert_eq!(events[0].ticket.price.cents(), 2550);
    assert_eq!(events[0].user_id.to_hex(), buyer.id);
}

#[tokio::test]
async fn reserving_needs_a_session() {
    let app = TestApp::spawn().await;
    let ticket_id = app.seed_ticket(1000).await;

    let response = reqwest::Client::new()
        .post(app.url("/api/orders"))
        .json(&json!({ "ticketId": ticket_id }))
        .send()
        .await
        .unwrap();

    assert_error(response, StatusCode::UNAUTHORIZED, "Not authorized").await;
}

#[tokio::test]
async fn a_missing_or_invalid_ticket_id_is_a_400() {
    let app = TestApp::spawn().await;
    let buyer = app.user();

    for body in [
        json!({}),
        json!({ "ticketId": 5 }),
        json!({ "ticketId": "nope" }),
    ] {
        let response = buyer
            .client
            .post(app.url("/api/orders"))
            .json(&body)
            .send()
            .await
            .unwrap();
        let errors = errors_of(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(errors[0]["field"], "ticketId", "{body}");
    }
}

#[tokio::test]
async fn reserving_an_unknown_ticket_is_a_404() {
    let app = TestApp::spawn().await;

    let response = app.reserve(&app.user(), "5f0000000000000000000000").await;

    assert_error(response, StatusCode::NOT_FOUND, "Not Found").await;
}

#[tokio::test]
async fn reserving_a_reserved_ticket_is_refused() {
    let app = TestApp::spawn().await;
    let ticket_id = app.seed_ticket(1000).await;
    app.create_order(&app.user(), &ticket_id).await;

    let response = app.reserve(&app.user(), &ticket_id).await;

    assert_error(
        response,
        StatusCode::BAD_REQUEST,
        "Ticket is already reserved",
    )
    .await;
    assert_published::<OrderCreated>(&app.bus, 1).await;
}

#[tokio::test]
async fn a_seller_cannot_buy_their_own_ticket() {
    let app = TestApp::spawn().await;
    let ticket_id = app.seed_ticket(1000).await;
    let seller_id = app
        .replica(&ticket_id)
        .await
        .unwrap()
        .get_str("userId")
        .unwrap()
        .to_owned();
    let seller = testkit::TestUser::signed_in_as(testkit::JWT_KEY, &seller_id);

    let response = app.reserve(&seller, &ticket_id).await;

    assert_error(
        response,
        StatusCode::BAD_REQUEST,
        "You cannot buy your own ticket",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        testkit::published::<OrderCreated>(&app.bus)
            .await
            .is_empty()
    );
}
