//! The bus's permissions (`marketplace::events::access`) against the real nats-server,
//! which the test harness starts with that very configuration: each service's user
//! does all of its own work and nothing else.

use std::time::Duration;

use async_nats::jetstream;
use bus::{EventBus, HandlerError, Listener, ListenerHandle, RetryPolicy, spawn_listener};
use futures::{StreamExt, future::join_all};
use marketplace::events::{Event, ServiceName, Subject};
use serde::{Deserialize, Serialize};
use testkit::World;

/// An event of the `N`-th subject with any JSON payload, so one test can exercise
/// every subject through the real publisher and listener.
#[derive(Debug, Serialize, Deserialize)]
#[serde(transparent)]
struct AnyEvent<const N: usize>(serde_json::Value);

impl<const N: usize> Event for AnyEvent<N> {
    const SUBJECT: Subject = Subject::ALL[N];

    fn message_id(&self) -> String {
        format!("{}:{}", Self::SUBJECT, self.0["id"])
    }
}

/// Acks every event but those marked `"poison"`, which fail until dead-lettered.
struct Picky<const N: usize>;

impl<const N: usize> Listener for Picky<N> {
    type Event = AnyEvent<N>;

    async fn handle(&self, event: AnyEvent<N>) -> Result<(), HandlerError> {
        if event.0["poison"] == true {
            return Err(HandlerError::Failed("poison".into()));
        }
        Ok(())
    }
}

async fn bus_of(world: &World, service: ServiceName) -> EventBus {
    EventBus::connect(&world.events_config(service.as_str()))
        .await
        .unwrap_or_else(|error| panic!("{service} cannot connect: {error}"))
}

/// `bus`'s connection with JetStream requests that give up after a second: the server
/// drops a forbidden request without an answer, so refusals show up as timeouts.
fn impatient(bus: &EventBus) -> jetstream::Context {
    jetstream::ContextBuilder::new()
        .timeout(Duration::from_secs(1))
        .build(bus.client().clone())
}

fn payload(id: &str, poison: bool) -> bytes::Bytes {
    serde_json::to_vec(&serde_json::json!({ "id": id, "poison": poison }))
        .unwrap()
        .into()
}

/// Starts `service`'s listener of the `N`-th subject as `service`. It gives up on a
/// failing event at its second delivery; an ack, nak or termination that the server
/// refused would leave the event unacknowledged for the whole (long) `ack_wait`.
async fn listen_as<const N: usize>(bus: &EventBus, service: ServiceName) -> ListenerHandle {
    let policy = RetryPolicy {
        max_deliveries: 2,
        delays: vec![Duration::from_millis(50)],
        ack_wait: Duration::from_secs(60),
    };
    spawn_listener(bus, service.as_str(), Picky::<N>, policy)
        .await
        .unwrap_or_else(|error| panic!("{service} cannot listen to {}: {error}", Subject::ALL[N]))
}

macro_rules! each_subject {
    ($index:expr, $function:ident($($argument:expr),*)) => {
        match $index {
            0 => $function::<0>($($argument),*).await,
            1 => $function::<1>($($argument),*).await,
            2 => $function::<2>($($argument),*).await,
            3 => $function::<3>($($argument),*).await,
            4 => $function::<4>($($argument),*).await,
            5 => $function::<5>($($argument),*).await,
            6 => $function::<6>($($argument),*).await,
            7 => $function::<7>($($argument),*).await,
            other => panic!("no subject {other}"),
        }
    };
}

/// Whether the operator sees the durable consumer with nothing left to deliver or ack.
async fn drained(operator: &EventBus, consumer: &str) -> bool {
    let stream = operator
        .jetstream()
        .get_stream(operator.stream_name())
        .await
        .unwrap();
    let mut consumer: jetstream::consumer::PullConsumer =
        stream.get_consumer(consumer).await.unwrap();
    let info = consumer.info().await.unwrap();
    info.num_pending == 0 && info.num_ack_pending == 0
}

/// The number of messages on `subject` in the stream, as the operator counts them.
async fn stored_on(operator: &EventBus, subject: &str) -> u64 {
    let stream = operator
        .jetstream()
        .get_stream(operator.stream_name())
        .await
        .unwrap();
    let info = stream
        .info_with_subjects(subject)
        .await
        .unwrap()
        .next()
        .await;
    info.map_or(0, |entry| entry.unwrap().1 as u64)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_service_publishes_consumes_acks_and_dead_letters_its_own_events() {
    let world = World::new();
    let operator = world.bus().await;
    let mut listeners = Vec::new();
    let mut expected = Vec::new();
    for (index, subject) in Subject::ALL.into_iter().enumerate() {
        for consumer in subject.consumers() {
            let bus = bus_of(&world, *consumer).await;
            listeners.push(each_subject!(index, listen_as(&bus, *consumer)));
            expected.push((*consumer, subject));
        }
        let publisher = bus_of(&world, subject.publisher()).await.publisher();
        for (id, poison) in [("fine", false), ("poison", true)] {
            publisher
                .publish_encoded(
                    subject,
                    &format!("{subject}-{id}"),
                    payload(id, poison),
                    &Default::default(),
                )
                .await
                .unwrap_or_else(|error| {
                    panic!("{} cannot publish {subject}: {error}", subject.publisher())
                });
        }
    }

    for (consumer, subject) in expected {
        let durable = format!("{consumer}-{}", subject.as_str().replace(':', "-"));
        let done =
            testkit::eventually(Duration::from_secs(10), || drained(&operator, &durable)).await;
        assert!(
            done,
            "{durable} did not ack (or dead-letter) both of its events"
        );
        let dead = stored_on(&operator, &operator.dead_letter_subject(subject)).await;
        assert!(dead >= 1, "{consumer} kept no dead letter of {subject}");
    }
    drop(listeners);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_service_can_publish_another_services_event() {
    let world = World::new();
    let operator = world.bus().await;
    let mut attempts = Vec::new();
    for subject in Subject::ALL {
        for service in ServiceName::ALL
            .into_iter()
            .filter(|service| *service != subject.publisher())
        {
            let bus = bus_of(&world, service).await;
            attempts.push(async move {
                let published = async {
                    impatient(&bus)
                        .publish(bus.subject(subject), payload("forged", false))
                        .await?
                        .await
                }
                .await;
                (service, subject, published.is_ok())
            });
        }
    }
    for (service, subject, published) in join_all(attempts).await {
        assert!(!published, "{service} published {subject}");
    }
    for subject in Subject::ALL {
        assert_eq!(
            stored_on(&operator, &operator.subject(subject)).await,
            0,
            "{subject} was stored"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_service_can_delete_or_purge_the_stream_or_use_another_services_consumer() {
    let world = World::new();
    let operator = world.bus().await;
    operator
        .publisher()
        .publish_encoded(
            Subject::OrderCreated,
            "kept",
            payload("kept", false),
            &Default::default(),
        )
        .await
        .unwrap();
    // The consumer payments pulls order:created from.
    let payments = bus_of(&world, ServiceName::Payments).await;
    let _payments = listen_as::<2>(&payments, ServiceName::Payments).await;

    let attempts = ServiceName::ALL.into_iter().map(|service| {
        let world = world.clone();
        async move {
            let bus = bus_of(&world, service).await;
            let jetstream = &impatient(&bus);
            let deleted = jetstream.delete_stream(bus.stream_name()).await.is_ok();
            let mut stream = jetstream.get_stream(bus.stream_name()).await.unwrap();
            let purged = stream.purge().await.is_ok();
            let info = stream.info().await.is_ok();
            let updated = jetstream
                .update_stream(jetstream::stream::Config {
                    name: bus.stream_name().to_owned(),
                    subjects: vec![">".to_owned()],
                    ..Default::default()
                })
                .await
                .is_ok();
            let used_others = service != ServiceName::Payments
                && (stream
                    .get_consumer::<jetstream::consumer::pull::Config>("payments-order-created")
                    .await
                    .is_ok()
                    || stream
                        .delete_consumer("payments-order-created")
                        .await
                        .is_ok());
            (service, deleted, purged, updated, used_others, info)
        }
    });
    for (service, deleted, purged, updated, used_others, info) in join_all(attempts).await {
        assert!(info, "{service} cannot even look the stream up");
        assert!(!deleted, "{service} deleted the stream");
        assert!(!purged, "{service} purged the stream");
        assert!(!updated, "{service} changed the stream");
        assert!(!used_others, "{service} used payments' consumer");
    }
    assert_eq!(
        stored_on(&operator, &operator.subject(Subject::OrderCreated)).await,
        1
    );
}

#[tokio::test]
async fn an_anonymous_connection_or_a_wrong_password_is_refused() {
    let world = World::new();
    let anonymous = async_nats::ConnectOptions::new()
        .connect(world.nats.url.as_str())
        .await;
    assert!(anonymous.is_err(), "an anonymous client connected");
    let wrong = async_nats::ConnectOptions::new()
        .user_and_password("payments".to_owned(), "guessed".to_owned())
        .connect(world.nats.url.as_str())
        .await;
    assert!(wrong.is_err(), "a wrong password was accepted");
    let right = EventBus::connect(&world.events_config("payments")).await;
    assert!(right.is_ok(), "payments' own credentials were refused");
}

#[tokio::test]
async fn a_service_cannot_read_another_services_replies() {
    let world = World::new();
    let tickets = async_nats::ConnectOptions::new()
        .user_and_password(
            "tickets".to_owned(),
            world.events_config("tickets").credentials.unwrap().password,
        )
        .custom_inbox_prefix("_INBOX_tickets")
        .connect(world.nats.url.as_str())
        .await
        .unwrap();
    let mut snooping = tickets.subscribe("_INBOX_payments.>").await.unwrap();
    tickets.flush().await.unwrap();
    let payments = bus_of(&world, ServiceName::Payments).await;
    payments
        .publisher()
        .publish_encoded(
            Subject::PaymentCreated,
            "p1",
            payload("p1", false),
            &Default::default(),
        )
        .await
        .unwrap();
    let overheard = tokio::time::timeout(Duration::from_millis(500), snooping.next()).await;
    assert!(overheard.is_err(), "tickets read payments' publish ack");
}
