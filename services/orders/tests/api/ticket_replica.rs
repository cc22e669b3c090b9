//! The replica of tickets follows `ticket:created` / `ticket:updated` in version order.

use std::time::Duration;

use marketplace::{
    events::{TicketCreated, TicketUpdated},
    id::{TicketId, UserId},
    money::Price,
};
use serde_json::Value;

use crate::helpers::TestApp;

fn version(title: &str, version: i64, price_cents: i64, id: &str) -> TicketUpdated {
    TicketUpdated {
        id: id.parse().unwrap(),
        version,
        title: title.to_owned(),
        price: Price::from_cents(price_cents).unwrap(),
        user_id: UserId::new(),
        order_id: None,
    }
}

async fn replica_version(app: &TestApp, id: &str) -> (i64, String, i64) {
    let ticket = app.replica(id).await.expect("the ticket is replicated");
    (
        ticket.get_i64("version").unwrap(),
        ticket.get_str("title").unwrap().to_owned(),
        ticket.get_i64("price").unwrap(),
    )
}

#[tokio::test]
async fn a_created_ticket_is_replicated_once_even_if_delivered_twice() {
    let app = TestApp::spawn().await;
    let event = TicketCreated {
        id: TicketId::new(),
        version: 0,
        title: "Concert".to_owned(),
        price: Price::from_cents(1000).unwrap(),
        user_id: UserId::new(),
    };

    app.publish(&event).await;
    app.redeliver(&event).await;

    let replicated = testkit::eventually(Duration::from_secs(5), || async {
        app.replica(&event.id.to_hex()).await.is_some()
    })
    .await;
    assert!(replicated);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        replica_version(&app, &event.id.to_hex()).await,
        (0, "Concert".to_owned(), 1000)
    );
}

#[tokio::test]
async fn version_2_delivered_before_version_1_ends_at_version_2() {
    let app = TestApp::spawn().await;
    let id = app.seed_ticket(1000).await;

    app.publish(&version("Concert v2", 2, 3000, &id)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(replica_version(&app, &id).await.0, 0, "v2 waits for v1");
    app.publish(&version("Concert v1", 1, 2000, &id)).await;

    let caught_up = testkit::eventually(Duration::from_secs(10), || async {
        replica_version(&app, &id).await.0 == 2
    })
    .await;
    assert!(caught_up, "v2 is applied once v1 has been");
    assert_eq!(
        replica_version(&app, &id).await,
        (2, "Concert v2".to_owned(), 3000)
    );

    // A stale copy of v1 changes nothing.
    app.redeliver(&version("Concert v1", 1, 2000, &id)).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(replica_version(&app, &id).await.0, 2);
}

#[tokio::test]
async fn a_new_order_carries_the_latest_replicated_price() {
    let app = TestApp::spawn().await;
    let id = app.seed_ticket(1000).await;
    app.publish(&version("Concert", 1, 4250, &id)).await;
    let updated = testkit::eventually(Duration::from_secs(5), || async {
        replica_version(&app, &id).await.0 == 1
    })
    .await;
    assert!(updated);

    let order: Value = app.create_order(&app.user(), &id).await;

    assert_eq!(order["ticket"]["price"], 42.5);
}

#[tokio::test]
async fn listener_counters_the_outbox_and_routes_are_exposed_on_the_metrics_port_only() {
    let app = TestApp::spawn().await;
    app.seed_ticket(1000).await;

    let metrics = app.service.metrics().await;

    let handled = "messaging_client_consumed_messages_total{messaging_consumer_group_name=\"orders-ticket-created\",messaging_destination_name=\"ticket:created\",outcome=\"handled\"} 1";
    assert!(metrics.contains(handled), "{metrics}");
    let dead = "messaging_client_consumed_messages_total{messaging_consumer_group_name=\"orders-payment-created\",messaging_destination_name=\"payment:created\",outcome=\"dead_lettered\"} 0";
    assert!(metrics.contains(dead), "{metrics}");
    let handling = "messaging_process_duration_seconds_count{messaging_consumer_group_name=\"orders-ticket-created\",messaging_destination_name=\"ticket:created\"} 1";
    assert!(metrics.contains(handling), "{metrics}");
    let caught_up = "messaging_consumer_pending_messages{messaging_consumer_group_name=\"orders-ticket-created\",messaging_destination_name=\"ticket:created\"} 0";
    assert!(metrics.contains(caught_up), "{metrics}");
    assert!(metrics.contains("outbox_pending_entries 0"), "{metrics}");
    assert!(
        metrics.contains("outbox_oldest_entry_age_seconds 0"),
        "{metrics}"
    );
    let route = "http_server_request_duration_seconds_count{http_request_method=\"GET\",http_route=\"/healthz\",http_response_status_class=\"2xx\"}";
    reqwest::get(app.url("/healthz")).await.unwrap();
    assert!(app.service.metrics().await.contains(route), "{metrics}");
    let api = reqwest::get(app.url("/metrics")).await.unwrap();
    assert_eq!(
        api.status(),
        reqwest::StatusCode::NOT_FOUND,
        "metrics only on their own port"
    );
}
