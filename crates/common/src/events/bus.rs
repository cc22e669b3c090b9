//! The connection to NATS and the one JetStream stream that carries every event.

use std::{sync::Arc, time::Duration};

use async_nats::jetstream::{self, stream};

use super::{Publisher, Subject};
use crate::config::EventsConfig;

/// Why talking to NATS failed.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("cannot connect to NATS at {url}: {source}")]
    Connect {
        url: String,
        #[source]
        source: async_nats::ConnectError,
    },
    #[error("cannot set up the JetStream stream or consumer: {0}")]
    Setup(String),
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
    /// not exist yet (file storage, so events survive a NATS restart).
    pub async fn connect(config: &EventsConfig) -> Result<Self, EventError> {
        let mut options = async_nats::ConnectOptions::new().name(&config.namespace);
        if let Some(credentials) = &config.credentials {
            options = options
                .user_and_password(credentials.user.clone(), credentials.password.clone())
                .custom_inbox_prefix(super::access::inbox_prefix(&credentials.user));
        }
        let url = &config.nats_url;
        // Several servers of a cluster, comma-separated; the client learns the rest
        // of the cluster from whichever answers.
        let servers: Vec<&str> = url.split(',').map(str::trim).collect();
        let client = options
            .connect(servers.as_slice())
            .await
            .map_err(|source| EventError::Connect {
                url: url.to_owned(),
                source,
            })?;
        let bus = Self {
            jetstream: jetstream::new(client.clone()),
            client,
            namespace: config.namespace.as_str().into(),
        };
        bus.ensure_stream(config).await?;
        Ok(bus)
    }

    async fn ensure_stream(&self, config: &EventsConfig) -> Result<(), EventError> {
        self.jetstream
            .get_or_create_stream(stream::Config {
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
            })
            .await
            .map_err(|error| EventError::Setup(error.to_string()))?;
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

    pub fn publisher(&self) -> Publisher {
        Publisher::new(self.clone())
    }
}
