use client::ApiUrls;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Browser, Site, start_client};

#[tokio::test]
async fn pages_that_need_a_session_send_visitors_to_sign_in() {
    let site = Site::start().await;
    let visitor = site.visitor();

    for path in [
        "/tickets/new",
        "/tickets/mine",
        "/orders",
        "/orders/5f0000000000000000000001",
        "/payouts",
        "/payouts/account",
    ] {
        visitor.get(path).await.assert_redirects_to("/auth/signin");
    }
    visitor
        .post("/tickets/new", &[("title", "Concert"), ("price", "25")])
        .await
        .assert_redirects_to("/auth/signin");
    visitor
        .post("/payouts/account", &[])
        .await
        .assert_redirects_to("/auth/signin");
}

#[tokio::test]
async fn unknown_pages_tickets_and_malformed_ids_get_the_not_found_page() {
    let site = Site::start().await;
    let visitor = site.member().await;

    for path in [
        "/no-such-page",
        "/tickets/5f0000000000000000000001",
        "/tickets/not-an-id",
        "/tickets/..%2F..%2Fapi%2Fusers",
        "/orders/zzzz",
    ] {
        let page = visitor.get(path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        page.assert_shows("<h1>Page not found</h1>");
        page.assert_shows(">Sign out</button>");
    }
}

#[tokio::test]
async fn editing_someone_elses_ticket_is_not_found() {
    let site = Site::start().await;
    let (seller, ticket) = site.seller_with("Concert", "25").await;
    let intruder = site.member().await;

    let page = intruder
        .post(
            &format!("/tickets/{ticket}/edit"),
            &[("title", "Mine now"), ("price", "1")],
        )
        .await;

    assert_eq!(page.status, StatusCode::NOT_FOUND);
    seller
        .get("/tickets/mine")
        .await
        .assert_shows("value=\"Concert\"");
}

#[tokio::test]
async fn an_api_path_that_no_api_serves_is_the_apis_404_not_a_page() {
    let site = Site::start().await;

    let response = reqwest::get(site.client.url("/api/nothing")).await.unwrap();

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({ "errors": [{ "message": "Not Found" }] }));
}

#[tokio::test]
async fn an_api_that_is_down_gives_a_page_that_says_so_and_to_try_again() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let client = start_client(ApiUrls {
        auth: closed.clone(),
        tickets: closed.clone(),
        orders: closed.clone(),
        payments: closed,
    })
    .await;

    let page = Browser::new(client.url("")).get("/").await;

    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    page.assert_shows("try again in a moment");
}

#[tokio::test]
async fn the_stylesheet_and_the_order_script_are_served_by_the_client() {
    let site = Site::start().await;

    for (path, content_type) in [
        ("/assets/app.css", "text/css"),
        ("/assets/order.js", "text/javascript"),
    ] {
        let response = reqwest::get(site.client.url(path)).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.headers()["content-type"], content_type);
    }
}

#[tokio::test]
async fn pages_carry_a_content_security_policy_that_allows_stripe_js_and_nothing_inline() {
    let site = Site::start().await;

    let response = reqwest::get(site.client.url("/")).await.unwrap();

    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(
        policy.contains("script-src 'self' http://stripe-js.test https://*.js.stripe.com;"),
        "{policy}"
    );
    assert!(
        policy.contains("form-action 'self' http://stripe-js.test https://connect.stripe.com;"),
        "{policy}"
    );
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert_eq!(response.headers()["x-frame-options"], "DENY");
}

#[tokio::test]
async fn a_form_posted_from_another_site_is_refused_and_signs_nobody_up() {
    let site = Site::start().await;
    let address = crate::helpers::email();

    let response = reqwest::Client::new()
        .post(site.client.url("/auth/signup"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("email", address.as_str()), ("password", "password1")])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let visitor = site.visitor();
    visitor
        .post(
            "/auth/signin",
            &[("email", address.as_str()), ("password", "password1")],
        )
        .await
        .assert_shows("Invalid credentials");
}
