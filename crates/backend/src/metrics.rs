//! `GET /metrics` in the Prometheus text format: what each listener did (so a message
//! given up on is visible, not only logged), how many events wait in the outbox, and
//! whether NATS is connected.

use std::{fmt::Write, sync::Arc};

use axum::{Router, extract::State, http::header, response::IntoResponse, routing::get};

use bus::ListenerStats;
use storage::outbox::Outbox;

/// A counter: its name, its help text, and how to read it from a listener's stats.
type Counter = (&'static str, &'static str, fn(&ListenerStats) -> u64);

/// The counters of one listener, by its durable consumer name.
pub type NamedStats = (String, Arc<ListenerStats>);

#[derive(Clone)]
struct Sources {
    listeners: Arc<Vec<NamedStats>>,
    outbox: Outbox,
    nats: async_nats::Client,
}

/// The metrics route for an event-driven service.
pub fn router<S>(
    listeners: Vec<NamedStats>,
    outbox: Outbox,
    nats: async_nats::Client,
) -> Router<S> {
    let sources = Sources {
        listeners: Arc::new(listeners),
        outbox,
        nats,
    };
    Router::new()
        .route("/metrics", get(render))
        .with_state(sources)
}

async fn render(State(sources): State<Sources>) -> impl IntoResponse {
    let mut text = String::new();
    let counters: [Counter; 4] = [
        (
            "events_handled_total",
            "Events applied and acked.",
            ListenerStats::handled,
        ),
        (
            "events_retried_total",
            "Failed attempts scheduled for redelivery.",
            ListenerStats::retried,
        ),
        (
            "events_dead_lettered_total",
            "Events given up on after their last delivery.",
            ListenerStats::dead_lettered,
        ),
        (
            "events_undecodable_total",
            "Messages whose payload did not decode.",
            ListenerStats::undecodable,
        ),
    ];
    for (name, help, read) in counters {
        let _ = writeln!(text, "# HELP {name} {help}\n# TYPE {name} counter");
        for (consumer, stats) in sources.listeners.iter() {
            let _ = writeln!(text, "{name}{{consumer=\"{consumer}\"}} {}", read(stats));
        }
    }
    // -1 when the database cannot be asked: visible, and not a plausible count.
    let pending = sources
        .outbox
        .pending()
        .await
        .map_or(-1, |count| i64::try_from(count).unwrap_or(i64::MAX));
    let _ = writeln!(
        text,
        "# HELP outbox_pending_events Events written but not yet published.\n# TYPE outbox_pending_events gauge\noutbox_pending_events {pending}"
    );
    let connected =
        u8::from(sources.nats.connection_state() == async_nats::connection::State::Connected);
    let _ = writeln!(
        text,
        "# HELP nats_connected Whether the connection to NATS is up (1) or not (0).\n# TYPE nats_connected gauge\nnats_connected {connected}"
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}
