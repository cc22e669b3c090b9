use std::time::Duration;

use marketplace::events::TicketUpdated;
use reqwest::StatusCode;
use serde_json::json;

use testkit::{assert_error, errors_of};

use crate::helpers::TestApp;

#[tokio::test]
async fn the_seller_edits_title_and_price_and_ticket_updated_is_published() {
    let app = TestApp::spawn().await;
    let seller = app.user();
    let ticket = app.create_ticket(&seller, "Concert", 20.0).await;
    let id = ticket["id"].as_str().unwrap();

    let response = app
        .update_ticket(
            &seller,
            id,
            &json!({ "title": "Concert (front row)", "price": 30 }),
        )
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    let updated: serde_json::Value = response.json().await.unwrap();
    assert_eq!(updated["title"], "Concert (front row)");
    assert_eq!(updated["price"], 30);
    assert_eq!(updated["version"], 1);
    assert_eq!(app.ticket(id).await, updated);
    assert!(
        testkit::eventually(Duration::from_secs(5), || async {
            testkit::published::<TicketUpdated>(&app.bus).await.len() == 1
        })
        .await
    );
    let event = &testkit::published::<TicketUpdated>(&app.bus).await[0];
    assert_eq!((event.version, event.price.cents()), (1, 3000));
    assert_eq!(event.title, "Concert (front row)");
    assert_eq!(event.order_id, None);
}

#[tokio::test]
async fn editing_needs_a_session_and_the_ownership() {
    let app = TestApp::spawn().await;
    let ticket = app.create_ticket(&app.user(), "Concert", 20.0).await;
    let id = ticket["id"].as_str().unwrap();
    let body = json!({ "title": "Mine now", "price": 1 });

    let anonymous = reqwest::Client::new()
        .put(app.url(&format!("/api/tickets/{id}")))
        .json(&body)
        .send()
        .await
        .unwrap();
    let someone_else = app.update_ticket(&app.user(), id, &body).await;

    assert_error(anonymous, StatusCode::UNAUTHORIZED, "Not authorized").await;
    assert_error(someone_else, StatusCode::UNAUTHORIZED, "Not authorized").await;
    assert_eq!(app.ticket(id).await, ticket, "unchanged");
}

#[tokio::test]
async fn editing_an_unknown_ticket_is_a_404() {
    let app = TestApp::spawn().await;

    let response = app
        .update_ticket(
            &app.user(),
            "5f0000000000000000000000",
            &json!({ "title": "x", "price": 1 }),
        )
        .await;

    assert_error(response, StatusCode::NOT_FOUND, "Not Found").await;
}

#[tokio::test]
async fn an_invalid_edit_is_a_400_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let seller = app.user();
    let ticket = app.create_ticket(&seller, "Concert", 20.0).await;
    let id = ticket["id"].as_str().unwrap();

    let response = app
        .update_ticket(&seller, id, &json!({ "title": "", "price": -1 }))
        .await;

    let errors = errors_of(response, StatusCode::BAD_REQUEST).await;
    let fields: Vec<_> = errors.iter().map(|error| error["field"].clone()).collect();
    assert_eq!(fields, ["title", "price"]);
    assert_eq!(app.ticket(id).await, ticket);
}

#[tokio::test]
async fn a_reserved_ticket_cannot_be_edited() {
    let app = TestApp::spawn().await;
    let seller = app.user();
    let id = app.reserved_ticket(&seller).await.id;
    let id = id.as_str();

    let response = app
        .update_ticket(&seller, id, &json!({ "title": "Cheaper", "price": 1 }))
        .await;

    assert_error(
        response,
        StatusCode::BAD_REQUEST,
        "Cannot edit a reserved ticket",
    )
    .await;
    let current = app.ticket(id).await;
    assert_eq!(
        (current["title"].clone(), current["price"].clone()),
        (json!("Concert"), json!(20))
    );
}
