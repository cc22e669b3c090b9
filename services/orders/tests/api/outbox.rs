use std::time::Duration;

use marketplace::events::OrderCreated;
use reqwest::StatusCode;
use testkit::{Nats, World};

use crate::helpers::TestApp;

#[tokio::test]
async fn orders_placed_and_cancelled_while_nats_is_down_are_announced_when_it_is_back() {
    let mut nats = Nats::start();
    let world = World::on(testkit::shared().mongo_url.clone(), nats.nats_endpoint());
    let app = TestApp::spawn_in(world, Duration::from_secs(900)).await;
    let buyer = app.user();
    let tickets = [app.seed_ticket(1000).await, app.seed_ticket(2000).await];

    nats.stop();
    let mut orders = Vec::new();
    for ticket in &tickets {
        let order = app.create_order(&buyer, ticket).await;
        orders.push(order["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        app.cancel(&buyer, &orders[0]).await.status(),
        StatusCode::NO_CONTENT
    );
    nats.restart();

    let delivered = testkit::eventually(Duration::from_secs(20), || async {
        testkit::published::<OrderCreated>(&app.bus).await.len() == 2
            && testkit::published::<marketplace::events::OrderCancelled>(&app.bus)
                .await
                .len()
                == 1
    })
    .await;
    assert!(delivered, "every event arrives once NATS is back");
    let announced: Vec<String> = testkit::published::<OrderCreated>(&app.bus)
        .await
        .into_iter()
        .map(|event| event.id.to_hex())
        .collect();
    assert_eq!(announced, orders);
}
