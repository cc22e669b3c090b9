//! The lists a page at a time, and the landing page's search, through plain links
//! and a GET form: no JavaScript.

use reqwest::StatusCode;

use crate::helpers::{Browser, Page, Site};

/// How many entries a page of the APIs has by default, which the pages show.
const PAGE: usize = 50;

impl Page {
    fn rows(&self, marker: &str) -> usize {
        self.html.matches(marker).count()
    }

    /// Where the link to the page `rel` ("next" or "prev") leads, if there is one.
    fn link(&self, rel: &str) -> Option<String> {
        let marker = format!("rel=\"{rel}\" href=\"");
        let start = self.html.find(&marker)? + marker.len();
        let end = start + self.html[start..].find('"')?;
        Some(self.html[start..end].replace("&amp;", "&"))
    }
}

/// Walks `path` as `user`: a full first page whose rows (`row_marker`) start with
/// `newest`, then a second page of one row, `oldest`, that links back.
async fn assert_two_pages(
    user: &Browser,
    path: &str,
    row_marker: &str,
    newest: &str,
    oldest: &str,
) {
    let first = user.get(path).await;
    assert_eq!(first.rows(row_marker), PAGE);
    first.assert_shows(newest);
    let second = user.get(&first.link("next").expect("a next page")).await;
    assert_eq!(second.rows(row_marker), 1);
    second.assert_shows(oldest);
    assert!(second.link("prev").is_some());
}

async fn sell_numbered(seller: &Browser, prefix: &str, count: usize) {
    for n in 0..count {
        seller.sell(&format!("{prefix} {n:03}"), "20").await;
    }
}

#[tokio::test]
async fn the_landing_page_shows_a_page_of_tickets_with_links_to_the_next_and_previous() {
    let site = Site::start().await;
    let seller = site.member().await;
    sell_numbered(&seller, "Show", PAGE + 2).await;
    let visitor = site.visitor();

    let first = visitor.get("/").await;
    assert_eq!(first.rows("data-ticket-id="), PAGE);
    first.assert_shows("<td>Show 000</td>");
    assert_eq!(first.link("prev"), None);
    let second = visitor.get(&first.link("next").expect("a next page")).await;
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(second.rows("data-ticket-id="), 2);
    second.assert_shows("<td>Show 051</td>");
    assert_eq!(second.link("next"), None);
    let back = visitor
        .get(&second.link("prev").expect("a previous page"))
        .await;
    assert_eq!(back.rows("data-ticket-id="), PAGE);
    back.assert_shows("<td>Show 000</td>");
}

#[tokio::test]
async fn the_search_box_and_price_filter_work_without_javascript() {
    let site = Site::start().await;
    let seller = site.member().await;
    for (title, price) in [
        ("Jazz at the Lake", "20"),
        ("Jazz brunch", "45"),
        ("Rock night", "20"),
    ] {
        seller.sell(title, price).await;
    }
    let visitor = site.visitor();

    let found = visitor.get("/?q=JAZZ&minPrice=&maxPrice=30").await;
    assert_eq!(found.status, StatusCode::OK);
    assert_eq!(found.rows("data-ticket-id="), 1);
    found.assert_shows("<td>Jazz at the Lake</td>");
    found.assert_shows("name=\"q\" value=\"JAZZ\"");
    found.assert_shows("name=\"maxPrice\" value=\"30\"");

    visitor
        .get("/?q=opera")
        .await
        .assert_shows("No tickets for sale match your search.");
}

#[tokio::test]
async fn a_search_keeps_its_words_on_the_next_page() {
    let site = Site::start().await;
    let seller = site.member().await;
    sell_numbered(&seller, "Jazz", PAGE + 1).await;
    seller.sell("Rock 999", "20").await;
    let visitor = site.visitor();

    let first = visitor.get("/?q=jazz").await;
    let next = first.link("next").expect("a next page");
    assert!(next.starts_with("/?q=jazz&cursor="), "{next}");
    let second = visitor.get(&next).await;
    assert_eq!(second.rows("data-ticket-id="), 1);
    second.assert_shows("<td>Jazz 050</td>");
}

#[tokio::test]
async fn a_bad_price_filter_is_shown_under_its_field() {
    let site = Site::start().await;

    let page = site.visitor().get("/?minPrice=-5").await;

    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    page.assert_error_under("minPrice", "minPrice must be an amount from 0 to 1000000");
}

#[tokio::test]
async fn my_listings_come_a_page_at_a_time_newest_first() {
    let site = Site::start().await;
    let seller = site.member().await;
    sell_numbered(&seller, "Mine", PAGE + 1).await;

    let listing_item = "class=\"card listing-item\"";
    assert_two_pages(
        &seller,
        "/tickets/mine",
        listing_item,
        "Mine 050",
        "Mine 000",
    )
    .await;
}

#[tokio::test]
async fn my_orders_come_a_page_at_a_time() {
    let site = Site::start().await;
    let seller = site.member().await;
    let mut tickets = Vec::new();
    for n in 0..=PAGE {
        tickets.push(seller.sell(&format!("Gig {n:03}"), "20").await);
    }
    let buyer = site.member().await;
    for ticket in &tickets {
        buyer.purchase(ticket).await;
    }

    assert_two_pages(&buyer, "/orders", "data-order-id=", "Gig 050", "Gig 000").await;
}
