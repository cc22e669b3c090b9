//! Get paid and My payouts against the real payments service and the Stripe fake:
//! connecting goes through the fake's onboarding page and back, and a real purchase
//! shows up as a payout, held and then paid.

use std::time::Duration;

use reqwest::{StatusCode, header, redirect};

use crate::helpers::{Browser, Page, Site};

/// Long enough to see a sale held; the payout loop looks every 2 s after it.
const SHORT_HOLD: Duration = Duration::from_secs(4);

#[tokio::test]
async fn a_seller_without_a_payout_account_is_offered_to_connect_one() {
    let site = Site::start().await;
    let seller = site.member().await;

    let page = seller.get("/payouts/account").await;

    assert_eq!(page.status, StatusCode::OK);
    page.assert_shows("<button type=\"submit\">Connect a payout account</button>");
    page.assert_shows("<a href=\"/payouts/account\">Get paid</a>");
}

#[tokio::test]
async fn connecting_goes_through_stripe_onboarding_and_back_to_get_paid_which_then_says_ready() {
    let site = Site::start().await;
    let seller = site.member().await;

    let connect = seller.post("/payouts/account", &[]).await;

    let onboarding = connect.location.clone().unwrap_or_default();
    assert_eq!(connect.status, StatusCode::SEE_OTHER, "{}", connect.html);
    assert!(
        onboarding.starts_with(&format!("{}connect/onboarding/", site.stripe_url())),
        "{onboarding}"
    );
    seller
        .get("/payouts/account")
        .await
        .assert_shows("<button type=\"submit\">Finish setting up your payout account</button>");

    let back = follow_onboarding(&onboarding).await;

    assert_eq!(back, site.client.url("/payouts/account"));
    let ready = seller.get("/payouts/account").await;
    ready.assert_shows("Your payout account is ready: each sale is paid to it after its hold.");
    assert!(
        !ready.html.contains("<form class=\"card\""),
        "{}",
        ready.html
    );
    seller
        .post("/payouts/account", &[])
        .await
        .assert_redirects_to("/payouts/account");
}

#[tokio::test]
async fn when_stripe_cannot_be_reached_get_paid_says_so_and_offers_to_try_again() {
    let mut site = Site::start().await;
    let seller = site.member().await;
    site.stop_stripe();

    let page = seller.post("/payouts/account", &[]).await;

    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    page.assert_shows(
        "<li>The payment provider cannot be reached just now; try again in a minute</li>",
    );
    page.assert_shows("<button type=\"submit\">Try again</button>");
}

#[tokio::test]
async fn my_payouts_says_so_when_nothing_was_sold_yet() {
    let site = Site::start().await;
    let seller = site.member().await;

    let page = seller.get("/payouts").await;

    assert_eq!(page.status, StatusCode::OK);
    page.assert_shows("Nothing sold yet");
}

#[tokio::test]
async fn a_sale_is_held_then_paid_to_a_ready_account() {
    let site = Site::paying_out_after(SHORT_HOLD).await;
    let (seller, ticket) = site.seller_with("Concert", "25").await;
    connect_and_onboard(&site, &seller).await;
    let buyer = site.member().await;
    let order_path = buyer.purchase(&ticket).await;

    site.pay(&buyer, &order_path).await;

    let held = payouts_once(&seller, "held until").await;
    let order_id = order_path.trim_start_matches("/orders/");
    held.assert_shows(&format!(
        "<a href=\"/tickets/{ticket}\"><code>{order_id}</code></a>"
    ));
    held.assert_shows("<td>$25.00</td><td>$2.50</td><td>$22.50</td>");
    payouts_once(&seller, "<td class=\"status\">paid</td>").await;
}

#[tokio::test]
async fn a_sale_waits_for_the_payout_account_and_is_paid_once_it_is_ready() {
    let site = Site::paying_out_after(SHORT_HOLD).await;
    let (seller, ticket) = site.seller_with("Concert", "25").await;
    let buyer = site.member().await;
    let order_path = buyer.purchase(&ticket).await;
    site.pay(&buyer, &order_path).await;

    payouts_once(
        &seller,
        "waiting for your payout account (<a href=\"/payouts/account\">Get paid</a>)",
    )
    .await;
    connect_and_onboard(&site, &seller).await;

    payouts_once(&seller, "<td class=\"status\">paid</td>").await;
}

/// Connects through Get paid, completes the fake's onboarding and comes back to Get
/// paid, whose visit is what tells payments the account is ready (without the
/// webhook, which these tests do not wire).
async fn connect_and_onboard(site: &Site, seller: &Browser) {
    let connect = seller.post("/payouts/account", &[]).await;
    assert_eq!(connect.status, StatusCode::SEE_OTHER, "{}", connect.html);
    let back = follow_onboarding(&connect.location.expect("the onboarding page")).await;
    assert_eq!(back, site.client.url("/payouts/account"));
    seller
        .get("/payouts/account")
        .await
        .assert_shows("Your payout account is ready");
}

/// Visits Stripe's onboarding page as the seller's browser would and returns where it
/// sends them back to. A client of its own, which follows nothing further: the
/// redirect is the answer.
async fn follow_onboarding(onboarding: &str) -> String {
    let http = reqwest::Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap();
    let answer = http.get(onboarding).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::SEE_OTHER, "{onboarding}");
    answer.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned()
}

/// My payouts, reloaded until it shows `text` (the payout loop moves it on).
async fn payouts_once(seller: &Browser, text: &str) -> Page {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let page = seller.get("/payouts").await;
        if page.html.contains(text) {
            return page;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "My payouts never showed {text:?}:\n{}",
            page.html
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
