//! The reference figures of the issue, the targets, and the printed table.

use std::fmt::Write;

use super::{
    flow::{FlowFigures, LapseFigures, Percentiles},
    listing::{self, ListingFigures},
    results::Results,
    routes::Figures as RouteFigures,
};

/// The original Node.js services this project began as a port of (express +
/// mongoose), measured on this kind of machine by the same method: a fixed reference,
/// since they are not part of the repository.
struct Original {
    route: &'static str,
    rps: f64,
    p99_ms: f64,
}

const ORIGINAL: [Original; 4] = [
    Original {
        route: "GET /api/users/currentuser",
        rps: 1_524.0,
        p99_ms: 43.6,
    },
    Original {
        route: "GET /api/tickets/:id",
        rps: 1_887.0,
        p99_ms: 49.7,
    },
    Original {
        route: "unknown route (404)",
        rps: 4_658.0,
        p99_ms: 22.7,
    },
    Original {
        route: "POST /api/users/signin",
        rps: 25.0,
        p99_ms: 1_480.0,
    },
];

/// The targets: a share of the floor's rate and a multiple of its p99, both measured
/// in the same run, memory caps, and the p99 of `currentuser` while hashing is
/// saturated.
const MIN_SHARE_OF_FLOOR_RATE: f64 = 0.9;
const MAX_MULTIPLE_OF_FLOOR_P99: f64 = 1.2;
const MAX_IDLE_MB: f64 = 20.0;
const MAX_LOADED_MB: f64 = 60.0;
const MAX_P99_DURING_HASHING_MS: f64 = 10.0;

fn mark(met: bool) -> &'static str {
    if met { "ok" } else { "MISSED" }
}

/// The whole report as text.
pub fn table(results: &Results) -> String {
    let mut out = routes_tables(&results.routes);
    out.push_str(&listing_table(&results.listing));
    out.push_str(&flow_table(&results.flow, &results.lapse));
    out
}

/// The routes against the floor, then memory.
pub fn routes_tables(routes: &RouteFigures) -> String {
    let mut out = String::new();
    routes_table(&mut out, routes);
    memory_table(&mut out, routes);
    out
}

/// The purchase flow's share of its CPU bound: the target.
const MIN_SHARE_OF_CPU_BOUND: f64 = 0.6;

/// The purchase flow: each run's rate beside its CPU bound, then each event hop and
/// what each process spent per purchase, a column per run; lapsed locks last.
pub fn flow_table(flow: &FlowFigures, lapse: &LapseFigures) -> String {
    let mut out = String::new();
    let signup = &flow.signup;
    let _ = writeln!(
        out,
        "\nPurchase flow through the gateway, {} purchases per run; the {} users signed up beforehand ({:.1} signups/s, {} at a time, p50 {:.0} ms, p99 {:.0} ms)",
        flow.runs.first().map_or(0, |run| run.purchases),
        signup.users,
        signup.per_second,
        signup.concurrency,
        signup.latency.p50_ms,
        signup.latency.p99_ms
    );
    let _ = writeln!(
        out,
        "| replicas | buyers | purchases/s | CPU bound/s | share (≥ {:.0}%) | reserve → complete p50 | p99 | requests/purchase | failed |\n|---|---|---|---|---|---|---|---|---|",
        MIN_SHARE_OF_CPU_BOUND * 100.0
    );
    for run in &flow.runs {
        let share = run.share_of_cpu_bound();
        let _ = writeln!(
            out,
            "| {} | {} | {:.1} | {:.1} | {:.0}% {} | {:.0} ms | {:.0} ms | {:.1} | {} |",
            run.replicas,
            run.concurrent_buyers,
            run.purchases_per_second,
            run.cpu_bound_per_second,
            share * 100.0,
            mark(share >= MIN_SHARE_OF_CPU_BOUND && run.failed == 0),
            run.reserve_to_complete.p50_ms,
            run.reserve_to_complete.p99_ms,
            run.requests_per_purchase,
            run.failed
        );
    }
    for failure in flow
        .runs
        .iter()
        .filter_map(|run| run.first_failure.as_ref())
    {
        let _ = writeln!(out, "\nA purchase failed: {failure}");
    }
    let header: String = flow
        .runs
        .iter()
        .map(|run| format!(" {}×{} |", run.replicas, run.concurrent_buyers))
        .collect();
    let rule = "---|".repeat(flow.runs.len() + 1);
    let _ = writeln!(
        out,
        "\nEach request and event hop, p50 / p99 in ms (replicas × buyers)\n| |{header}\n|{rule}"
    );
    let names = flow.runs.first().map(|run| {
        let steps = run.steps.iter().map(|(name, _)| *name);
        steps
            .chain(run.hops.iter().map(|(name, _)| *name))
            .collect::<Vec<_>>()
    });
    for (index, name) in names.unwrap_or_default().into_iter().enumerate() {
        let cells: String = flow
            .runs
            .iter()
            .map(|run| {
                let timing = run.steps.iter().chain(&run.hops).nth(index);
                timing.map_or(" |".to_owned(), |(_, percentiles)| {
                    format!(" {:.1} / {:.1} |", percentiles.p50_ms, percentiles.p99_ms)
                })
            })
            .collect();
        let _ = writeln!(out, "| {name} |{cells}");
    }
    let _ = writeln!(
        out,
        "\nCPU ms per purchase, by process (replicas × buyers)\n| |{header}\n|{rule}"
    );
    let processes = flow.runs.first().map(|run| {
        run.cpu_ms_per_purchase
            .iter()
            .map(|(name, _)| name.clone())
            .collect::<Vec<_>>()
    });
    for process in processes.unwrap_or_default() {
        let cells: String = flow
            .runs
            .iter()
            .map(|run| {
                let spent = run
                    .cpu_ms_per_purchase
                    .iter()
                    .find(|(name, _)| *name == process);
                spent.map_or(" |".to_owned(), |(_, ms)| format!(" {ms:.2} |"))
            })
            .collect();
        let _ = writeln!(out, "| {process} |{cells}");
    }
    let totals: String = flow
        .runs
        .iter()
        .map(|run| {
            let total: f64 = run.cpu_ms_per_purchase.iter().map(|(_, ms)| ms).sum();
            format!(" **{total:.2}** |")
        })
        .collect();
    let _ = writeln!(out, "| all |{totals}");
    let _ = writeln!(out, "\n| | p50 | p99 |\n|---|---|---|");
    row(
        &mut out,
        &format!(
            "lapsed lock released after expiresAt ({} holds of {}s)",
            lapse.reservations, lapse.hold_seconds
        ),
        lapse.released_after_expiry,
    );
    out
}

fn row(out: &mut String, name: &str, percentiles: Percentiles) {
    let _ = writeln!(
        out,
        "| {name} | {:.1} ms | {:.1} ms |",
        percentiles.p50_ms, percentiles.p99_ms
    );
}

fn routes_table(out: &mut String, figures: &RouteFigures) {
    let _ = writeln!(
        out,
        "| route | ours req/s | ours p99 | floor req/s | floor p99 | ours/floor (same run) | target (≥ {MIN_SHARE_OF_FLOOR_RATE}× rate, ≤ {MAX_MULTIPLE_OF_FLOOR_P99}× p99) | original req/s | ours/original |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|");
    for route in &figures.routes {
        let (rate, p99) = route.summary();
        let (floor_rate, floor_p99, versus_floor, target) = match route.floor_summary() {
            Some((floor_rate, floor_p99)) => {
                let met = rate >= MIN_SHARE_OF_FLOOR_RATE * floor_rate
                    && p99 <= MAX_MULTIPLE_OF_FLOOR_P99 * floor_p99;
                (
                    format!("{floor_rate:.0}"),
                    format!("{floor_p99:.2} ms"),
                    format!(
                        "{:.2}× rate, {:.2}× p99",
                        rate / floor_rate,
                        p99 / floor_p99
                    ),
                    mark(met),
                )
            }
            None => (
                "(hashing-bound)".to_owned(),
                String::new(),
                String::new(),
                "–",
            ),
        };
        let original = ORIGINAL
            .iter()
            .find(|original| original.route == route.route);
        let (original_rate, versus_original) =
            original.map_or((String::new(), String::new()), |original| {
                (
                    format!("{:.0} (p99 {} ms)", original.rps, original.p99_ms),
                    format!("{:.1}× rate", rate / original.rps),
                )
            });
        let _ = writeln!(
            out,
            "| {} | {rate:.0} | {p99:.2} ms | {floor_rate} | {floor_p99} | {versus_floor} | {target} | {original_rate} | {versus_original} |",
            route.route
        );
    }
    let during = figures.current_user_during_hashing;
    let _ = writeln!(
        out,
        "\ncurrentuser while signin saturates hashing ({:.0} signins/s): p99 {:.1} ms, {:.0} req/s (target p99 < {MAX_P99_DURING_HASHING_MS} ms: {})",
        figures.signin_during_hashing.requests_per_second,
        during.p99_ms,
        during.requests_per_second,
        mark(during.p99_ms < MAX_P99_DURING_HASHING_MS)
    );
}

fn memory_table(out: &mut String, figures: &RouteFigures) {
    let _ = writeln!(
        out,
        "\n| service | RSS idle | RSS peak under load | RSS after load | target (< {MAX_IDLE_MB} MB idle, < {MAX_LOADED_MB} MB under load) |\n|---|---|---|---|---|"
    );
    for memory in &figures.memory {
        let met = memory.idle_mb < MAX_IDLE_MB && memory.peak_mb < MAX_LOADED_MB;
        let _ = writeln!(
            out,
            "| {} | {:.1} MB | {:.1} MB | {:.1} MB | {} |",
            memory.service,
            memory.idle_mb,
            memory.peak_mb,
            memory.after_load_mb,
            mark(met)
        );
    }
}

/// The listing's targets: at the largest size each read within this factor of its
/// rate at the smallest, and the tickets and client services under the memory cap.
const MAX_SLOWDOWN_AT_SCALE: f64 = 1.5;

/// The listing's figures at its two sizes, and the services' peak memory.
pub fn listing_table(figures: &ListingFigures) -> String {
    let mut out = String::new();
    let [small, large] = &figures.sizes[..] else {
        return out;
    };
    let _ = writeln!(
        &mut out,
        "\n| read | {} for sale: req/s | p99 | {} for sale: req/s | p99 | rate at {} / at {} | target (≤ {MAX_SLOWDOWN_AT_SCALE}× slower) |\n|---|---|---|---|---|---|---|",
        small.tickets_for_sale,
        large.tickets_for_sale,
        small.tickets_for_sale,
        large.tickets_for_sale
    );
    for (n, read) in listing::READS.iter().enumerate() {
        let (at_small, at_large) = (small.reads[n], large.reads[n]);
        let slowdown = at_small.requests_per_second / at_large.requests_per_second;
        let _ = writeln!(
            &mut out,
            "| {read} | {:.0} | {:.1} ms | {:.0} | {:.1} ms | {slowdown:.2}× | {} |",
            at_small.requests_per_second,
            at_small.p99_ms,
            at_large.requests_per_second,
            at_large.p99_ms,
            mark(slowdown <= MAX_SLOWDOWN_AT_SCALE)
        );
    }
    for size in [small, large] {
        let _ = writeln!(
            &mut out,
            "\nPeak memory with {} tickets for sale: tickets {:.1} MB, client {:.1} MB (target < {MAX_LOADED_MB} MB: {})",
            size.tickets_for_sale,
            size.tickets_peak_mb,
            size.client_peak_mb,
            mark(size.tickets_peak_mb < MAX_LOADED_MB && size.client_peak_mb < MAX_LOADED_MB)
        );
    }
    out
}
