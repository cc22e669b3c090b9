use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::{PUBLISHABLE_KEY, STRIPE_JS_URL, Site};

#[tokio::test]
async fn purchase_opens_the_order_with_a_countdown_and_the_stripe_payment_form() {
    let site = Site::start().await;
    let (_seller, ticket) = site.seller_with("Concert", "25").await;
    let buyer = site.member().await;

    let order_path = buyer.purchase(&ticket).await;
    let order = buyer.get(&order_path).await;

    assert_eq!(order.status, StatusCode::OK);
    let marker = "data-seconds-left=\"";
    let start = order.html.find(marker).expect("a countdown") + marker.len();
    let seconds: i64 = order.html[start..]
        .split('"')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((890..=900).contains(&seconds), "{seconds}s left");
    order.assert_shows(&format!("data-publishable-key=\"{PUBLISHABLE_KEY}\""));
    order.assert_shows(&format!("<script src=\"{STRIPE_JS_URL}\">"));
    order.assert_shows("Pay $25.00");
}

#[tokio::test]
async fn my_orders_lists_each_order_with_its_ticket_and_status() {
    let site = Site::start().await;
    let (seller, ticket) = site.seller_with("Concert", "25").await;
    let buyer = site.member().await;
    let order_path = buyer.purchase(&ticket).await;

    let orders = buyer.get("/orders").await;

    orders.assert_shows(&format!("<a href=\"{order_path}\">Concert</a>"));
    orders.assert_shows("<td class=\"status\">Awaiting payment</td>");
    seller
        .get("/orders")
        .await
        .assert_shows("You have no orders yet.");
}

#[tokio::test]
async fn an_order_past_its_hold_says_order_expired_and_offers_no_payment() {
    let site = Site::with_order_hold(Duration::from_secs(1)).await;
    let (_seller, ticket) = site.seller_with("Concert", "25").await;
    let buyer = site.member().await;
    let order_path = buyer.purchase(&ticket).await;

    tokio::time::sleep(Duration::from_millis(1200)).await;
    let order = buyer.get(&order_path).await;

    order.assert_shows(">Order expired</p>");
    assert!(!order.html.contains("payment-form"));
}

#[tokio::test]
async fn someone_elses_order_is_not_found() {
    let site = Site::start().await;
    let (seller, ticket) = site.seller_with("Concert", "25").await;
    let buyer = site.member().await;
    let order_path = buyer.purchase(&ticket).await;

    let page = seller.get(&order_path).await;

    assert_eq!(page.status, StatusCode::NOT_FOUND);
    page.assert_shows("Page not found");
}

#[tokio::test]
async fn a_ticket_someone_is_paying_for_cannot_be_purchased_and_the_page_says_why() {
    let site = Site::start().await;
    let (_seller, ticket) = site.seller_with("Concert", "25").await;
    let first = site.member().await;
    let second = site.member().await;
    // Both opened the ticket page while it was for sale; the first buyer is quicker.
    first.purchase(&ticket).await;

    let page = second
        .post(&format!("/tickets/{ticket}/purchase"), &[])
        .await;

    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    page.assert_shows("<li>Ticket is already reserved</li>");
}
