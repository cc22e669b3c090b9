//! What a service with a database and events runs beside its own routes: `/healthz`
//! and `/readyz` (which pings MongoDB), `/metrics` of its listeners, outbox and NATS
//! connection, the API stack around them all, the outbox relay and its running
//! listeners. It joins `httpkit`, `bus` and `storage` at the top, so the HTTP crate
//! (which the gateway and the web client use) needs neither of the other two.

mod health;
mod metrics;

use axum::Router;
use bus::{EventBus, ListenerHandle};
use httpkit::{
    http::{HttpServer, api_stack},
    service::Service,
};
use mongodb::Database;
use storage::outbox::Outbox;

/// Binds a service that uses events on `port` (0 picks a free one): `routes`, the
/// probes and `/metrics` behind the API stack, the outbox relay publishing through
/// `bus`, and the running `listeners`, kept for as long as the service runs.
pub async fn bind_with_events(
    port: u16,
    routes: Router,
    database: Database,
    bus: &EventBus,
    outbox: Outbox,
    listeners: Vec<ListenerHandle>,
) -> std::io::Result<Service> {
    let stats = listeners
        .iter()
        .map(|listener| (listener.durable_name().to_owned(), listener.shared_stats()))
        .collect();
    let router = routes
        .merge(metrics::router(stats, outbox.clone(), bus.client().clone()))
        .merge(health::router(database));
    let server = HttpServer::bind(port, api_stack(router)).await?;
    Ok(Service::from_server(server)
        .keeping(listeners)
        .beside(outbox.run_relay(bus.publisher())))
}
