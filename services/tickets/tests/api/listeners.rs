//! The tickets service's reactions to order events, including repeats and events that
//! arrive out of order.

use std::time::Duration;

use marketplace::events::{OrderCancelled, OrderCompleted, TicketUpdated};
use reqwest::StatusCode;
use serde_json::json;

use testkit::{assert_error, assert_published};

use crate::helpers::{Reserved, TestApp, order_created, order_id, ticket_ref};

#[tokio::test]
async fn order_created_locks_the_ticket_and_announces_the_next_version() {
    let app = TestApp::spawn().await;
    let ticket = app.create_ticket(&app.user(), "Concert", 20.0).await;
    let id = ticket["id"].as_str().unwrap();
    let order = order_id();

    app.publish(&order_created(&order, &ticket)).await;

    app.wait_for_status(id, "reserved").await;
    let locked = app.ticket(id).await;
    assert_eq!(
        (locked["orderId"].clone(), locked["version"].clone()),
        (json!(order), json!(1))
    );
    assert!(
        app.listing().await.is_empty(),
        "a locked ticket is not for sale"
    );
    let events = assert_published::<TicketUpdated>(&app.bus, 1).await;
    assert_eq!(
        (events[0].version, events[0].order_id.map(|id| id.to_hex())),
        (1, Some(order))
    );
}

#[tokio::test]
async fn order_cancelled_puts_the_ticket_back_on_sale() {
    let app = TestApp::spawn().await;
    let seller = app.user();
    let Reserved { ticket, id, order } = app.reserved_ticket(&seller).await;
    let id = id.as_str();

    app.publish(&OrderCancelled {
        id: order.parse().unwrap(),
        version: 1,
        ticket: ticket_ref(&ticket),
    })
    .await;

    app.wait_for_status(id, "available").await;
    assert_eq!(app.ticket(id).await["version"], 2);
    assert_eq!(app.listing().await.len(), 1);
    let edit = app
        .update_ticket(&seller, id, &json!({ "title": "Concert", "price": 25 }))
        .await;
    assert_eq!(edit.status(), StatusCode::OK);
    let events = assert_published::<TicketUpdated>(&app.bus, 3).await;
    assert_eq!(events[1].order_id, None);
}

#[tokio::test]
async fn order_completed_marks_the_ticket_sold_for_good() {
    let app = TestApp::spawn().await;
    let seller = app.user();
    let Reserved { ticket, id, order } = app.reserved_ticket(&seller).await;
    let id = id.as_str();

    app.publish(&OrderCompleted {
        id: order.parse().unwrap(),
        version: 1,
        ticket: ticket_ref(&ticket),
    })
    .await;

    app.wait_for_status(id, "sold").await;
    assert!(app.listing().await.is_empty());
    let edit = app
        .update_ticket(&seller, id, &json!({ "title": "Again", "price": 25 }))
        .await;
    assert_error(
        edit,
        StatusCode::BAD_REQUEST,
        "Cannot edit a reserved ticket",
    )
    .await;
}

#[tokio::test]
async fn each_order_event_handled_twice_changes_the_ticket_once() {
    let app = TestApp::spawn().await;
    let ticket = app.create_ticket(&app.user(), "Concert", 20.0).await;
    let id = ticket["id"].as_str().unwrap();
    let order = order_id();
    let created = order_created(&order, &ticket);
    let cancelled = OrderCancelled {
        id: order.parse().unwrap(),
        version: 1,
        ticket: ticket_ref(&ticket),
    };

    app.publish(&created).await;
    app.redeliver(&created).await;
    app.wait_for_status(id, "reserved").await;
    assert_published::<TicketUpdated>(&app.bus, 1).await;
    assert_eq!(app.ticket(id).await["version"], 1);

    app.publish(&cancelled).await;
    app.redeliver(&cancelled).await;
    app.wait_for_status(id, "available").await;
    assert_published::<TicketUpdated>(&app.bus, 2).await;

    // A late copy of the old order's creation must not lock the ticket again.
    app.redeliver(&created).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = app.ticket(id).await;
    assert_eq!(
        (after["status"].clone(), after["version"].clone()),
        (json!("available"), json!(2))
    );
    assert_published::<TicketUpdated>(&app.bus, 2).await;
}

#[tokio::test]
async fn a_cancellation_that_overtakes_its_creation_leaves_the_ticket_for_sale() {
    let app = TestApp::spawn().await;
    let ticket = app.create_ticket(&app.user(), "Concert", 20.0).await;
    let id = ticket["id"].as_str().unwrap();
    let order = order_id();

    app.publish(&OrderCancelled {
        id: order.parse().unwrap(),
        version: 1,
        ticket: ticket_ref(&ticket),
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.publish(&order_created(&order, &ticket)).await;
    tokio::time::sleep(Duration::from_millis(700)).await;

    let after = app.ticket(id).await;
    assert_eq!(
        (after["status"].clone(), after["version"].clone()),
        (json!("available"), json!(0))
    );
    assert!(
        testkit::published::<TicketUpdated>(&app.bus)
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn a_second_order_waits_until_the_first_one_releases_the_ticket() {
    let app = TestApp::spawn().await;
    let ticket = app.create_ticket(&app.user(), "Concert", 20.0).await;
    let id = ticket["id"].as_str().unwrap();
    let (first, second) = (order_id(), order_id());
    app.publish(&order_created(&first, &ticket)).await;
    app.wait_for_status(id, "reserved").await;

    app.publish(&order_created(&second, &ticket)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        app.ticket(id).await["orderId"],
        first.as_str(),
        "still the first holder"
    );
    app.publish(&OrderCancelled {
        id: first.parse().unwrap(),
        version: 1,
        ticket: ticket_ref(&ticket),
    })
    .await;

    let handed_over = testkit::eventually(Duration::from_secs(10), || async {
        app.ticket(id).await["orderId"] == second.as_str()
    })
    .await;
    assert!(
        handed_over,
        "the second order locks the ticket once the first let go"
    );
}

#[tokio::test]
async fn a_repeated_order_completed_sells_the_ticket_once() {
    let app = TestApp::spawn().await;
    let Reserved { ticket, id, order } = app.reserved_ticket(&app.user()).await;
    let completed = OrderCompleted {
        id: order.parse().unwrap(),
        version: 1,
        ticket: ticket_ref(&ticket),
    };

    app.publish(&completed).await;
    app.redeliver(&completed).await;

    app.wait_for_status(&id, "sold").await;
    assert_published::<TicketUpdated>(&app.bus, 2).await;
    assert_eq!(app.ticket(&id).await["version"], 2);
}

#[tokio::test]
async fn a_ticket_remembers_its_100_most_recent_released_orders_and_none_of_them_relocks_it() {
    const KEPT: usize = 100;
    let app = TestApp::spawn().await;
    let ticket = app.create_ticket(&app.user(), "Concert", 20.0).await;
    let id = ticket["id"].as_str().unwrap();
    let mut released = Vec::new();

    for cycle in 1..=KEPT + 5 {
        let order = order_id();
        app.publish(&order_created(&order, &ticket)).await;
        app.wait_for_version(id, 2 * cycle - 1).await;
        app.publish(&OrderCancelled {
            id: order.parse().unwrap(),
            version: 1,
            ticket: ticket_ref(&ticket),
        })
        .await;
        app.wait_for_version(id, 2 * cycle).await;
        released.push(order);
    }

    let stored = app.stored_ticket(id).await;
    let remembered: Vec<&str> = stored
        .get_array("releasedOrders")
        .unwrap()
        .iter()
        .map(|order| order.as_str().unwrap())
        .collect();
    assert_eq!(remembered, released[released.len() - KEPT..]);
    let latest = released.last().unwrap();
    app.redeliver(&order_created(latest, &ticket)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = app.ticket(id).await;
    assert_eq!(
        (after["status"].clone(), after["version"].clone()),
        (json!("available"), json!(2 * (KEPT + 5)))
    );
}
