//! The lists a page at a time: `limit`, the cursor, the `Link` header, search, and
//! what a walk sees while the listing changes under it.

use std::collections::HashSet;

use futures::future::join_all;
use httpkit::paging::cursor_in_link;
use reqwest::StatusCode;
use serde_json::Value;
use testkit::{ListPage, TestUser, assert_field_error};

use crate::helpers::{TestApp, order_created, order_id, ticket_ref};

impl TestApp {
    async fn listing_page(&self, query: &str) -> ListPage {
        ListPage::get(
            &reqwest::Client::new(),
            self.url(&format!("/api/tickets?{query}")),
        )
        .await
    }

    /// The titles on the first page of the listing for `query`.
    async fn titles_found(&self, query: &str) -> Vec<String> {
        let page = self.listing_page(query).await;
        page.each("title").into_iter().map(str::to_owned).collect()
    }

    /// Lists the titles, spread over sellers of at most 10 tickets each (a seller's
    /// allowance is not what these tests are about), in order.
    async fn list_titles(&self, titles: &[String]) -> Vec<Value> {
        let mut listed = Vec::new();
        for chunk in titles.chunks(10) {
            let seller = self.user();
            for title in chunk {
                listed.push(self.create_ticket(&seller, title, 20.0).await);
            }
        }
        listed
    }
}

fn numbered(prefix: &str, count: usize) -> Vec<String> {
    (0..count).map(|n| format!("{prefix} {n:03}")).collect()
}

#[tokio::test]
async fn the_listing_comes_a_page_at_a_time_with_links_both_ways() {
    let app = TestApp::spawn().await;
    let titles = numbered("Concert", 7);
    app.list_titles(&titles).await;

    let first = app.listing_page("limit=3").await;
    assert_eq!(
        first.each("title"),
        ["Concert 000", "Concert 001", "Concert 002"]
    );
    assert_eq!(first.previous, None, "the first page has no previous one");
    let second = app
        .listing_page(&format!("limit=3&cursor={}", first.next.unwrap()))
        .await;
    assert_eq!(
        second.each("title"),
        ["Concert 003", "Concert 004", "Concert 005"]
    );
    let last = app
        .listing_page(&format!("limit=3&cursor={}", second.next.clone().unwrap()))
        .await;
    assert_eq!(last.each("title"), ["Concert 006"]);
    assert_eq!(last.next, None, "the last page has no next one");

    let back = app
        .listing_page(&format!("limit=3&cursor={}", last.previous.unwrap()))
        .await;
    assert_eq!(
        back.each("title"),
        second.each("title"),
        "prev leads back a page"
    );
    let front = app
        .listing_page(&format!("limit=3&cursor={}", back.previous.unwrap()))
        .await;
    assert_eq!(
        front.each("title"),
        ["Concert 000", "Concert 001", "Concert 002"]
    );
    assert_eq!(front.previous, None);

    let everything = app.listing_page("").await;
    assert_eq!(everything.entries.len(), 7, "50 by default");
    assert_eq!(everything.next, None);
}

#[tokio::test]
async fn the_link_header_is_the_full_url_of_the_next_page_with_its_search() {
    let app = TestApp::spawn().await;
    app.list_titles(&numbered("Opera", 3)).await;

    let response = reqwest::get(app.url("/api/tickets?q=opera&limit=2"))
        .await
        .unwrap();

    let link = response.headers()["link"].to_str().unwrap().to_owned();
    let next = cursor_in_link(&link, "next").unwrap();
    let expected = format!(
        "<{}>; rel=\"next\"",
        app.url(&format!("/api/tickets?q=opera&limit=2&cursor={next}"))
    );
    assert_eq!(link, expected);
    let rest = ListPage::get(
        &reqwest::Client::new(),
        app.url(&format!("/api/tickets?q=opera&limit=2&cursor={next}")),
    )
    .await;
    assert_eq!(rest.each("title"), ["Opera 002"]);
}

#[tokio::test]
async fn a_bad_limit_or_cursor_is_a_400_naming_it() {
    let app = TestApp::spawn().await;
    let seller = app.user();

    for limit in ["0", "101", "ten", "-3", "2.5"] {
        let response = reqwest::get(app.url(&format!("/api/tickets?limit={limit}")))
            .await
            .unwrap();
        assert_field_error(
            response,
            StatusCode::BAD_REQUEST,
            "limit",
            "limit must be a whole number from 1 to 100",
        )
        .await;
    }
    for cursor in ["%21%21", "bm90LW91cnM", "YXNldmVu"] {
        for path in ["/api/tickets", "/api/tickets/mine"] {
            let response = seller
                .client
                .get(app.url(&format!("{path}?cursor={cursor}")))
                .send()
                .await
                .unwrap();
            assert_field_error(
                response,
                StatusCode::BAD_REQUEST,
                "cursor",
                "cursor is not one this list gave out; start again from the first page",
            )
            .await;
        }
    }
}

#[tokio::test]
async fn a_search_finds_titles_with_every_word_whatever_their_case_and_accents() {
    let app = TestApp::spawn().await;
    let seller = app.user();
    for (title, price) in [
        ("Beyoncé — Renaissance, Zürich", 150.0),
        ("BEYONCE world tour, Basel", 90.0),
        ("Renaissance faire", 15.0),
        ("Zurich Opera: Beyonce's cover band", 40.0),
    ] {
        app.create_ticket(&seller, title, price).await;
    }

    assert_eq!(
        app.titles_found("q=beyonce%20ZURICH%20renaissance").await,
        ["Beyoncé — Renaissance, Zürich"],
        "every word, in any case, with or without accents"
    );
    assert_eq!(
        app.titles_found("q=zurich+BEYONCE").await,
        [
            "Beyoncé — Renaissance, Zürich",
            "Zurich Opera: Beyonce's cover band"
        ],
        "\"Beyonce's\" has the word beyonce"
    );
    assert_eq!(
        app.titles_found("q=renaissance").await,
        ["Beyoncé — Renaissance, Zürich", "Renaissance faire"]
    );
    assert_eq!(
        app.titles_found("q=renais").await,
        Vec::<String>::new(),
        "whole words"
    );
    assert_eq!(
        app.titles_found("minPrice=40&maxPrice=90").await,
        [
            "BEYONCE world tour, Basel",
            "Zurich Opera: Beyonce's cover band"
        ],
        "both bounds included"
    );
    assert_eq!(
        app.titles_found("q=beyonce&maxPrice=100").await,
        [
            "BEYONCE world tour, Basel",
            "Zurich Opera: Beyonce's cover band"
        ]
    );
    assert_eq!(
        app.titles_found("q=%20%20").await.len(),
        4,
        "a blank search finds every ticket"
    );

    let first = app.listing_page("q=beyonce&limit=2").await;
    let rest = app
        .listing_page(&format!("q=beyonce&limit=2&cursor={}", first.next.unwrap()))
        .await;
    assert_eq!(rest.each("title"), ["Zurich Opera: Beyonce's cover band"]);
}

#[tokio::test]
async fn a_search_only_finds_tickets_for_sale_and_follows_title_edits_and_sales() {
    let app = TestApp::spawn().await;
    let seller = app.user();
    let reserved = app.reserved_ticket(&seller).await;
    let renamed = app.create_ticket(&seller, "Jazz night", 30.0).await;
    let response = app
        .update_ticket(
            &seller,
            renamed["id"].as_str().unwrap(),
            &serde_json::json!({ "title": "Blues night", "price": 30.0 }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    assert!(
        app.listing_page("q=concert").await.entries.is_empty(),
        "{}",
        reserved.id
    );
    assert!(app.listing_page("q=jazz").await.entries.is_empty());
    assert_eq!(
        app.listing_page("q=blues").await.each("title"),
        ["Blues night"]
    );

    // Sold: no search finds it again, and the word index forgets it.
    app.publish(&marketplace::events::OrderCompleted {
        id: reserved.order.parse().unwrap(),
        version: 1,
        ticket: ticket_ref(&reserved.ticket),
    })
    .await;
    app.wait_for_status(&reserved.id, "sold").await;
    let words = app
        .world
        .database("tickets")
        .await
        .collection::<mongodb::bson::Document>("ticketWords");
    let left = words
        .count_documents(mongodb::bson::doc! { "ticket": &reserved.id })
        .await
        .unwrap();
    assert_eq!(left, 0, "a sold ticket's words stay in the index");
    let blues = words
        .count_documents(mongodb::bson::doc! { "word": "blues" })
        .await
        .unwrap();
    assert_eq!(blues, 1);
}

#[tokio::test]
async fn bad_search_bounds_are_400s_naming_them() {
    let app = TestApp::spawn().await;

    for (query, field, message) in [
        (
            "minPrice=-1",
            "minPrice",
            "minPrice must be an amount from 0 to 1000000",
        ),
        (
            "maxPrice=cheap",
            "maxPrice",
            "maxPrice must be an amount from 0 to 1000000",
        ),
        (
            "minPrice=30&maxPrice=20",
            "minPrice",
            "minPrice must not be more than maxPrice",
        ),
    ] {
        let response = reqwest::get(app.url(&format!("/api/tickets?{query}")))
            .await
            .unwrap();
        assert_field_error(response, StatusCode::BAD_REQUEST, field, message).await;
    }
}

#[tokio::test]
async fn my_listings_come_a_page_at_a_time_newest_first() {
    let app = TestApp::spawn().await;
    let seller = app.user();
    for title in numbered("Mine", 5) {
        app.create_ticket(&seller, &title, 10.0).await;
    }
    app.create_ticket(&app.user(), "Someone else's", 10.0).await;

    let mine = |query: String| {
        ListPage::get(
            &seller.client,
            app.url(&format!("/api/tickets/mine?{query}")),
        )
    };
    let first = mine("limit=2".into()).await;
    assert_eq!(first.each("title"), ["Mine 004", "Mine 003"]);
    let second = mine(format!("limit=2&cursor={}", first.next.unwrap())).await;
    assert_eq!(second.each("title"), ["Mine 002", "Mine 001"]);
    let last = mine(format!("limit=2&cursor={}", second.next.unwrap())).await;
    assert_eq!(last.each("title"), ["Mine 000"]);
    assert_eq!(last.next, None);
}

/// Tickets listed and sold while a client walks the listing, a few per page.
async fn churn(app: &TestApp, doomed: &[Value], seller: &TestUser) {
    for (n, ticket) in doomed.iter().enumerate() {
        app.create_ticket(seller, &format!("Listed during the walk {n:03}"), 20.0)
            .await;
        let order = order_id();
        app.publish(&order_created(&order, ticket)).await;
        if n % 2 == 0 {
            app.publish(&marketplace::events::OrderCompleted {
                id: order.parse().unwrap(),
                version: 1,
                ticket: ticket_ref(ticket),
            })
            .await;
        }
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn a_walk_while_tickets_are_listed_and_sold_never_repeats_or_skips_one() {
    let app = TestApp::spawn().await;
    // Kept for sale all along, interleaved with tickets that are sold during the walk.
    let mut stable = Vec::new();
    let mut doomed = Vec::new();
    for chunk in 0..6 {
        let titles = numbered(&format!("Batch {chunk}"), 10);
        let listed = app.list_titles(&titles).await;
        for (n, ticket) in listed.into_iter().enumerate() {
            if n % 3 == 0 {
                doomed.push(ticket)
            } else {
                stable.push(ticket)
            }
        }
    }
    let churner = app.user();

    let client = reqwest::Client::new();
    let walk = async {
        let mut seen = Vec::new();
        let mut page = ListPage::get(&client, app.url("/api/tickets?limit=4")).await;
        loop {
            seen.extend(
                page.entries
                    .iter()
                    .map(|ticket| ticket["id"].as_str().unwrap().to_owned()),
            );
            let Some(next) = page.next else { break seen };
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            page = ListPage::get(
                &client,
                app.url(&format!("/api/tickets?limit=4&cursor={next}")),
            )
            .await;
        }
    };
    let (seen, ()) = tokio::join!(walk, churn(&app, &doomed, &churner));

    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(
        unique.len(),
        seen.len(),
        "a ticket was shown twice: {seen:?}"
    );
    let missing: Vec<&str> = stable
        .iter()
        .map(|ticket| ticket["id"].as_str().unwrap())
        .filter(|id| !unique.contains(&id.to_string()))
        .collect();
    assert!(
        missing.is_empty(),
        "for sale all along, never shown: {missing:?}"
    );
    // The churn really ran across the walk: its last sale is visible now.
    let sold = doomed.last().unwrap()["id"].as_str().unwrap().to_owned();
    app.wait_for_status(&sold, "reserved").await;
}

#[tokio::test]
async fn pages_are_read_by_index_windows_whatever_the_listing_holds() {
    let app = TestApp::spawn().await;
    let database = app.world.database("tickets").await;
    let titles: Vec<String> = (0..300)
        .map(|n| format!("{} night {n:03}", if n % 10 == 0 { "Jazz" } else { "Rock" }))
        .collect();
    join_all(titles.chunks(75).map(|chunk| app.list_titles(chunk))).await;
    database
        .run_command(mongodb::bson::doc! { "profile": 2 })
        .await
        .unwrap();

    let first = app.listing_page("limit=5").await;
    let deep = app
        .listing_page(&format!("limit=5&cursor={}", first.next.unwrap()))
        .await;
    let search = app.listing_page("q=jazz&limit=5").await;
    database
        .run_command(mongodb::bson::doc! { "profile": 0 })
        .await
        .unwrap();
    assert_eq!(deep.entries.len(), 5);
    assert_eq!(search.entries.len(), 5);
    assert!(
        search
            .each("title")
            .iter()
            .all(|title| title.starts_with("Jazz"))
    );

    for collection in ["tickets", "ticketWords"] {
        let reads = testkit::query_plan::profiled_finds(&database, collection).await;
        assert!(!reads.is_empty(), "the profiler saw reads of {collection}");
        for read in reads {
            let plan =
                testkit::query_plan::explain_unlimited_find(&database, collection, &read).await;
            assert_eq!(plan.scans, ["IXSCAN"], "{read}: {plan:?}");
            assert!(!plan.sorts_in_memory, "{read}: {plan:?}");
            assert!(
                // A page of 5 wants 6 (one more says whether there is a next page);
                // a window is sized to hold half as many again, and a key of an
                // `$in` costs up to two index keys.
                plan.docs_examined <= 2 * 6 && plan.keys_examined <= 4 * 6 + 1,
                "a read for a page of 5 holds {} of 300 (index keys: {}): {read}",
                plan.docs_examined,
                plan.keys_examined
            );
        }
    }
}
