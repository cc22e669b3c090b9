//! Builds the expiration service: database, event bus, listener, scheduler, relay.
//! Its HTTP side is only the health probes.

use axum::Router;
use bus::EventBus;
use httpkit::service::Service;
use settings::EventServiceConfig;
use storage::outbox::Outbox;

use crate::{listener, scheduler::Scheduler};

/// Connects, starts the listener and the scheduler, and binds `config.base.port`.
pub async fn build(config: EventServiceConfig) -> anyhow::Result<Service> {
    crate::scheduler::register_metrics();
    let database =
        storage::mongo::connect(&config.base.mongo_url, &config.base.mongo_database).await?;
    let bus = EventBus::connect(&config.events).await?;
    let outbox = Outbox::new(&database);
    let scheduler = Scheduler::new(&database, outbox.clone());
    scheduler.ensure_indexes().await?;
    let listener = listener::spawn(&bus, &scheduler).await?;
    let routes = Router::new();
    let service =
        backend::bind_with_events(&config.base, routes, database, &bus, outbox, vec![listener])
            .await?;
    Ok(service.beside(scheduler.run()))
}
