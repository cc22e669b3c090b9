//! The orders service's reactions to expiry and payment, including repeats.

use marketplace::{
    events::{ExpirationComplete, OrderCancelled, OrderCompleted, PaymentCreated},
    id::PaymentId,
};
use reqwest::StatusCode;
use testkit::{assert_error, assert_published};

use crate::helpers::TestApp;

fn payment_for(order_id: &str) -> PaymentCreated {
    PaymentCreated {
        id: PaymentId::new(),
        order_id: order_id.parse().unwrap(),
        stripe_id: "pi_test".to_owned(),
    }
}

fn expiry_of(order_id: &str) -> ExpirationComplete {
    ExpirationComplete {
        order_id: order_id.parse().unwrap(),
    }
}

#[tokio::test]
async fn an_expired_unpaid_order_is_cancelled_and_its_ticket_freed() {
    let app = TestApp::spawn().await;
    let buyer = app.user();
    let ticket_id = app.seed_ticket(1000).await;
    let order = app.create_order(&buyer, &ticket_id).await;
    let id = order["id"].as_str().unwrap();

    app.publish(&expiry_of(id)).await;

    app.wait_for_status(&buyer, id, "cancelled").await;
    assert_published::<OrderCancelled>(&app.bus, 1).await;
    assert_eq!(
        app.reserve(&app.user(), &ticket_id).await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_paid_order_is_completed_announced_and_can_no_longer_be_cancelled() {
    let app = TestApp::spawn().await;
    let buyer = app.user();
    let ticket_id = app.seed_ticket(1000).await;
    let order = app.create_order(&buyer, &ticket_id).await;
    let id = order["id"].as_str().unwrap();

    app.publish(&payment_for(id)).await;

    app.wait_for_status(&buyer, id, "complete").await;
    let events = assert_published::<OrderCompleted>(&app.bus, 1).await;
    assert_eq!(
        (events[0].version, events[0].ticket.id.to_hex()),
        (1, ticket_id.clone())
    );
    assert_error(
        app.cancel(&buyer, id).await,
        StatusCode::BAD_REQUEST,
        "Cannot cancel a completed order",
    )
    .await;
    let resale = app.reserve(&app.user(), &ticket_id).await;
    assert_error(
        resale,
        StatusCode::BAD_REQUEST,
        "Ticket is already reserved",
    )
    .await;
}

#[tokio::test]
async fn expiry_after_payment_leaves_the_order_complete() {
    let app = TestApp::spawn().await;
    let buyer = app.user();
    let order = app.create_order(&buyer, &app.seed_ticket(1000).await).await;
    let id = order["id"].as_str().unwrap();
    app.publish(&payment_for(id)).await;
    app.wait_for_status(&buyer, id, "complete").await;

    app.publish(&expiry_of(id)).await;

    assert_published::<OrderCancelled>(&app.bus, 0).await;
    assert_eq!(app.order_status(&buyer, id).await, "complete");
}

#[tokio::test]
async fn a_payment_for_a_cancelled_order_does_not_complete_it() {
    let app = TestApp::spawn().await;
    let buyer = app.user();
    let order = app.create_order(&buyer, &app.seed_ticket(1000).await).await;
    let id = order["id"].as_str().unwrap();
    app.cancel(&buyer, id).await;

    app.publish(&payment_for(id)).await;

    assert_published::<OrderCompleted>(&app.bus, 0).await;
    assert_eq!(app.order_status(&buyer, id).await, "cancelled");
}

#[tokio::test]
async fn each_event_handled_twice_changes_the_order_once() {
    let app = TestApp::spawn().await;
    let buyer = app.user();
    let paid = app.create_order(&buyer, &app.seed_ticket(1000).await).await;
    let expired = app.create_order(&buyer, &app.seed_ticket(1000).await).await;
    let (paid, expired) = (
        paid["id"].as_str().unwrap(),
        expired["id"].as_str().unwrap(),
    );

    let payment = payment_for(paid);
    app.publish(&payment).await;
    app.redeliver(&payment).await;
    let expiry = expiry_of(expired);
    app.publish(&expiry).await;
    app.redeliver(&expiry).await;

    app.wait_for_status(&buyer, paid, "complete").await;
    app.wait_for_status(&buyer, expired, "cancelled").await;
    assert_published::<OrderCompleted>(&app.bus, 1).await;
    assert_published::<OrderCancelled>(&app.bus, 1).await;
    let order: serde_json::Value = app.order(&buyer, paid).await.json().await.unwrap();
    assert_eq!(order["version"], 1);
}

/// The attack the bus's permissions stop: another service's credentials (or none)
/// announce a payment for an order nobody paid. The server refuses the publish, so the
/// order stays reserved and unpaid; payments' own credentials are the only way.
#[tokio::test]
async fn a_payment_forged_by_anyone_but_payments_leaves_the_order_created() {
    use bus::EventBus;
    use marketplace::events::ServiceName;

    let app = TestApp::spawn().await;
    let buyer = app.user();
    let ticket_id = app.seed_ticket(1000).await;
    let order = app.create_order(&buyer, &ticket_id).await;
    let id = order["id"].as_str().unwrap();

    let anonymous = async_nats::connect(app.world.nats.url.as_str()).await;
    assert!(anonymous.is_err(), "an anonymous connection was accepted");
    for forger in [
        ServiceName::Tickets,
        ServiceName::Expiration,
        ServiceName::Auth,
    ] {
        let bus = EventBus::connect(&app.world.events_config(forger.as_str()))
            .await
            .unwrap();
        let forged = tokio::time::timeout(
            std::time::Duration::from_secs(2),
            bus.publisher().publish(&payment_for(id)),
        )
        .await;
        assert!(
            !matches!(forged, Ok(Ok(_))),
            "{forger} published payment:created"
        );
    }
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;

    assert_eq!(app.order_status(&buyer, id).await, "created");
    let other_buyer = app.reserve(&app.user(), &ticket_id).await;
    assert_error(
        other_buyer,
        StatusCode::BAD_REQUEST,
        "Ticket is already reserved",
    )
    .await;

    // The same event from payments completes the order: the refusal above was the
    // server's, not a test that could never succeed.
    let payments = EventBus::connect(&app.world.events_config("payments"))
        .await
        .unwrap();
    payments
        .publisher()
        .publish(&payment_for(id))
        .await
        .unwrap();
    app.wait_for_status(&buyer, id, "complete").await;
}
