//! Builds the tickets service: database, event bus, listeners, outbox relay, HTTP.

use bus::EventBus;
use httpkit::{service::Service, session::SessionKeys};
use storage::{outbox::Outbox, rate_limit::RateLimit, revocations};

use crate::{config::Config, listeners, routes, state::AppState, tickets::Tickets};

/// Connects, starts the listeners and binds `config.base.port`.
pub async fn build(config: Config) -> anyhow::Result<Service> {
    let database =
        storage::mongo::connect(&config.base.mongo_url, &config.base.mongo_database).await?;
    let bus = EventBus::connect(&config.events).await?;
    let outbox = Outbox::new(&database);
    let tickets = Tickets::new(&database, outbox.clone(), config.sellers.most_for_sale);
    tickets.ensure_indexes().await?;
    let listing_rate = RateLimit::per_minute(
        &database,
        "tickets-listed",
        "tickets listed in a minute",
        config.sellers.listed_per_minute,
    );
    listing_rate.ensure_indexes().await?;
    let mut listeners = listeners::spawn_all(&bus, &tickets).await?;
    let session = SessionKeys::new(&config.session.jwt_key, config.session.environment);
    let (revocations, follow_revocations) =
        revocations::learn_from_events(&database, &bus, listeners::SERVICE, &session).await?;
    listeners.push(revocations);
    let state = AppState {
        tickets,
        session,
        listing_rate,
    };
    let routes = routes::router().with_state(state);
    let service =
        backend::bind_with_events(&config.base, routes, database, &bus, outbox, listeners).await?;
    Ok(service.beside(follow_revocations))
}
