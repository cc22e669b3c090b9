//! Relays of two replicas over one outbox: a replica publishes what it staged and the
//! other leaves it alone; entries nobody holds are published by one of them, once; and
//! an entry whose relay died is published by the other once its lease ran out.
//!
//! What reached NATS is counted through a core subscription on the stream's subjects:
//! it sees every publish, the copies JetStream drops by message id included.

use std::{
    collections::BTreeMap,
    time::{Duration, SystemTime},
};

use async_nats::Subscriber;
use bus::EventBus;
use futures::StreamExt;
use marketplace::{
    events::{Event, TicketCreated},
    id::{TicketId, UserId},
    money::Price,
};
use mongodb::{
    Database,
    bson::{Document, doc},
};
use storage::outbox::Outbox;
use testkit::{Nats, World};

/// How long the relay that dies holds its claim: short, so the test need not wait
/// for the default.
const SHORT_LEASE: Duration = Duration::from_secs(3);

/// A quiet spell this long on the subscription means the relays published all they
/// were going to.
const QUIET: Duration = Duration::from_millis(500);

#[tokio::test]
async fn what_a_replica_staged_its_relay_publishes_and_another_relay_leaves_alone() {
    let mut outbox = StagedOutbox::with_entries_held_by(3, Outbox::new).await;
    let other =
        tokio::spawn(Outbox::new(&outbox.database).run_relay(outbox.world.bus().await.publisher()));

    let early = tokio::time::timeout(Duration::from_secs(2), outbox.publishes.next()).await;
    let own = tokio::spawn(outbox.stager.clone().run_relay(outbox.observer.publisher()));
    let drained = testkit::eventually(Duration::from_secs(10), || async {
        outbox.pending().await == 0
    })
    .await;
    let seen = publishes_until_quiet(&mut outbox.publishes).await;
    other.abort();
    own.abort();

    assert!(early.is_err(), "the other relay published a held entry");
    assert!(drained, "the staging replica's relay published its entries");
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        sorted(outbox.staged.clone())
            .into_iter()
            .map(|id| (id, 1))
            .collect::<Vec<_>>(),
        "each once"
    );
}

#[tokio::test]
async fn two_relays_over_one_outbox_publish_each_entry_once() {
    let mut outbox = StagedOutbox::with_entries(200).await;

    let mut relays = Vec::new();
    for _ in 0..2 {
        let publisher = outbox.world.bus().await.publisher();
        relays.push(tokio::spawn(
            Outbox::new(&outbox.database).run_relay(publisher),
        ));
    }
    let drained = testkit::eventually(Duration::from_secs(30), || async {
        outbox.pending().await == 0
    })
    .await;
    let seen = publishes_until_quiet(&mut outbox.publishes).await;
    relays.iter().for_each(|relay| relay.abort());

    assert!(drained, "the two relays emptied the outbox");
    let twice: Vec<_> = seen.iter().filter(|(_, count)| **count > 1).collect();
    assert!(
        twice.is_empty(),
        "entries published more than once: {twice:?}"
    );
    let staged = sorted(outbox.staged.clone());
    assert_eq!(
        seen.into_keys().collect::<Vec<_>>(),
        staged,
        "every entry was published"
    );
    let stored = testkit::published::<TicketCreated>(&outbox.observer)
        .await
        .iter()
        .map(Event::message_id)
        .collect();
    assert_eq!(sorted(stored), staged, "the stream holds each entry once");
}

#[tokio::test]
async fn an_entry_claimed_by_a_relay_that_died_is_published_by_another_after_the_lease() {
    let mut outbox = StagedOutbox::with_entries(1).await;

    // The relay that dies publishes through a NATS that went away, so its claim is
    // never followed by a publish, and it is aborted like a killed process.
    let mut unreachable = Nats::start();
    let unreachable_bus = World::on(outbox.world.mongo_url.clone(), unreachable.nats_endpoint())
        .bus()
        .await;
    unreachable.stop();
    let dying = tokio::spawn(
        Outbox::new(&outbox.database)
            .with_lease(SHORT_LEASE)
            .run_relay(unreachable_bus.publisher()),
    );
    testkit::wait_for(
        "the first relay to claim the entry",
        Duration::from_secs(10),
    )
    .until(|| async {
        let deadline = outbox.lease_deadline().await;
        deadline.is_some_and(|deadline| deadline > SystemTime::now())
    })
    .await
    .unwrap();
    dying.abort();
    assert!(dying.await.unwrap_err().is_cancelled());
    let lease_until = outbox
        .lease_deadline()
        .await
        .expect("the dead relay's claim is still on the entry");

    let survivor =
        tokio::spawn(Outbox::new(&outbox.database).run_relay(outbox.observer.publisher()));
    // A little before the deadline, so a publish exactly at it is not taken for one
    // before it.
    let while_leased = lease_until
        .duration_since(SystemTime::now())
        .unwrap_or_default()
        .saturating_sub(Duration::from_millis(200));
    assert!(
        tokio::time::timeout(while_leased, outbox.publishes.next())
            .await
            .is_err(),
        "the entry was published while the dead relay's lease held"
    );
    let published = tokio::time::timeout(Duration::from_secs(10), outbox.publishes.next()).await;
    let published_at = SystemTime::now();
    let seen = publishes_until_quiet(&mut outbox.publishes).await;
    survivor.abort();

    let message = published
        .expect("the other relay published the entry once the lease ran out")
        .expect("the subscription is open");
    assert!(
        published_at >= lease_until,
        "published before the lease ran out"
    );
    assert_eq!(
        message_id(&message),
        outbox.staged[0],
        "the published entry is the claimed one"
    );
    assert!(seen.is_empty(), "published again: {seen:?}");
    assert_eq!(outbox.pending().await, 0);
}

/// One outbox in a world of its own with ticket events staged in it, and a watch on
/// every publish that reaches NATS.
struct StagedOutbox {
    world: World,
    database: Database,
    /// The operator's connection: it reads the stream, and publishes for a relay that
    /// reaches NATS.
    observer: EventBus,
    /// Every publish on the stream's subjects, through a core subscription.
    publishes: Subscriber,
    /// The outbox the events were staged through, whose relay holds them.
    stager: Outbox,
    /// The message ids of the staged events, oldest first.
    staged: Vec<String>,
}

impl StagedOutbox {
    /// `count` ticket events staged in one transaction by a process that is gone:
    /// their lease over at once, so they are anyone's.
    async fn with_entries(count: usize) -> Self {
        Self::with_entries_held_by(count, |database| {
            Outbox::new(database).with_lease(Duration::ZERO)
        })
        .await
    }

    /// `count` ticket events staged in one transaction through the outbox `stager`
    /// makes, the subscription in place at the server before any relay runs.
    async fn with_entries_held_by(count: usize, stager: impl Fn(&Database) -> Outbox) -> Self {
        let world = World::new();
        let database = world.database("relays").await;
        let observer = world.bus().await;
        let publishes = observer
            .client()
            .subscribe(format!("{}.>", observer.stream_name()))
            .await
            .expect("subscribe to the stream's subjects");
        observer
            .client()
            .flush()
            .await
            .expect("flush the subscription");
        let tickets: Vec<TicketCreated> = (0..count)
            .map(|n| TicketCreated {
                id: TicketId::new(),
                version: 0,
                title: format!("Concert {n}"),
                price: Price::from_cents(2500).unwrap(),
                user_id: UserId::new(),
            })
            .collect();
        let outbox = stager(&database);
        let client = database.client().clone();
        storage::in_transaction!(client, |session| async {
            for ticket in &tickets {
                outbox.stage(session, ticket).await?;
            }
            Ok(())
        })
        .await
        .expect("stage the events");
        Self {
            world,
            database,
            observer,
            publishes,
            stager: outbox,
            staged: tickets.iter().map(Event::message_id).collect(),
        }
    }

    async fn pending(&self) -> u64 {
        Outbox::new(&self.database)
            .pending()
            .await
            .expect("count the outbox")
    }

    /// The lease deadline a relay's claim wrote into the oldest entry, if a relay
    /// claimed it.
    async fn lease_deadline(&self) -> Option<SystemTime> {
        let entry = self
            .database
            .collection::<Document>("outbox")
            .find_one(doc! {})
            .sort(doc! { "_id": 1 })
            .await
            .expect("read the outbox")?;
        entry
            .get_datetime("leaseUntil")
            .ok()
            .map(|deadline| deadline.to_system_time())
    }
}

/// How many times each message id was published, from what arrives on `publishes`
/// until it stays quiet for [`QUIET`].
async fn publishes_until_quiet(publishes: &mut Subscriber) -> BTreeMap<String, usize> {
    let mut seen = BTreeMap::new();
    while let Ok(Some(message)) = tokio::time::timeout(QUIET, publishes.next()).await {
        *seen.entry(message_id(&message)).or_default() += 1;
    }
    seen
}

fn message_id(message: &async_nats::Message) -> String {
    message
        .headers
        .as_ref()
        .and_then(|headers| headers.get("Nats-Msg-Id"))
        .expect("every outbox publish carries a message id")
        .to_string()
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}
