//! `cargo xtask bench`: the figures that show the product is fast, reproducibly.
//! Release builds; wrk for the per-route figures (method in `routes.rs`), a Rust
//! client for the purchase flow. Results go to `target/bench/` as JSON and as the
//! printed table.

mod cpu;
mod floor;
mod flow;
mod listing;
mod report;
mod results;
mod routes;
mod wrk;

use anyhow::Context;
use results::Results;

use crate::{
    install, progress,
    stack::{Profile, build_services},
    workspace,
};

#[derive(clap::Args)]
pub struct Options {
    /// Measure only the listing at its two sizes (about 10 minutes, most of it
    /// listing 100,000 tickets).
    #[arg(long, conflicts_with = "flow_only")]
    listing_only: bool,
    /// Measure only the purchase flow and lapsed locks (about 5 minutes).
    #[arg(long, conflicts_with = "routes_only")]
    flow_only: bool,
    /// Measure only the routes against the floor, and memory (about 8 minutes).
    #[arg(long, conflicts_with = "listing_only")]
    routes_only: bool,
    /// The purchase flow runs with one replica of every service, then with this many.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=8))]
    replicas: u16,
}

pub async fn run(options: Options) -> anyhow::Result<()> {
    install::ensure_apt_package("wrk", "wrk", "to load the services")?;
    install::ensure_apt_package("taskset", "util-linux", "to pin processes to cores")?;
    install::ensure_tools()?;
    build_services(Profile::Release)?;
    floor::build()?;
    let out = workspace::target_dir().join("bench");
    if out.exists() {
        std::fs::remove_dir_all(&out).context("clear the last benchmark's data")?;
    }
    std::fs::create_dir_all(&out)?;

    if options.listing_only {
        let listing = listing::measure(&out.join("listing-data"), &out).await?;
        return save_and_print(
            &out.join("listing.json"),
            &listing,
            &report::listing_table(&listing),
        );
    }
    let replicas = options.replicas.into();
    if options.flow_only {
        let flow = flow::purchase_flow(&out.join("flow-data"), replicas).await?;
        let lapse = flow::lapses(&out.join("lapse-data")).await?;
        return save_and_print(
            &out.join("flow.json"),
            &flow,
            &report::flow_table(&flow, &lapse),
        );
    }
    let routes = routes::measure(&out.join("routes-data"), &out).await?;
    if options.routes_only {
        return save_and_print(
            &out.join("routes.json"),
            &routes,
            &report::routes_tables(&routes),
        );
    }
    let listing = listing::measure(&out.join("listing-data"), &out).await?;
    let flow = flow::purchase_flow(&out.join("flow-data"), replicas).await?;
    let lapse = flow::lapses(&out.join("lapse-data")).await?;
    let results = Results {
        measured_at: time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)?,
        cores: std::thread::available_parallelism().map_or(1, usize::from),
        routes,
        listing,
        flow,
        lapse,
    };
    let table = report::table(&results);
    std::fs::write(
        out.join("results.json"),
        serde_json::to_string_pretty(&results)?,
    )?;
    std::fs::write(out.join("results.md"), &table)?;
    println!("\n{table}");
    progress::done(&format!(
        "Saved {} and {}",
        out.join("results.json").display(),
        out.join("results.md").display()
    ));
    Ok(())
}

/// What a partial run (`--listing-only`, `--flow-only`, `--routes-only`) measured:
/// its figures as JSON in `path`, its table on screen.
fn save_and_print(
    path: &std::path::Path,
    figures: &impl serde::Serialize,
    table: &str,
) -> anyhow::Result<()> {
    std::fs::write(path, serde_json::to_string_pretty(figures)?)?;
    println!("\n{table}");
    Ok(())
}
