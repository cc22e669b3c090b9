use std::time::Duration;

use expiration::scheduler::Scheduler;
use marketplace::id::OrderId;
use mongodb::bson::DateTime;
use testkit::World;

use crate::helpers::{expired_orders, order_expiring_in, start_expiration, wait_for_expiry};

#[tokio::test]
async fn an_order_expires_at_its_deadline_not_before() {
    let world = World::new();
    let bus = world.bus().await;
    let _expiration = start_expiration(&world).await;
    let order = order_expiring_in(Duration::from_millis(1500));

    bus.publisher().publish(&order).await.unwrap();

    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert!(
        expired_orders(&bus).await.is_empty(),
        "not before its deadline"
    );
    let late = wait_for_expiry(&bus, order.id, order.expires_at).await;
    assert!(
        late < time::Duration::milliseconds(1000),
        "fired {late} late"
    );
}

#[tokio::test]
async fn an_earlier_deadline_wakes_the_sleeping_scheduler() {
    let world = World::new();
    let bus = world.bus().await;
    let _expiration = start_expiration(&world).await;
    let later = order_expiring_in(Duration::from_secs(60));
    let sooner = order_expiring_in(Duration::from_millis(800));

    bus.publisher().publish(&later).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    bus.publisher().publish(&sooner).await.unwrap();

    let late = wait_for_expiry(&bus, sooner.id, sooner.expires_at).await;
    assert!(
        late < time::Duration::milliseconds(1000),
        "fired {late} late"
    );
    assert_eq!(expired_orders(&bus).await, [sooner.id]);
}

#[tokio::test]
async fn a_deadline_that_passed_while_the_service_was_down_fires_right_after_start() {
    let world = World::new();
    let bus = world.bus().await;
    let expiration = start_expiration(&world).await;
    let order = order_expiring_in(Duration::from_secs(2));
    bus.publisher().publish(&order).await.unwrap();
    let stored = testkit::eventually(Duration::from_secs(5), || async {
        job_count(&world).await == 1
    })
    .await;
    assert!(stored, "the job is stored before the stop");

    drop(expiration);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        expired_orders(&bus).await.is_empty(),
        "nothing fires while it is down"
    );
    let started = time::OffsetDateTime::now_utc();
    let _restarted = start_expiration(&world).await;

    let after_start = wait_for_expiry(&bus, order.id, started).await;
    assert!(
        after_start < time::Duration::seconds(1),
        "fired {after_start} after the start"
    );
}

#[tokio::test]
async fn with_two_replicas_on_one_database_each_job_fires_once() {
    let world = World::new();
    let bus = world.bus().await;
    let _first = start_expiration(&world).await;
    let _second = start_expiration(&world).await;
    let orders: Vec<_> = (0..20)
        .map(|n| order_expiring_in(Duration::from_millis(500 + 50 * n)))
        .collect();

    for order in &orders {
        bus.publisher().publish(order).await.unwrap();
    }

    let all = testkit::eventually(Duration::from_secs(15), || async {
        expired_orders(&bus).await.len() >= orders.len()
    })
    .await;
    assert!(all);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut fired = expired_orders(&bus).await;
    fired.sort();
    let mut expected: Vec<_> = orders.iter().map(|order| order.id).collect();
    expected.sort();
    assert_eq!(fired, expected, "one expiration:complete per order");
}

/// The claim itself, without JetStream's de-duplication to hide a double firing:
/// two schedulers racing over the same due jobs fire each exactly once between them.
#[tokio::test]
async fn racing_schedulers_claim_each_due_job_once() {
    let world = World::new();
    let database = world.database("expiration").await;
    let outbox = storage::outbox::Outbox::new(&database);
    let first = Scheduler::new(&database, outbox.clone());
    let second = Scheduler::new(&database, outbox);
    first.ensure_indexes().await.unwrap();
    let past = DateTime::from_millis(DateTime::now().timestamp_millis() - 1000);
    for _ in 0..30 {
        first.schedule(OrderId::new(), past).await.unwrap();
    }

    let (a, b) = tokio::join!(first.fire_due(), second.fire_due());

    assert_eq!(a.unwrap() + b.unwrap(), 30);
    assert_eq!(first.fire_due().await.unwrap(), 0, "nothing left to fire");
}

async fn job_count(world: &World) -> u64 {
    world
        .database("expiration")
        .await
        .collection::<mongodb::bson::Document>("expirations")
        .count_documents(mongodb::bson::doc! {})
        .await
        .unwrap()
}
