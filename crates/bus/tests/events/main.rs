//! The event layer against a real nats-server: delivery, sharing, retries,
//! de-duplication and poison messages, and the bus's permissions.

mod access;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use bus::{EventBus, HandlerError, Listener, ListenerHandle, RetryPolicy, spawn_listener};
use marketplace::{
    events::{Event, TicketCreated},
    id::UserId,
    money::Price,
};

/// Records every delivery it sees; fails the first `failures_per_event` attempts of
/// each event.
#[derive(Clone, Default)]
struct Recorder {
    attempts: Arc<Mutex<HashMap<String, u32>>>,
    handled: Arc<Mutex<Vec<String>>>,
    failures_per_event: u32,
    work: Duration,
}

impl Recorder {
    fn failing(failures_per_event: u32) -> Self {
        Self {
            failures_per_event,
            ..Self::default()
        }
    }

    fn handled(&self) -> Vec<String> {
        self.handled.lock().unwrap().clone()
    }

    fn attempts(&self, id: &str) -> u32 {
        self.attempts.lock().unwrap().get(id).copied().unwrap_or(0)
    }
}

impl Listener for Recorder {
    type Event = TicketCreated;

    async fn handle(&self, event: TicketCreated) -> Result<(), HandlerError> {
        tokio::time::sleep(self.work).await;
        let attempt = {
            let mut attempts = self.attempts.lock().unwrap();
            let attempt = attempts.entry(event.title.clone()).or_default();
            *attempt += 1;
            *attempt
        };
        if attempt <= self.failures_per_event {
            return Err(HandlerError::Failed(
                format!("attempt {attempt} fails").into(),
            ));
        }
        self.handled.lock().unwrap().push(event.title);
        Ok(())
    }
}

/// A ticket named `label`, which the recorder records. The id follows from the label,
/// so the same label is the same message to JetStream's de-duplication.
fn ticket(label: &str) -> TicketCreated {
    let mut hasher = std::hash::DefaultHasher::new();
    std::hash::Hash::hash(label, &mut hasher);
    let id = format!("{:024x}", std::hash::Hasher::finish(&hasher));
    TicketCreated {
        id: id.parse().unwrap(),
        version: 0,
        title: label.to_owned(),
        price: Price::from_cents(2500).unwrap(),
        user_id: UserId::new(),
    }
}

fn fast_retries(max_deliveries: i64) -> RetryPolicy {
    RetryPolicy {
        max_deliveries,
        delays: vec![Duration::from_millis(50)],
        ack_wait: Duration::from_secs(5),
    }
}

async fn bus() -> EventBus {
    testkit::World::new().bus().await
}

async fn listen(
    bus: &EventBus,
    service: &str,
    recorder: &Recorder,
    policy: RetryPolicy,
) -> ListenerHandle {
    spawn_listener(bus, service, recorder.clone(), policy)
        .await
        .expect("create the consumer")
}

/// Polls `condition` until it holds or `timeout` passes.
async fn eventually(timeout: Duration, condition: impl Fn() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + timeout;
    while tokio::time::Instant::now() < deadline {
        if condition() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    condition()
}

/// The payloads kept on the dead-letter subject of `ticket:created`.
async fn dead_letters(bus: &EventBus) -> Vec<String> {
    use async_nats::jetstream::consumer::{AckPolicy, pull};
    use futures::StreamExt;
    let stream = bus.jetstream().get_stream(bus.stream_name()).await.unwrap();
    let consumer = stream
        .create_consumer(pull::Config {
            filter_subject: bus.dead_letter_subject(TicketCreated::SUBJECT),
            ack_policy: AckPolicy::None,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut batch = consumer
        .fetch()
        .max_messages(100)
        .expires(Duration::from_millis(300))
        .messages()
        .await
        .unwrap();
    let mut payloads = Vec::new();
    while let Some(message) = batch.next().await {
        let message = message.unwrap();
        assert!(
            message
                .headers
                .as_ref()
                .is_some_and(|headers| headers.get("Ticketing-Dead-Reason").is_some())
        );
        payloads.push(String::from_utf8_lossy(&message.payload).into_owned());
    }
    payloads
}

/// Lets any stray redelivery happen before asserting that none did.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(700)).await;
}

#[tokio::test]
async fn a_published_event_reaches_a_durable_consumer_once() {
    let bus = bus().await;
    let recorder = Recorder::default();
    let listener = listen(&bus, "orders", &recorder, RetryPolicy::default()).await;

    bus.publisher().publish(&ticket("t1")).await.unwrap();

    assert!(eventually(Duration::from_secs(5), || recorder.handled().len() == 1).await);
    settle().await;
    assert_eq!(recorder.handled(), ["t1"]);
    assert_eq!(listener.stats().handled(), 1);

    // The consumer is durable: a restarted listener resumes after what was acked.
    drop(listener);
    bus.publisher().publish(&ticket("t2")).await.unwrap();
    let restarted = Recorder::default();
    let _listener = listen(&bus, "orders", &restarted, RetryPolicy::default()).await;
    assert!(eventually(Duration::from_secs(5), || restarted.handled().len() == 1).await);
    settle().await;
    assert_eq!(restarted.handled(), ["t2"]);
}

#[tokio::test]
async fn each_service_gets_its_own_copy_of_an_event() {
    let bus = bus().await;
    let (orders, payments) = (Recorder::default(), Recorder::default());
    let _orders = listen(&bus, "orders", &orders, RetryPolicy::default()).await;
    let _payments = listen(&bus, "payments", &payments, RetryPolicy::default()).await;

    bus.publisher().publish(&ticket("t1")).await.unwrap();

    let both = || orders.handled().len() == 1 && payments.handled().len() == 1;
    assert!(eventually(Duration::from_secs(5), both).await);
}

#[tokio::test]
async fn two_listeners_sharing_a_durable_consumer_split_the_work() {
    let bus = bus().await;
    let slow = |_| Recorder {
        work: Duration::from_millis(20),
        ..Recorder::default()
    };
    let (first, second): (Recorder, Recorder) = (slow(()), slow(()));
    let one = listen(&bus, "tickets", &first, RetryPolicy::default()).await;
    let two = listen(&bus, "tickets", &second, RetryPolicy::default()).await;
    assert_eq!(one.durable_name(), two.durable_name());

    let ids: Vec<String> = (0..30).map(|n| format!("t{n}")).collect();
    for id in &ids {
        bus.publisher().publish(&ticket(id)).await.unwrap();
    }

    let total = || first.handled().len() + second.handled().len();
    assert!(eventually(Duration::from_secs(10), || total() == ids.len()).await);
    settle().await;
    let mut all: Vec<String> = first
        .handled()
        .into_iter()
        .chain(second.handled())
        .collect();
    all.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(
        all, expected,
        "every event handled exactly once across replicas"
    );
    assert!(
        !first.handled().is_empty() && !second.handled().is_empty(),
        "both replicas worked"
    );
}

#[tokio::test]
async fn a_failed_event_is_redelivered_until_it_succeeds() {
    let bus = bus().await;
    let recorder = Recorder::failing(2);
    let listener = listen(&bus, "orders", &recorder, fast_retries(5)).await;

    bus.publisher().publish(&ticket("t1")).await.unwrap();

    assert!(eventually(Duration::from_secs(5), || recorder.handled().len() == 1).await);
    assert_eq!(recorder.attempts("t1"), 3);
    assert_eq!(listener.stats().retried(), 2);
    assert_eq!(listener.stats().dead_lettered(), 0);
}

#[tokio::test]
async fn an_event_that_keeps_failing_is_given_up_after_its_last_delivery() {
    let bus = bus().await;
    let recorder = Recorder::failing(u32::MAX);
    let listener = listen(&bus, "orders", &recorder, fast_retries(3)).await;

    bus.publisher().publish(&ticket("poison")).await.unwrap();

    assert!(
        eventually(Duration::from_secs(5), || listener.stats().dead_lettered()
            == 1)
        .await
    );
    settle().await;
    assert_eq!(
        recorder.attempts("poison"),
        3,
        "never redelivered past the limit"
    );
    assert!(recorder.handled().is_empty());
    let kept = dead_letters(&bus).await;
    assert_eq!(kept.len(), 1, "kept on the dead-letter subject, not lost");
    assert!(kept[0].contains("poison"));
}

#[tokio::test]
async fn the_same_message_id_published_twice_is_stored_once() {
    let bus = bus().await;
    let event = ticket("t1");

    let first = bus.publisher().publish(&event).await.unwrap();
    let second = bus.publisher().publish(&event).await.unwrap();

    assert!(!first.duplicate);
    assert!(second.duplicate);
    let mut stream = bus.jetstream().get_stream(bus.stream_name()).await.unwrap();
    assert_eq!(stream.info().await.unwrap().state.messages, 1);
}

#[tokio::test]
async fn an_undecodable_payload_is_terminated_and_counted_without_blocking_the_next() {
    let bus = bus().await;
    let recorder = Recorder::default();
    let listener = listen(&bus, "orders", &recorder, fast_retries(5)).await;

    bus.publisher()
        .publish_encoded(
            TicketCreated::SUBJECT,
            "garbage-1",
            "{not json".into(),
            &Default::default(),
        )
        .await
        .unwrap();
    bus.publisher()
        .publish(&ticket("after-garbage"))
        .await
        .unwrap();

    assert!(eventually(Duration::from_secs(5), || recorder.handled().len() == 1).await);
    settle().await;
    assert_eq!(recorder.handled(), ["after-garbage"]);
    assert_eq!(
        listener.stats().undecodable(),
        1,
        "terminated once, not redelivered"
    );
    assert_eq!(listener.stats().retried(), 0);
    assert_eq!(dead_letters(&bus).await, ["{not json"]);
}

/// A service started before NATS (or while it restarts) waits for it and then sets up
/// its stream, rather than failing at the first refused connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connecting_waits_for_a_nats_server_that_is_not_up_yet() {
    let mut nats = testkit::Nats::start();
    let world = testkit::World::on(testkit::shared().mongo_url.clone(), nats.nats_endpoint());
    let config = world.events_config(marketplace::events::access::OPERATOR_USER);
    nats.stop();
    let connecting = tokio::spawn(async move { EventBus::connect(&config).await });
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert!(!connecting.is_finished(), "gave up while NATS was down");
    tokio::task::block_in_place(|| nats.restart());

    let bus = connecting
        .await
        .unwrap()
        .expect("connected once NATS was up");
    let stream = bus.jetstream().get_stream(bus.stream_name()).await;
    assert!(stream.is_ok(), "the stream was set up");
}

/// A restarted nats-server has forgotten the listeners' outstanding pull requests;
/// every listener must pull again and catch up, with events flowing the whole time.
/// (The rarer stall this guards against, a pull stream waiting on a forgotten request
/// for minutes, showed up only under `cargo xtask chaos`, which runs in the test
/// command too.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_listener_resumes_after_nats_restarts() {
    let mut nats = testkit::Nats::start();
    let bus = testkit::World::on(testkit::shared().mongo_url.clone(), nats.nats_endpoint())
        .bus()
        .await;
    let recorders: Vec<Recorder> = (0..8)
        .map(|_| Recorder {
            work: Duration::from_millis(5),
            ..Recorder::default()
        })
        .collect();
    let mut listeners = Vec::new();
    for (index, recorder) in recorders.iter().enumerate() {
        let service = format!("service{index}");
        listeners.push(listen(&bus, &service, recorder, RetryPolicy::default()).await);
    }
    let publishing = tokio::spawn({
        let publisher = bus.publisher();
        async move {
            for n in 0..300 {
                // Retried until stored, like the outbox relay does.
                while publisher.publish(&ticket(&format!("t{n}"))).await.is_err() {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    });

    for outage in [500, 3_000] {
        tokio::time::sleep(Duration::from_millis(700)).await;
        nats.stop();
        tokio::time::sleep(Duration::from_millis(outage)).await;
        // Keeps the runtime going, so clients see the outage and reconnect meanwhile.
        tokio::task::block_in_place(|| nats.restart());
    }
    publishing.await.unwrap();

    let caught_up = |recorder: &Recorder| recorder.handled().len() >= 300;
    eventually(Duration::from_secs(20), || recorders.iter().all(caught_up)).await;
    let behind: Vec<(usize, usize)> = recorders
        .iter()
        .enumerate()
        .filter(|(_, recorder)| !caught_up(recorder))
        .map(|(index, recorder)| (index, recorder.handled().len()))
        .collect();
    assert!(
        behind.is_empty(),
        "listeners (index, events handled) stalled short of 300: {behind:?}"
    );
}

/// A full stream refuses new events and keeps the ones it has, unconsumed or not; an
/// outbox whose events are refused keeps them and publishes them once there is room.
#[tokio::test]
async fn a_full_stream_refuses_new_events_and_the_outbox_keeps_them() {
    let world = testkit::World::new();
    let mut config = world.events_config(marketplace::events::access::OPERATOR_USER);
    config.stream_max_bytes = 4 * 1024;
    let bus = EventBus::connect(&config).await.unwrap();
    let publisher = bus.publisher();
    let mut stored = 0;
    while publisher
        .publish(&ticket(&format!("t{stored}")))
        .await
        .is_ok()
    {
        stored += 1;
        assert!(stored < 1000, "the stream is not bounded");
    }
    let database = world.database("full").await;
    let outbox = storage::outbox::Outbox::new(&database);
    let client = database.client().clone();
    storage::in_transaction!(client, |session| async {
        outbox.stage(session, &ticket("waiting")).await
    })
    .await
    .unwrap();

    assert!(
        outbox.relay_once(&publisher).await.is_err(),
        "published into a full stream"
    );
    assert_eq!(
        outbox.pending().await.unwrap(),
        1,
        "the refused event stays in the outbox"
    );
    let mut stream = bus.jetstream().get_stream(bus.stream_name()).await.unwrap();
    let state = stream.info().await.unwrap().state.clone();
    assert_eq!(
        (state.first_sequence, state.messages),
        (1, stored),
        "nothing was discarded"
    );

    // Room again (here by purging; in production consumed events age out).
    stream.purge().await.unwrap();
    assert_eq!(outbox.relay_once(&publisher).await.unwrap(), 1);
    assert_eq!(outbox.pending().await.unwrap(), 0);
}
