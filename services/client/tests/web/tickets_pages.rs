use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::{Browser, Site};

/// A seller with one ticket that a buyer has just reserved.
async fn locked_listing(site: &Site) -> (Browser, String) {
    let (seller, ticket) = site.seller_with("Concert A", "25").await;
    let buyer = site.member().await;
    buyer.purchase(&ticket).await;
    // The tickets service learns of the order from `order:created`.
    let locked = testkit::eventually(Duration::from_secs(10), || async {
        seller
            .get("/tickets/mine")
            .await
            .html
            .contains("data-state=\"locked\"")
    })
    .await;
    assert!(locked, "the listing never showed the ticket locked");
    (seller, ticket)
}

#[tokio::test]
async fn the_landing_page_lists_each_ticket_for_sale_with_its_price_and_a_link() {
    let site = Site::start().await;
    let (_seller, ticket) = site.seller_with("Concert <A> & more", "25.5").await;

    let home = site.visitor().get("/").await;

    assert_eq!(home.status, StatusCode::OK);
    home.assert_shows("<td>Concert &lt;A&gt; &amp; more</td>");
    home.assert_shows("<td>$25.50</td>");
    home.assert_shows(&format!("href=\"/tickets/{ticket}\""));
}

#[tokio::test]
async fn an_empty_marketplace_invites_people_to_sell() {
    let site = Site::start().await;

    site.visitor()
        .get("/")
        .await
        .assert_shows("No tickets are for sale right now.");
}

#[tokio::test]
async fn selling_with_a_bad_price_shows_why_under_the_price_and_lists_nothing() {
    let site = Site::start().await;
    let seller = site.member().await;

    let page = seller
        .post("/tickets/new", &[("title", "Concert"), ("price", "-3")])
        .await;

    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    page.assert_error_under("price", "Price must be greater than 0");
    page.assert_shows("value=\"Concert\"");
    seller
        .get("/tickets/mine")
        .await
        .assert_shows("You have not listed any tickets.");
}

#[tokio::test]
async fn the_ticket_page_offers_purchase_to_buyers_but_not_to_its_seller() {
    let site = Site::start().await;
    let (seller, ticket) = site.seller_with("Concert", "25").await;
    let buyer = site.member().await;

    let for_buyer = buyer.get(&format!("/tickets/{ticket}")).await;
    let for_seller = seller.get(&format!("/tickets/{ticket}")).await;

    for_buyer.assert_shows(&format!("action=\"/tickets/{ticket}/purchase\""));
    for_buyer.assert_shows("$25.00");
    assert!(!for_seller.html.contains("/purchase"));
    for_seller.assert_shows("This is your listing.");
}

#[tokio::test]
async fn the_seller_edits_a_listing_through_my_listings() {
    let site = Site::start().await;
    let (seller, ticket) = site.seller_with("Concert", "25").await;

    seller
        .post(
            &format!("/tickets/{ticket}/edit"),
            &[("title", "Concert (front row)"), ("price", "40")],
        )
        .await
        .assert_redirects_to("/tickets/mine");

    let listings = seller.get("/tickets/mine").await;
    listings.assert_shows("Concert (front row)");
    listings.assert_shows("$40.00");
    listings.assert_shows("data-state=\"for sale\"");
}

#[tokio::test]
async fn a_locked_listing_has_its_edit_form_disabled_and_says_why() {
    let site = Site::start().await;
    let (seller, _) = locked_listing(&site).await;

    let listings = seller.get("/tickets/mine").await;

    listings.assert_shows(">Locked</span>");
    listings.assert_shows("<fieldset disabled>");
    listings.assert_shows("A buyer has reserved this ticket and is paying for it");
}

#[tokio::test]
async fn an_edit_posted_while_locked_is_refused_beside_its_form() {
    let site = Site::start().await;
    let (seller, ticket) = locked_listing(&site).await;

    let page = seller
        .post(
            &format!("/tickets/{ticket}/edit"),
            &[("title", "Changed"), ("price", "99")],
        )
        .await;

    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    let form = page
        .html
        .find(&format!("action=\"/tickets/{ticket}/edit\""))
        .expect("the ticket's form");
    assert!(
        page.html[form..].contains("<li>Cannot edit a reserved ticket</li>"),
        "{}",
        page.html
    );
    let listings = seller.get("/tickets/mine").await;
    listings.assert_shows("value=\"Concert A\"");
    assert!(!listings.html.contains("Changed"));
}
