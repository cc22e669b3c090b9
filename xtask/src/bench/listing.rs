//! The listing at 100 and at 100,000 tickets for sale: its first page, a page halfway
//! through the walk, a search for a word half the tickets have, the first match of a
//! word one ticket in a hundred has (one ticket, so that both sizes answer as much),
//! and the landing page, each measured with wrk on one
//! stack that grows from the first size to the second; and the tickets and client
//! services' peak memory at each size. The same method as the route figures:
//! services on core 0, wrk and the servers on core 1.

use std::time::Instant;

use anyhow::{Context, bail};
use futures::{StreamExt, TryStreamExt, stream};
use httpkit::paging::cursor_in_link;
use marketplace::money::Price;
use serde::Serialize;
use testkit::api::{ApiClient, Endpoints};

use super::{
    routes::{SERVICE_CORE, megabytes, refuse_failures, start_pinned_stack},
    wrk::{self, LOAD_CORE, Load, Measured},
};
use crate::progress;

/// The sizes of the listing measured, smallest first.
pub const SIZES: [usize; 2] = [100, 100_000];
const CONNECTIONS: u32 = 16;
const WARM_UP_SECONDS: u32 = 3;
const RUN_SECONDS: u32 = 10;
/// Tickets listed at once while seeding.
const SEEDING_AT_ONCE: usize = 32;
/// A word on every other ticket's title, and one on one ticket in a hundred.
const COMMON_WORD: &str = "live";
const RARE_WORD: &str = "band07";

/// The reads measured at each size, in the table's order.
pub const READS: [&str; 5] = [
    "first page",
    "page halfway through the walk",
    "search: a word on half the tickets",
    "search: first match of a word on 1 ticket in 100",
    "landing page (HTML, first page)",
];

/// What one size measured.
#[derive(Serialize)]
pub struct AtSize {
    pub tickets_for_sale: usize,
    pub reads: Vec<Measured>,
    /// The most each service ever held (`VmHWM`), in MB: seeding and every read so far.
    pub tickets_peak_mb: f64,
    pub client_peak_mb: f64,
}

#[derive(Serialize)]
pub struct ListingFigures {
    pub sizes: Vec<AtSize>,
}

pub async fn measure(
    data: &std::path::Path,
    scratch: &std::path::Path,
) -> anyhow::Result<ListingFigures> {
    progress::step(&format!(
        "The listing at {} tickets for sale: services on core {SERVICE_CORE}, wrk and the database on core {LOAD_CORE}",
        SIZES.map(|size| size.to_string()).join(" and ")
    ));
    let stack = start_pinned_stack(data).await?;
    let tickets = format!("http://{}", stack.service("tickets").address);
    let client = format!("http://{}", stack.service("client").address);
    let seller = ApiClient::new(Endpoints {
        auth: Some(format!("http://{}", stack.service("auth").address)),
        tickets: Some(tickets.clone()),
        ..Endpoints::default()
    });
    seller
        .sign_up("listing-bench@example.com", "bench-password")
        .await
        .context("sign up the benchmark's seller")?;

    let mut sizes = Vec::new();
    let mut listed = 0;
    for size in SIZES {
        list_tickets(&seller, listed, size).await?;
        listed = size;
        let halfway = cursor_halfway(&tickets, size).await?;
        let urls = [
            format!("{tickets}/api/tickets"),
            format!("{tickets}/api/tickets?cursor={halfway}"),
            format!("{tickets}/api/tickets?q={COMMON_WORD}"),
            format!("{tickets}/api/tickets?q={RARE_WORD}&limit=1"),
            format!("{client}/"),
        ];
        let mut reads = Vec::new();
        for (read, url) in READS.iter().zip(&urls) {
            progress::step(&format!("{size} tickets: {read}"));
            let load = |seconds| Load {
                url,
                connections: CONNECTIONS,
                seconds,
                cookie: None,
                post_json: None,
            };
            wrk::run(&load(WARM_UP_SECONDS), scratch).await?;
            let measured = wrk::run(&load(RUN_SECONDS), scratch).await?;
            refuse_failures(read, &measured, true)?;
            progress::done(&format!(
                "{:>9.0} req/s   p50 {:>6.2} ms   p99 {:>6.2} ms",
                measured.requests_per_second, measured.p50_ms, measured.p99_ms
            ));
            reads.push(measured);
        }
        let peak = megabytes(&stack, "VmHWM")?;
        let peak_of = |service| {
            peak.iter()
                .find(|(name, _)| *name == service)
                .map_or(0.0, |(_, mb)| *mb)
        };
        sizes.push(AtSize {
            tickets_for_sale: size,
            reads,
            tickets_peak_mb: peak_of("tickets"),
            client_peak_mb: peak_of("client"),
        });
    }
    Ok(ListingFigures { sizes })
}

/// Lists tickets `from..to` (their numbers), through the API, some at once.
async fn list_tickets(seller: &ApiClient, from: usize, to: usize) -> anyhow::Result<()> {
    progress::step(&format!("Listing tickets {} to {to}", from + 1));
    let started = Instant::now();
    stream::iter(from..to)
        .map(|n| async move {
            let common = if n % 2 == 0 { COMMON_WORD } else { "tour" };
            let title = format!("band{:02} {common} night {n}", n % 100);
            let price = Price::from_cents(1_000 + (n % 500) as i64 * 10)?;
            seller.list_ticket(&title, price).await?;
            if (n + 1) % 10_000 == 0 {
                progress::done(&format!(
                    "{} listed ({:.0}/s)",
                    n + 1,
                    (n + 1 - from) as f64 / started.elapsed().as_secs_f64()
                ));
            }
            anyhow::Ok(())
        })
        .buffer_unordered(SEEDING_AT_ONCE)
        .try_collect::<()>()
        .await
}

/// The cursor of the page that starts halfway through the listing, found by walking
/// it a page at a time, as a client would.
async fn cursor_halfway(tickets: &str, size: usize) -> anyhow::Result<String> {
    let http = reqwest::Client::new();
    let mut url = format!("{tickets}/api/tickets");
    let mut walked = 0;
    loop {
        let response = http.get(&url).send().await?.error_for_status()?;
        let link = response
            .headers()
            .get("link")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let page: Vec<serde_json::Value> = response.json().await?;
        walked += page.len();
        let Some(next) = cursor_in_link(&link, "next") else {
            bail!(
                "the listing ended after {walked} tickets, before {}",
                size / 2
            );
        };
        if walked >= size / 2 {
            return Ok(next);
        }
        url = format!("{tickets}/api/tickets?cursor={next}");
    }
}
