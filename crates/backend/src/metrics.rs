//! What a service with events reports at each scrape, beside the process's metrics:
//! per listener, what it did with each delivery, how long its handling took, and how
//! far its durable consumer is behind the stream; how many events wait in the outbox
//! and for how long; whether NATS is connected.

use std::sync::Arc;

use async_nats::jetstream::consumer::PullConsumer;
use bus::{ListenerHandle, ListenerStats};
use futures::{FutureExt, future::join_all};
use httpkit::metrics::ServiceMetrics;
use prometheus_client::encoding::EncodeLabelSet;
use storage::outbox::Outbox;
use telemetry::metrics::{
    Collector, ConstCounter, ConstGauge, DescriptorEncoder, EncodeMetric, Unit,
};

/// What is read of one listener.
struct Listener {
    labels: ListenerLabels,
    stats: Arc<ListenerStats>,
    consumer: PullConsumer,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ListenerLabels {
    messaging_consumer_group_name: String,
    messaging_destination_name: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    messaging_consumer_group_name: String,
    messaging_destination_name: &'static str,
    outcome: &'static str,
}

/// Reads the service's metrics at each scrape.
pub fn service_metrics(
    listeners: &[ListenerHandle],
    outbox: Outbox,
    nats: async_nats::Client,
) -> ServiceMetrics {
    let listeners: Arc<Vec<Listener>> = Arc::new(
        listeners
            .iter()
            .map(|listener| Listener {
                labels: ListenerLabels {
                    messaging_consumer_group_name: listener.durable_name().to_owned(),
                    messaging_destination_name: listener.subject().as_str(),
                },
                stats: listener.shared_stats(),
                consumer: listener.consumer(),
            })
            .collect(),
    );
    Arc::new(move || {
        let (listeners, outbox, nats) = (listeners.clone(), outbox.clone(), nats.clone());
        async move {
            let snapshot = Snapshot::read(listeners, &outbox, &nats).await;
            Some(Box::new(snapshot) as Box<dyn Collector>)
        }
        .boxed()
    })
}

/// Unknown, as when the database or NATS cannot be asked: visible, and not a
/// plausible value.
const UNKNOWN: i64 = -1;

/// How long a scrape waits for JetStream to say how far a consumer is behind.
const LAG_PATIENCE: std::time::Duration = std::time::Duration::from_secs(1);

/// The values read for one scrape.
#[derive(Debug)]
struct Snapshot {
    listeners: Arc<Vec<Listener>>,
    /// Per listener, in the same order: messages not yet delivered to its consumer.
    pending: Vec<i64>,
    outbox_pending: i64,
    outbox_oldest_age_seconds: f64,
    nats_connected: bool,
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listener")
            .field("labels", &self.labels)
            .finish()
    }
}

impl Snapshot {
    async fn read(
        listeners: Arc<Vec<Listener>>,
        outbox: &Outbox,
        nats: &async_nats::Client,
    ) -> Self {
        let nats_connected = nats.connection_state() == async_nats::connection::State::Connected;
        // Asked only of a connected NATS, and briefly: while it is away a request
        // would wait for the client's whole timeout, and the scrape with it.
        let pending = join_all(listeners.iter().map(|listener| {
            let mut consumer = listener.consumer.clone();
            async move {
                if !nats_connected {
                    return UNKNOWN;
                }
                match tokio::time::timeout(LAG_PATIENCE, consumer.info()).await {
                    Ok(Ok(info)) => i64::try_from(info.num_pending).unwrap_or(i64::MAX),
                    _ => UNKNOWN,
                }
            }
        }))
        .await;
        let outbox_pending = outbox
            .pending()
            .await
            .map_or(UNKNOWN, |count| i64::try_from(count).unwrap_or(i64::MAX));
        let outbox_oldest_age_seconds = outbox
            .oldest_age()
            .await
            .map_or(UNKNOWN as f64, |age| age.as_secs_f64());
        Self {
            listeners,
            pending,
            outbox_pending,
            outbox_oldest_age_seconds,
            nats_connected,
        }
    }
}

/// How a delivery ended, and how to read the count of those that ended so.
type Outcome = (&'static str, fn(&ListenerStats) -> u64);

const OUTCOMES: [Outcome; 4] = [
    ("handled", ListenerStats::handled),
    ("retried", ListenerStats::retried),
    ("dead_lettered", ListenerStats::dead_lettered),
    ("undecodable", ListenerStats::undecodable),
];

impl Collector for Snapshot {
    fn encode(&self, mut encoder: DescriptorEncoder) -> std::fmt::Result {
        let mut consumed = encoder.encode_descriptor(
            "messaging_client_consumed_messages",
            "Deliveries a listener finished, by how: handled (acked), retried (to be redelivered), dead_lettered (given up after the last delivery), undecodable.",
            None,
            prometheus_client::metrics::MetricType::Counter,
        )?;
        for listener in self.listeners.iter() {
            for (outcome, read) in OUTCOMES {
                let labels = OutcomeLabels {
                    messaging_consumer_group_name: listener
                        .labels
                        .messaging_consumer_group_name
                        .clone(),
                    messaging_destination_name: listener.labels.messaging_destination_name,
                    outcome,
                };
                ConstCounter::new(read(&listener.stats))
                    .encode(consumed.encode_family(&labels)?)?;
            }
        }
        let mut durations = encoder.encode_descriptor(
            "messaging_process_duration",
            "How long a listener's handling of one delivery took.",
            Some(&Unit::Seconds),
            prometheus_client::metrics::MetricType::Histogram,
        )?;
        for listener in self.listeners.iter() {
            listener
                .stats
                .durations()
                .encode(durations.encode_family(&listener.labels)?)?;
        }
        let mut lag = encoder.encode_descriptor(
            "messaging_consumer_pending_messages",
            "Messages in the stream not yet delivered to the listener's durable consumer (-1: NATS could not be asked).",
            None,
            prometheus_client::metrics::MetricType::Gauge,
        )?;
        for (listener, pending) in self.listeners.iter().zip(&self.pending) {
            ConstGauge::new(*pending).encode(lag.encode_family(&listener.labels)?)?;
        }
        gauge(
            &mut encoder,
            "outbox_pending_entries",
            "Events written but not yet published (-1: the database could not be asked).",
            ConstGauge::new(self.outbox_pending),
        )?;
        gauge(
            &mut encoder,
            "outbox_oldest_entry_age_seconds",
            "How long the oldest event not yet published has waited; 0 when none waits (-1: the database could not be asked).",
            ConstGauge::new(self.outbox_oldest_age_seconds),
        )?;
        gauge(
            &mut encoder,
            "nats_connected",
            "Whether the connection to NATS is up (1) or not (0).",
            ConstGauge::new(i64::from(self.nats_connected)),
        )
    }
}

fn gauge(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    value: impl EncodeMetric,
) -> std::fmt::Result {
    let metric = encoder.encode_descriptor(name, help, None, value.metric_type())?;
    value.encode(metric)
}
