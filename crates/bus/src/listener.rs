//! Handling events through durable JetStream consumers.
//!
//! Each (service, event) pair has one durable consumer; replicas of a service pull
//! from it, so each event is handled once per service. Messages are acked only after
//! the handler succeeded. A failure is redelivered with growing delays up to
//! [`RetryPolicy::max_deliveries`]; then the message is terminated and counted as dead
//! (log + [`ListenerStats`]), never dropped silently and never retried forever. A
//! payload that cannot be decoded will never succeed, so it is terminated at once.

use std::{
    future::Future,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use async_nats::jetstream::{
    AckKind, Message,
    consumer::{AckPolicy, DeliverPolicy, PullConsumer, pull},
};
use futures::StreamExt;
use telemetry::{
    metrics::{self, Histogram},
    propagation,
};
use tokio::task::JoinHandle;
use tracing::{Instrument, field::Empty};

use marketplace::events::{Event, Subject, durable_name};

use crate::{
    event_bus::{EventBus, EventError, set_up},
    headers::MessageHeaders,
    publisher::Publisher,
};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Handles one event type for one service.
pub trait Listener: Send + Sync + 'static {
    type Event: Event;

    /// Applies the event. Must be idempotent: the same event may arrive twice (a
    /// redelivery after a crash, a replica that timed out). `Ok` acks the message;
    /// an error has it redelivered later.
    fn handle(&self, event: Self::Event) -> impl Future<Output = Result<(), HandlerError>> + Send;
}

/// Why a handler did not apply an event. Either way the event is redelivered later.
#[derive(Debug)]
pub enum HandlerError {
    /// The event cannot be applied yet, typically because an earlier version of its
    /// entity has not arrived. Expected; logged quietly.
    NotYet(String),
    /// Applying the event failed (database down, …). Logged as a warning.
    Failed(BoxError),
}

impl HandlerError {
    pub fn not_yet(reason: impl Into<String>) -> Self {
        Self::NotYet(reason.into())
    }
}

impl<E: Into<BoxError>> From<E> for HandlerError {
    fn from(error: E) -> Self {
        Self::Failed(error.into())
    }
}

impl std::fmt::Display for HandlerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotYet(reason) => write!(f, "not yet: {reason}"),
            Self::Failed(error) => write!(f, "failed: {error}"),
        }
    }
}

/// How failed events are retried.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Deliveries before a failing message is given up on (terminated and counted).
    pub max_deliveries: i64,
    /// Delay before the n-th redelivery; the last one repeats.
    pub delays: Vec<Duration>,
    /// How long a handler may run before JetStream assumes it died and redelivers.
    pub ack_wait: Duration,
}

impl Default for RetryPolicy {
    /// About twenty minutes of retries in all, the last ones a minute apart: enough to
    /// ride out a restarting database or a late predecessor event. What fails longer
    /// than that is dead-lettered, not lost.
    fn default() -> Self {
        Self {
            max_deliveries: 30,
            delays: [
                100, 250, 500, 1_000, 2_000, 4_000, 8_000, 15_000, 30_000, 60_000,
            ]
            .map(Duration::from_millis)
            .to_vec(),
            ack_wait: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    fn delay_after(&self, delivered: i64) -> Duration {
        let index = usize::try_from(delivered.saturating_sub(1)).unwrap_or(0);
        self.delays
            .get(index)
            .or(self.delays.last())
            .copied()
            .unwrap_or(Duration::from_secs(1))
    }
}

/// Counters of what a listener did, and how long its handling took, for tests and
/// metrics.
#[derive(Debug)]
pub struct ListenerStats {
    handled: AtomicU64,
    retried: AtomicU64,
    dead_lettered: AtomicU64,
    undecodable: AtomicU64,
    durations: Histogram,
}

impl Default for ListenerStats {
    fn default() -> Self {
        Self {
            handled: AtomicU64::default(),
            retried: AtomicU64::default(),
            dead_lettered: AtomicU64::default(),
            undecodable: AtomicU64::default(),
            durations: metrics::duration_histogram(),
        }
    }
}

impl ListenerStats {
    /// Events applied and acked.
    pub fn handled(&self) -> u64 {
        self.handled.load(Ordering::Relaxed)
    }
    /// Failed attempts that were scheduled for redelivery.
    pub fn retried(&self) -> u64 {
        self.retried.load(Ordering::Relaxed)
    }
    /// Events given up on after the last delivery.
    pub fn dead_lettered(&self) -> u64 {
        self.dead_lettered.load(Ordering::Relaxed)
    }
    /// Messages whose payload did not decode, terminated at once.
    pub fn undecodable(&self) -> u64 {
        self.undecodable.load(Ordering::Relaxed)
    }
    /// How long each delivery's handling took, whatever its outcome.
    pub fn durations(&self) -> &Histogram {
        &self.durations
    }
}

/// A running listener. Dropping it stops the listener.
pub struct ListenerHandle {
    durable_name: String,
    subject: Subject,
    consumer: PullConsumer,
    stats: Arc<ListenerStats>,
    task: JoinHandle<()>,
}

impl ListenerHandle {
    pub fn stats(&self) -> &ListenerStats {
        &self.stats
    }

    /// The durable consumer this listener pulls from.
    pub fn durable_name(&self) -> &str {
        &self.durable_name
    }

    /// The counters, shared, for a metrics endpoint that outlives this borrow.
    pub fn shared_stats(&self) -> Arc<ListenerStats> {
        self.stats.clone()
    }

    /// The event this listener handles.
    pub fn subject(&self) -> Subject {
        self.subject
    }

    /// Its durable consumer, shared, to ask how far behind the stream it is.
    pub fn consumer(&self) -> PullConsumer {
        self.consumer.clone()
    }
}

impl Drop for ListenerHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Creates (or reuses) the durable consumer `<service>-<event>` and starts handling its
/// messages in a background task.
pub async fn spawn_listener<L: Listener>(
    bus: &EventBus,
    service: &str,
    listener: L,
    policy: RetryPolicy,
) -> Result<ListenerHandle, EventError> {
    let subject = L::Event::SUBJECT;
    let durable_name = durable_name(service, subject);
    let what = format!("the consumer {durable_name}");
    let stream = set_up(&what, || bus.jetstream().get_stream(bus.stream_name())).await?;
    let config = pull::Config {
        durable_name: Some(durable_name.clone()),
        filter_subject: bus.subject(subject),
        deliver_policy: DeliverPolicy::All,
        ack_policy: AckPolicy::Explicit,
        ack_wait: policy.ack_wait,
        max_deliver: policy.max_deliveries,
        ..Default::default()
    };
    let consumer: PullConsumer = set_up(&what, || {
        stream.get_or_create_consumer(&durable_name, config.clone())
    })
    .await?;
    let stats = Arc::new(ListenerStats::default());
    let giving_up = GivingUp {
        publisher: bus.publisher(),
        consumer: durable_name.clone(),
    };
    let task = tokio::spawn(consume(
        consumer.clone(),
        listener,
        policy,
        giving_up,
        stats.clone(),
    ));
    Ok(ListenerHandle {
        durable_name,
        subject,
        consumer,
        stats,
        task,
    })
}

/// How long one pull request waits on the server for a message.
const PULL_EXPIRES: Duration = Duration::from_secs(5);

/// Pulls one message at a time, so replicas sharing the consumer share the work. Each
/// pull is a fetch of its own that ends when its message arrives, when the server says
/// it expired, or a few seconds after that if the answer never comes. A restarted
/// nats-server has forgotten every pull request; a long-lived pull stream could wait
/// on one forever (the chaos run caught consumers stalled with events pending), a
/// fetch cannot.
async fn consume<L: Listener>(
    consumer: PullConsumer,
    listener: L,
    policy: RetryPolicy,
    giving_up: GivingUp,
    stats: Arc<ListenerStats>,
) {
    let subject = L::Event::SUBJECT;
    loop {
        let fetched = consumer
            .fetch()
            .max_messages(1)
            .expires(PULL_EXPIRES)
            .messages()
            .await;
        let mut batch = match fetched {
            Ok(batch) => batch,
            Err(error) => {
                tracing::warn!(%subject, %error, "cannot pull events");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        while let Some(next) = batch.next().await {
            match next {
                Ok(message) => handle(&listener, message, &policy, &giving_up, &stats).await,
                Err(error) => {
                    tracing::warn!(%subject, %error, "event pull interrupted");
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
            }
        }
    }
}

/// Handles one delivery inside a consumer span that is a child of the span whose
/// request staged the event (its context travels in the message's headers), and
/// records how long it took. A child, not a link: each event has exactly one cause,
/// and a purchase is then one trace from the reservation to the ticket sold, with
/// every service's part in it. Links are for a span with many causes, as a batch.
async fn handle<L: Listener>(
    listener: &L,
    message: Message,
    policy: &RetryPolicy,
    giving_up: &GivingUp,
    stats: &ListenerStats,
) {
    let subject = L::Event::SUBJECT;
    let span = tracing::info_span!(
        "handle",
        otel.name = %format_args!("process {subject}"),
        otel.kind = "consumer",
        otel.status_code = Empty,
        messaging.system = "nats",
        messaging.operation.type = "process",
        messaging.destination.name = subject.as_str(),
        messaging.consumer.group.name = giving_up.consumer.as_str(),
        messaging.message.id = Empty,
        messaging.message.delivery_count = Empty,
    );
    if let Some(headers) = &message.headers {
        propagation::continue_trace(&span, &MessageHeaders(headers));
    }
    let started = Instant::now();
    process(listener, &message, policy, giving_up, stats)
        .instrument(span)
        .await;
    stats.durations.observe(started.elapsed().as_secs_f64());
}

async fn process<L: Listener>(
    listener: &L,
    message: &Message,
    policy: &RetryPolicy,
    giving_up: &GivingUp,
    stats: &ListenerStats,
) {
    let subject = L::Event::SUBJECT;
    let span = tracing::Span::current();
    let delivered = message.info().map_or(1, |info| info.delivered);
    span.record("messaging.message.delivery_count", delivered);
    let event = match serde_json::from_slice::<L::Event>(&message.payload) {
        Ok(event) => event,
        Err(error) => {
            stats.undecodable.fetch_add(1, Ordering::Relaxed);
            span.record("otel.status_code", "ERROR");
            tracing::error!(%subject, %error, "undecodable event terminated");
            giving_up
                .dead_letter(subject, message, &error.to_string())
                .await;
            return;
        }
    };
    span.record("messaging.message.id", event.message_id());
    match listener.handle(event).await {
        Ok(()) => {
            acknowledge(message, AckKind::Ack).await;
            stats.handled.fetch_add(1, Ordering::Relaxed);
        }
        Err(error) if delivered >= policy.max_deliveries => {
            stats.dead_lettered.fetch_add(1, Ordering::Relaxed);
            span.record("otel.status_code", "ERROR");
            tracing::error!(%subject, delivered, %error, "event given up after its last delivery");
            giving_up
                .dead_letter(subject, message, &error.to_string())
                .await;
        }
        Err(error) => {
            stats.retried.fetch_add(1, Ordering::Relaxed);
            match &error {
                HandlerError::NotYet(_) => {
                    tracing::debug!(%subject, delivered, %error, "event deferred")
                }
                HandlerError::Failed(_) => {
                    tracing::warn!(%subject, delivered, %error, "event failed; will retry")
                }
            }
            let delay = policy.delay_after(delivered);
            acknowledge(message, AckKind::Nak(Some(delay))).await;
        }
    }
}

/// What a listener does with a message it gives up on: keeps a copy on the event's
/// dead-letter subject (in the same stream, so it can be inspected and replayed), then
/// terminates it.
struct GivingUp {
    publisher: Publisher,
    consumer: String,
}

impl GivingUp {
    async fn dead_letter(&self, subject: Subject, message: &Message, reason: &str) {
        let sequence = message.info().map_or(0, |info| info.stream_sequence);
        let kept = self
            .publisher
            .publish_dead_letter(
                subject,
                &self.consumer,
                sequence,
                message.payload.clone(),
                reason,
            )
            .await;
        match kept {
            Ok(()) => acknowledge(message, AckKind::Term).await,
            // Not terminated: JetStream redelivers it (max_deliver permitting) and we
            // try to keep it again.
            Err(error) => tracing::error!(%subject, %error, "cannot dead-letter an event"),
        }
    }
}

/// An ack that does not reach the server only means a redelivery, which handlers
/// tolerate; log it and move on.
async fn acknowledge(message: &Message, kind: AckKind) {
    if let Err(error) = message.ack_with(kind).await {
        tracing::warn!(%error, "cannot acknowledge event");
    }
}
