//! The connection to NATS and the one JetStream stream that carries every event.

use std::{sync::Arc, time::Duration};

use async_nats::jetstream::{self, stream};

use marketplace::events::{Subject, access};
use settings::EventsConfig;

/// Why talking to NATS failed.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("cannot set up {what}: {reason}")]
    Setup { what: String, reason: String },
    #[error("cannot encode the event: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("publishing {subject} failed: {reason}")]
    Publish { subject: Subject, reason: String },
}

/// How long JetStream keeps events. Consumers are durable, so this only bounds how
/// long a service may be down and still catch up.
const RETENTION: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// Window in which JetStream drops a message whose `Nats-Msg-Id` it has already stored.
const DUPLICATE_WINDOW: Duration = Duration::from_secs(10 * 60);

/// A connection to NATS plus the stream of one namespace. Production uses the
/// namespace `ticketing`; each test uses its own, so tests run side by side on one
/// server without seeing each other's events. Cheap to clone.
#[derive(Clone)]
pub struct EventBus {
    client: async_nats::Client,
    jetstream: jetstream::Context,
    namespace: Arc<str>,
}

impl EventBus {
    /// Connects as the configured user and creates the namespace's stream if it does
    /// not exist yet (file storage, so events survive a NATS restart). A service
    /// started before NATS, or while its cluster elects a leader, waits for it.
    pub async fn connect(config: &EventsConfig) -> Result<Self, EventError> {
        let url = &config.nats_url;
        // Several servers of a cluster, comma-separated; the client learns the rest
        // of the cluster from whichever answers.
        let servers: Vec<&str> = url.split(',').map(str::trim).collect();
        let what = format!("the connection to NATS at {url}");
        let client = set_up(&what, || {
            connect_options(config).connect(servers.as_slice())
        })
        .await?;
        let bus = Self {
            jetstream: jetstream::new(client.clone()),
            client,
            namespace: config.namespace.as_str().into(),
        };
        bus.ensure_stream(config).await?;
        Ok(bus)
    }

    async fn ensure_stream(&self, config: &EventsConfig) -> Result<(), EventError> {
        let stream = stream::Config {
            name: self.stream_name().to_owned(),
            subjects: vec![format!("{}.>", self.namespace)],
            storage: stream::StorageType::File,
            max_age: RETENTION,
            // Bounded, so a full disk cannot disable JetStream for everyone.
            max_bytes: config.stream_max_bytes,
            // A full stream refuses new events rather than deleting ones not yet
            // consumed; the outboxes keep refused events and retry.
            discard: stream::DiscardPolicy::New,
            num_replicas: config.stream_replicas,
            duplicate_window: DUPLICATE_WINDOW,
            ..Default::default()
        };
        let what = format!("the JetStream stream {}", self.stream_name());
        set_up(&what, || {
            self.jetstream.get_or_create_stream(stream.clone())
        })
        .await?;
        Ok(())
    }

    /// The NATS subject of an event in this namespace, e.g. `ticketing.ticket:created`.
    pub fn subject(&self, subject: Subject) -> String {
        format!("{}.{}", self.namespace, subject.as_str())
    }

    /// Where listeners keep the events of `subject` they gave up on.
    pub fn dead_letter_subject(&self, subject: Subject) -> String {
        format!("{}.deadletter.{}", self.namespace, subject.as_str())
    }

    pub fn stream_name(&self) -> &str {
        &self.namespace
    }

    /// The plain NATS client, for readiness checks.
    pub fn client(&self) -> &async_nats::Client {
        &self.client
    }

    /// The JetStream context, for tests and tools that inspect the stream.
    pub fn jetstream(&self) -> &jetstream::Context {
        &self.jetstream
    }
}

/// As the configured user, with its own inbox prefix (the permissions allow no other),
/// and telling the operator what happens to the connection.
fn connect_options(config: &EventsConfig) -> async_nats::ConnectOptions {
    let options = async_nats::ConnectOptions::new()
        .name(&config.namespace)
        .event_callback(|event| async move { log_connection_event(event) });
    match &config.credentials {
        Some(credentials) => options
            .user_and_password(credentials.user.clone(), credentials.password.clone())
            .custom_inbox_prefix(access::inbox_prefix(&credentials.user)),
        None => options,
    }
}

/// How long a service keeps trying to connect and set up its stream and consumers as
/// it starts.
pub const SETUP_PATIENCE: Duration = Duration::from_secs(60);

/// Runs a setup step (the connection, a JetStream request) until it succeeds or
/// [`SETUP_PATIENCE`] runs out. A server not up yet refuses the connection; a cluster
/// that is electing a leader, or busy with every service starting at once, lets
/// requests time out. A service that gave up at the first one would crash and start
/// over, slower.
pub(crate) async fn set_up<T, E, F, Fut>(what: &str, mut request: F) -> Result<T, EventError>
where
    E: std::fmt::Display,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let deadline = tokio::time::Instant::now() + SETUP_PATIENCE;
    let mut pause = Duration::from_millis(250);
    loop {
        match request().await {
            Ok(value) => return Ok(value),
            Err(error) if tokio::time::Instant::now() + pause < deadline => {
                tracing::warn!(%error, what, "NATS setup failed; retrying");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(5));
            }
            Err(error) => {
                return Err(EventError::Setup {
                    what: what.to_owned(),
                    reason: error.to_string(),
                });
            }
        }
    }
}

/// Tells the operator what happened to the connection: losing and regaining NATS,
/// and the server refusing something, such as a publish the permissions forbid.
fn log_connection_event(event: async_nats::Event) {
    use async_nats::Event;
    match event {
        Event::Connected => tracing::info!("connected to NATS"),
        Event::Disconnected => {
            tracing::warn!("lost the connection to NATS; reconnecting (requests go on)")
        }
        Event::ServerError(error) => tracing::error!(%error, "NATS refused a request"),
        other => tracing::warn!(event = %other, "NATS connection"),
    }
}
