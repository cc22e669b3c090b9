//! No lost events: a write and its event are committed together, and the event is
//! published whenever NATS is reachable again, even by a restarted process.

use std::{
    net::TcpListener,
    process::{Command, Stdio},
    time::Duration,
};

use marketplace::events::{TicketCreated, TicketUpdated};
use reqwest::StatusCode;
use serde_json::json;
use testkit::{Nats, Supervised, World};

use crate::helpers::TestApp;

async fn metrics(app: &TestApp) -> String {
    app.service.metrics().await
}

async fn published_count(app_bus: &bus::EventBus) -> usize {
    testkit::published::<TicketCreated>(app_bus).await.len()
}

/// NATS is not a readiness dependency: with it down, the service stays in its
/// Service's endpoints, says so in `/metrics`, and keeps taking writes.
#[tokio::test]
async fn while_nats_is_down_the_service_stays_ready_and_lists_tickets_published_when_it_is_back() {
    let mut nats = Nats::start();
    let world = World::on(testkit::shared().mongo_url.clone(), nats.nats_endpoint());
    let app = TestApp::spawn_in(world).await;
    let seller = app.user();

    nats.stop();
    let disconnected = testkit::eventually(Duration::from_secs(10), || async {
        metrics(&app).await.contains("nats_connected 0")
    })
    .await;
    assert!(disconnected, "/metrics reports NATS down");
    let ready = reqwest::get(app.url("/readyz")).await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK, "ready while NATS is down");
    let mut ids = Vec::new();
    for n in 0..3 {
        let ticket = app
            .create_ticket(&seller, &format!("Concert {n}"), 10.0)
            .await;
        ids.push(ticket["id"].as_str().unwrap().to_owned());
    }
    let edit = app
        .update_ticket(
            &seller,
            &ids[0],
            &json!({ "title": "Concert 0, seat 1", "price": 11 }),
        )
        .await;
    assert_eq!(
        edit.status(),
        StatusCode::OK,
        "writes succeed while NATS is down"
    );
    nats.restart();
    // The probes below ask JetStream, and fail rather than wait for a reconnection.
    let reconnected = testkit::eventually(Duration::from_secs(20), || async {
        app.bus.client().connection_state() == async_nats::connection::State::Connected
    })
    .await;
    assert!(reconnected, "the test's client is back on NATS");

    let delivered = testkit::eventually(Duration::from_secs(20), || async {
        published_count(&app.bus).await == 3
            && testkit::published::<TicketUpdated>(&app.bus).await.len() == 1
    })
    .await;
    assert!(delivered, "every event arrives once NATS is back");
    let created: Vec<String> = testkit::published::<TicketCreated>(&app.bus)
        .await
        .into_iter()
        .map(|event| event.id.to_hex())
        .collect();
    assert_eq!(created, ids, "in the order they were written");
}

/// The window between the write and the publish is held open by stopping NATS: the
/// request commits the ticket and its outbox entry, the relay cannot publish, and the
/// process is killed (SIGKILL) in that state. Nothing in memory survives; the event
/// must come from the database after the restart.
#[tokio::test]
async fn an_event_written_just_before_a_crash_is_published_after_the_restart() {
    let mut nats = Nats::start();
    let world = World::on(testkit::shared().mongo_url.clone(), nats.nats_endpoint());
    let bus = world.bus().await;
    let seller = world.user();
    let mut service = TicketsProcess::start(&world).await;

    nats.stop();
    let response = seller
        .client
        .post(service.url("/api/tickets"))
        .json(&json!({ "title": "Concert", "price": 20 }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    service.kill();
    nats.restart();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        published_count(&bus).await,
        0,
        "the crash came before the publish"
    );

    let _restarted = TicketsProcess::start(&world).await;

    // The dead relay had claimed the entry, so the new one takes it once the claim's
    // lease (`storage::outbox::DEFAULT_LEASE`, 10 s) has run out; the rest is margin
    // for a loaded machine.
    let delivered = testkit::eventually(Duration::from_secs(30), || async {
        published_count(&bus).await == 1
    })
    .await;
    assert!(
        delivered,
        "the restarted process publishes what the dead one could not"
    );
}

/// The real `tickets` binary, run as its own process.
struct TicketsProcess {
    port: u16,
    process: Option<Supervised>,
}

impl TicketsProcess {
    async fn start(world: &World) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut command = Command::new(env!("CARGO_BIN_EXE_tickets"));
        command
            .envs(world.env("tickets"))
            .env("PORT", port.to_string())
            .stdout(Stdio::null());
        let process = Supervised::spawn(&mut command, None).expect("start the tickets binary");
        let service = Self {
            port,
            process: Some(process),
        };
        let ready = testkit::eventually(Duration::from_secs(20), || async {
            reqwest::get(service.url("/readyz"))
                .await
                .is_ok_and(|response| response.status().is_success())
        })
        .await;
        assert!(ready, "the tickets binary became ready");
        service
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// SIGKILL, like a crash.
    fn kill(&mut self) {
        self.process = None;
    }
}
