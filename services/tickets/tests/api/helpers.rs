use std::num::NonZeroU32;

use bus::EventBus;
use marketplace::events::Event;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use testkit::{RunningService, TestUser, World};
use tickets::{Config, SellerLimits, build};

/// The tickets service on a random port, in a world of its own.
pub struct TestApp {
    pub service: RunningService,
    pub world: World,
    pub bus: EventBus,
}

/// Seller limits out of the way: the listing's tests list hundreds of tickets as one
/// seller, far faster than the production defaults let anyone.
pub fn no_seller_limits() -> SellerLimits {
    SellerLimits {
        listed_per_minute: NonZeroU32::MAX,
        most_for_sale: None,
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_in(World::new()).await
    }

    pub async fn spawn_in(world: World) -> Self {
        Self::with_sellers(world, no_seller_limits()).await
    }

    /// The service in `world` with these seller limits: a second one in the same
    /// world is another replica, on the same database.
    pub async fn with_sellers(world: World, sellers: SellerLimits) -> Self {
        let config = Config {
            base: world.base_config("tickets"),
            session: world.session_config(),
            events: world.events_config("tickets"),
            sellers,
        };
        let service = build(config).await.expect("build the tickets service");
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

    pub async fn post_ticket(&self, user: &TestUser, body: &Value) -> Response {
        user.client
            .post(self.url("/api/tickets"))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Lists a ticket and returns it.
    pub async fn create_ticket(&self, seller: &TestUser, title: &str, price: f64) -> Value {
        let response = self
            .post_ticket(seller, &json!({ "title": title, "price": price }))
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }

    pub async fn update_ticket(&self, user: &TestUser, id: &str, body: &Value) -> Response {
        user.client
            .put(self.url(&format!("/api/tickets/{id}")))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn ticket(&self, id: &str) -> Value {
        let response = reqwest::get(self.url(&format!("/api/tickets/{id}")))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    pub async fn listing(&self) -> Vec<Value> {
        reqwest::get(self.url("/api/tickets"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Publishes an event as another service would.
    pub async fn publish<E: Event>(&self, event: &E) {
        self.bus.publisher().publish(event).await.unwrap();
    }
}

impl TestApp {
    pub async fn redeliver<E: Event>(&self, event: &E) {
        testkit::redeliver(&self.bus, event).await;
    }

    /// Waits until the ticket's version is `version`.
    pub async fn wait_for_version(&self, id: &str, version: usize) {
        self.wait_for(id, "version", json!(version)).await;
    }

    /// The ticket as stored, with what the API does not show.
    pub async fn stored_ticket(&self, id: &str) -> mongodb::bson::Document {
        self.world
            .database("tickets")
            .await
            .collection::<mongodb::bson::Document>("tickets")
            .find_one(
                mongodb::bson::doc! { "_id": mongodb::bson::oid::ObjectId::parse_str(id).unwrap() },
            )
            .await
            .unwrap()
            .expect("the ticket is stored")
    }

    /// Waits until the ticket's status is `status`.
    pub async fn wait_for_status(&self, id: &str, status: &str) {
        self.wait_for(id, "status", json!(status)).await;
    }

    /// Waits until the ticket's `field` is `value`.
    async fn wait_for(&self, id: &str, field: &str, value: Value) {
        let reached = testkit::eventually(std::time::Duration::from_secs(10), || async {
            self.ticket(id).await[field] == value
        })
        .await;
        assert!(
            reached,
            "ticket {id} never had {field} {value}: {}",
            self.ticket(id).await
        );
    }
}

/// An `order:created` for the ticket, as the orders service would publish it.
pub fn order_created(order_id: &str, ticket: &Value) -> marketplace::events::OrderCreated {
    marketplace::events::OrderCreated {
        id: order_id.parse().unwrap(),
        version: 0,
        status: marketplace::order::OrderStatus::Created,
        user_id: "5f00000000000000000000bb".parse().unwrap(),
        expires_at: time::OffsetDateTime::now_utc() + time::Duration::minutes(15),
        ticket: marketplace::events::OrderedTicket {
            id: ticket["id"].as_str().unwrap().parse().unwrap(),
            price: serde_json::from_value(ticket["price"].clone()).unwrap(),
            seller_id: ticket["userId"].as_str().unwrap().parse().unwrap(),
        },
    }
}

pub fn ticket_ref(ticket: &Value) -> marketplace::events::TicketRef {
    marketplace::events::TicketRef {
        id: ticket["id"].as_str().unwrap().parse().unwrap(),
    }
}

/// A fresh order id.
pub fn order_id() -> String {
    mongodb::bson::oid::ObjectId::new().to_hex()
}

/// A ticket that an order holds.
pub struct Reserved {
    pub ticket: Value,
    pub id: String,
    pub order: String,
}

impl TestApp {
    /// Lists a ticket for `seller` and has an order lock it, as the orders service would.
    pub async fn reserved_ticket(&self, seller: &TestUser) -> Reserved {
        let ticket = self.create_ticket(seller, "Concert", 20.0).await;
        let id = ticket["id"].as_str().unwrap().to_owned();
        let order = order_id();
        self.publish(&order_created(&order, &ticket)).await;
        self.wait_for_status(&id, "reserved").await;
        Reserved { ticket, id, order }
    }
}
