use reqwest::{Method, StatusCode};
use serde_json::json;
use testkit::{errors_of, fuzz};

use crate::helpers::TestApp;

#[tokio::test]
async fn a_missing_order_id_or_token_is_a_400_naming_the_field() {
    let app = TestApp::spawn().await;
    let buyer = app.user();

    let response = buyer
        .client
        .post(app.service.url("/api/payments"))
        .json(&json!({ "orderId": "nope", "token": "pm card; drop" }))
        .send()
        .await
        .unwrap();

    let errors = errors_of(response, StatusCode::BAD_REQUEST).await;
    let fields: Vec<_> = errors.iter().map(|error| error["field"].clone()).collect();
    assert_eq!(fields, ["orderId", "token"]);
}

#[tokio::test]
async fn random_bodies_never_get_a_5xx() {
    let app = TestApp::spawn().await;
    let buyer = app.user();
    let routes = [
        (Method::POST, "/api/payments"),
        (Method::GET, "/api/payments/{random}"),
    ];

    fuzz::assert_no_server_errors(
        &buyer.client,
        &app.service.url(""),
        &routes,
        &["orderId", "token"],
        100,
    )
    .await;
    assert!(app.stripe.ledger().charges.is_empty());
}
