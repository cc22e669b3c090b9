//! Connecting to a database that is not up yet.

use std::time::Duration;

use mongodb::bson::doc;

/// A service started before its database (or while it restarts) waits for it, rather
/// than failing at its first request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connecting_waits_for_a_database_that_is_not_up_yet() {
    let mut mongo = testkit::Mongo::start();
    // Each attempt gives up sooner than the database is down.
    let url = format!("{}&serverSelectionTimeoutMS=300", mongo.url());
    mongo.stop();
    let connecting = tokio::spawn(async move { storage::mongo::connect(&url, "waiting").await });
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert!(
        !connecting.is_finished(),
        "gave up while the database was down"
    );
    tokio::task::block_in_place(|| mongo.restart());

    let database = connecting
        .await
        .unwrap()
        .expect("connected once the database was up");
    let answered = database.run_command(doc! { "ping": 1 }).await;
    assert!(answered.is_ok(), "the database answers: {answered:?}");
}
