use reqwest::StatusCode;

use testkit::{assert_error, errors_of};

use crate::helpers::TestApp;

#[tokio::test]
async fn a_ticket_can_be_shown_by_anyone() {
    let app = TestApp::spawn().await;
    let created = app.create_ticket(&app.user(), "Concert", 20.0).await;

    let shown = app.ticket(created["id"].as_str().unwrap()).await;

    assert_eq!(shown, created);
}

#[tokio::test]
async fn an_unknown_ticket_is_a_404() {
    let app = TestApp::spawn().await;

    let response = reqwest::get(app.url("/api/tickets/5f0000000000000000000000"))
        .await
        .unwrap();

    assert_error(response, StatusCode::NOT_FOUND, "Not Found").await;
}

#[tokio::test]
async fn an_invalid_id_is_a_400_not_a_500() {
    let app = TestApp::spawn().await;

    for id in ["nope", "123", "zzzzzzzzzzzzzzzzzzzzzzzz", "%F0%9F%8E%9F"] {
        let response = reqwest::get(app.url(&format!("/api/tickets/{id}")))
            .await
            .unwrap();
        let errors = errors_of(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(errors[0]["field"], "id");
    }
}

#[tokio::test]
async fn the_listing_shows_every_ticket_for_sale() {
    let app = TestApp::spawn().await;
    let seller = app.user();
    for n in 0..3 {
        app.create_ticket(&seller, &format!("Concert {n}"), 10.0 + f64::from(n))
            .await;
    }

    let listing = app.listing().await;

    let titles: Vec<_> = listing
        .iter()
        .map(|ticket| ticket["title"].clone())
        .collect();
    assert_eq!(titles, ["Concert 0", "Concert 1", "Concert 2"]);
}

#[tokio::test]
async fn my_listings_show_each_of_my_tickets_with_its_status() {
    let app = TestApp::spawn().await;
    let seller = app.user();
    let other_seller = app.user();
    let for_sale = app.create_ticket(&seller, "For sale", 10.0).await;
    let reserved = app.reserved_ticket(&seller).await;
    app.create_ticket(&other_seller, "Someone else's", 5.0)
        .await;

    let response = seller
        .client
        .get(app.url("/api/tickets/mine"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    let mine: Vec<serde_json::Value> = response.json().await.unwrap();
    let statuses: Vec<_> = mine
        .iter()
        .map(|ticket| (ticket["id"].clone(), ticket["status"].clone()))
        .collect();
    assert_eq!(
        statuses,
        [
            (reserved.id.clone().into(), "reserved".into()),
            (for_sale["id"].clone(), "available".into()),
        ],
        "newest first, only the caller's, each with its status"
    );
}

#[tokio::test]
async fn my_listings_need_a_session() {
    let app = TestApp::spawn().await;

    let response = reqwest::get(app.url("/api/tickets/mine")).await.unwrap();

    assert_error(response, StatusCode::UNAUTHORIZED, "Not authorized").await;
}
