use std::time::Duration;

use marketplace::events::{OrderCancelled, TicketRef};
use reqwest::StatusCode;

use crate::helpers::{TestApp, ledger_of};

#[tokio::test]
async fn a_charged_order_that_is_cancelled_is_refunded_once() {
    let app = TestApp::spawn().await;
    let buyer = app.user();
    let order = app
        .seed_order(&buyer, 1000, time::Duration::minutes(15))
        .await;
    assert_eq!(
        app.pay(&buyer, &order.id, "pm_card_visa").await.status(),
        StatusCode::CREATED
    );
    let cancelled = OrderCancelled {
        id: order.id,
        version: 1,
        ticket: TicketRef {
            id: order.ticket.id,
        },
    };

    app.bus.publisher().publish(&cancelled).await.unwrap();
    testkit::redeliver(&app.bus, &cancelled).await;

    let refunded = testkit::eventually(Duration::from_secs(10), || async {
        ledger_of(&app.stripe, order.id) == (1, 1)
    })
    .await;
    assert!(refunded, "the charge is refunded");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(ledger_of(&app.stripe, order.id), (1, 1), "refunded once");
    let stored = app.payments_of(order.id).await;
    assert_eq!(stored[0].get_str("status").unwrap(), "refunded");
}
