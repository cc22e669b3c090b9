use std::{num::NonZeroU32, time::Duration};

use bus::EventBus;
use marketplace::{
    events::{Event, TicketCreated},
    id::UserId,
    money::Price,
};
use mongodb::bson::{doc, oid::ObjectId};
use orders::{BuyerLimits, Config, build};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use testkit::{RunningService, TestUser, World};

/// Buyer limits out of the way, for a test that reserves more than a buyer may.
pub fn no_buyer_limits() -> BuyerLimits {
    BuyerLimits {
        orders_per_minute: NonZeroU32::MAX,
        most_unpaid: None,
    }
}

/// The orders service on a random port, in a world of its own.
pub struct TestApp {
    pub service: RunningService,
    pub world: World,
    pub bus: EventBus,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_in(World::new(), Duration::from_secs(900)).await
    }

    pub async fn spawn_in(world: World, order_expiration: Duration) -> Self {
        Self::with_buyers(world, order_expiration, BuyerLimits::default()).await
    }

    /// The service in `world` with these buyer limits: a second one in the same
    /// world is another replica, on the same database.
    pub async fn with_buyers(
        world: World,
        order_expiration: Duration,
        buyers: BuyerLimits,
    ) -> Self {
        let config = Config {
            base: world.base_config("orders"),
            session: world.session_config(),
            events: world.events_config("orders"),
            order_expiration,
            buyers,
        };
        let service = build(config).await.expect("build the orders service");
        let bus = world.bus().await;
        Self {
            service: RunningService::start(service),
            world,
            bus,
        }
    }

    pub fn url(&self, path: &str) -> String {
        self.service.url(path)
    }

    pub fn user(&self) -> TestUser {
        self.world.user()
    }

    pub async fn publish<E: Event>(&self, event: &E) {
        self.bus.publisher().publish(event).await.unwrap();
    }

    pub async fn redeliver<E: Event>(&self, event: &E) {
        testkit::redeliver(&self.bus, event).await;
    }

    /// The replica's copy of a ticket, straight from the database.
    pub async fn replica(&self, id: &str) -> Option<mongodb::bson::Document> {
        self.world
            .database("orders")
            .await
            .collection::<mongodb::bson::Document>("tickets")
            .find_one(doc! { "_id": ObjectId::parse_str(id).unwrap() })
            .await
            .unwrap()
    }

    /// Announces a ticket as the tickets service would, and waits for the replica.
    pub async fn seed_ticket(&self, price_cents: i64) -> String {
        let id = ObjectId::new().to_hex();
        self.publish(&TicketCreated {
            id: id.parse().unwrap(),
            version: 0,
            title: "Concert".to_owned(),
            price: Price::from_cents(price_cents).unwrap(),
            user_id: UserId::new(),
        })
        .await;
        let replicated = testkit::eventually(Duration::from_secs(5), || async {
            self.replica(&id).await.is_some()
        })
        .await;
        assert!(replicated, "the ticket reached the replica");
        id
    }

    pub async fn reserve(&self, buyer: &TestUser, ticket_id: &str) -> Response {
        buyer
            .client
            .post(self.url("/api/orders"))
            .json(&json!({ "ticketId": ticket_id }))
            .send()
            .await
            .unwrap()
    }

    /// Reserves and returns the order.
    pub async fn create_order(&self, buyer: &TestUser, ticket_id: &str) -> Value {
        let response = self.reserve(buyer, ticket_id).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }

    pub async fn order(&self, user: &TestUser, id: &str) -> Response {
        user.client
            .get(self.url(&format!("/api/orders/{id}")))
            .send()
            .await
            .unwrap()
    }

    pub async fn order_status(&self, user: &TestUser, id: &str) -> String {
        let order: Value = self.order(user, id).await.json().await.unwrap();
        order["status"].as_str().unwrap().to_owned()
    }

    pub async fn cancel(&self, user: &TestUser, id: &str) -> Response {
        user.client
            .delete(self.url(&format!("/api/orders/{id}")))
            .send()
            .await
            .unwrap()
    }

    /// Waits until the order's status is `status`.
    pub async fn wait_for_status(&self, user: &TestUser, id: &str, status: &str) {
        let reached = testkit::eventually(Duration::from_secs(10), || async {
            self.order_status(user, id).await == status
        })
        .await;
        assert!(reached, "order {id} never became {status}");
    }
}
