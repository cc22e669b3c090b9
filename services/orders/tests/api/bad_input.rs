//! Whatever arrives, the answer is never a 5xx.

use reqwest::Method;
use testkit::fuzz;

use crate::helpers::TestApp;

#[tokio::test]
async fn random_bodies_and_ids_on_every_route_never_get_a_5xx() {
    let app = TestApp::spawn().await;
    let buyer = app.user();
    let order = app.create_order(&buyer, &app.seed_ticket(1000).await).await;
    let own = format!("/api/orders/{}", order["id"].as_str().unwrap());
    let routes = [
        (Method::POST, "/api/orders"),
        (Method::GET, "/api/orders/{random}"),
        (Method::DELETE, "/api/orders/{random}"),
        (Method::GET, own.as_str()),
        (Method::DELETE, own.as_str()),
    ];

    fuzz::assert_no_server_errors(&buyer.client, &app.url(""), &routes, &["ticketId"], 150).await;
}
