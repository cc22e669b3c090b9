//! Whatever arrives, the answer is never a 5xx.

use reqwest::{Method, StatusCode};
use testkit::{errors_of, fuzz};

use crate::helpers::TestApp;

#[tokio::test]
async fn random_bodies_on_every_route_never_get_a_5xx() {
    let app = TestApp::spawn().await;
    let seller = app.user();
    let ticket = app.create_ticket(&seller, "Concert", 20.0).await;
    let own = format!("/api/tickets/{}", ticket["id"].as_str().unwrap());
    let routes = [
        (Method::POST, "/api/tickets"),
        (Method::PUT, own.as_str()),
        (Method::PUT, "/api/tickets/{random}"),
        (Method::GET, "/api/tickets/{random}"),
    ];

    fuzz::assert_no_server_errors(
        &seller.client,
        &app.url(""),
        &routes,
        &["title", "price"],
        150,
    )
    .await;
}

#[tokio::test]
async fn malformed_json_and_wrong_content_types_are_400s() {
    let app = TestApp::spawn().await;
    let seller = app.user();

    for (content_type, body) in [
        ("application/json", "{\"title\": "),
        ("application/json", "\u{0}\u{1}"),
        ("text/plain", "title=Concert&price=10"),
        (
            "application/x-www-form-urlencoded",
            "title=Concert&price=10",
        ),
    ] {
        let response = seller
            .client
            .post(app.url("/api/tickets"))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        errors_of(response, StatusCode::BAD_REQUEST).await;
    }
    assert!(app.listing().await.is_empty(), "nothing was written");
}

#[tokio::test]
async fn a_forged_session_is_refused() {
    let app = TestApp::spawn().await;
    let forger = testkit::TestUser::signed_in("not-the-shared-key");

    let response = forger
        .client
        .post(app.url("/api/tickets"))
        .json(&serde_json::json!({ "title": "Concert", "price": 10 }))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}
