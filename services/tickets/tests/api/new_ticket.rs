use std::time::Duration;

use marketplace::events::TicketCreated;
use reqwest::StatusCode;
use serde_json::json;

use testkit::{assert_error, errors_of};

use crate::helpers::TestApp;

#[tokio::test]
async fn a_signed_in_user_lists_a_ticket_and_ticket_created_is_published() {
    let app = TestApp::spawn().await;
    let seller = app.user();

    let response = app
        .post_ticket(&seller, &json!({ "title": "  Concert A ", "price": 25.5 }))
        .await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let ticket: serde_json::Value = response.json().await.unwrap();
    assert_eq!(ticket["title"], "Concert A");
    assert_eq!(ticket["price"], 25.5);
    assert_eq!(ticket["userId"], seller.id.as_str());
    assert_eq!(ticket["version"], 0);
    assert_eq!(ticket["status"], "available");
    assert_eq!(ticket["id"].as_str().unwrap().len(), 24);
    assert!(
        testkit::eventually(Duration::from_secs(5), || async {
            testkit::published::<TicketCreated>(&app.bus).await.len() == 1
        })
        .await
    );
    let event = &testkit::published::<TicketCreated>(&app.bus).await[0];
    assert_eq!(event.id.to_hex(), ticket["id"].as_str().unwrap());
    assert_eq!((event.version, event.price.cents()), (0, 2550));
    assert_eq!(event.user_id.to_hex(), seller.id);
}

#[tokio::test]
async fn listing_a_ticket_needs_a_session() {
    let app = TestApp::spawn().await;

    let response = reqwest::Client::new()
        .post(app.url("/api/tickets"))
        .json(&json!({ "title": "Concert", "price": 10 }))
        .send()
        .await
        .unwrap();

    assert_error(response, StatusCode::UNAUTHORIZED, "Not authorized").await;
}

#[tokio::test]
async fn an_empty_title_is_refused() {
    let app = TestApp::spawn().await;
    let seller = app.user();

    for title in [json!(""), json!("   "), json!(null), json!(7)] {
        let response = app
            .post_ticket(&seller, &json!({ "title": title, "price": 10 }))
            .await;
        let errors = errors_of(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(
            errors,
            [json!({ "message": "Title is required", "field": "title" })]
        );
    }
}

#[tokio::test]
async fn a_missing_zero_negative_or_fractional_cent_price_is_refused() {
    let app = TestApp::spawn().await;
    let seller = app.user();

    for (price, message) in [
        (json!(null), "Price is required"),
        (json!(0), "Price must be greater than 0"),
        (json!(-10), "Price must be greater than 0"),
        (json!(10.001), "Price must have at most 2 decimal places"),
        (json!(1e12), "Price must be at most 1000000"),
        (json!("10"), "Price must be a number"),
    ] {
        let response = app
            .post_ticket(&seller, &json!({ "title": "Concert", "price": price }))
            .await;
        let errors = errors_of(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(
            errors,
            [json!({ "message": message, "field": "price" })],
            "price {price}"
        );
    }
    assert!(app.listing().await.is_empty(), "nothing was written");
}
