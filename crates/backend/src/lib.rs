//! What a service with a database and events runs beside its own routes: `/healthz`
//! and `/readyz` (which pings MongoDB), the API stack around them all, the metrics
//! port with its listeners, outbox and NATS connection, the outbox relay and its
//! running listeners. It joins `httpkit`, `bus` and `storage` at the top, so the HTTP crate
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
use settings::BaseConfig;
use storage::outbox::Outbox;

/// Binds a service that uses events on the configured ports (0 picks a free one):
/// `routes` and the probes behind the API stack, the metrics port, the outbox relay
/// publishing through `bus`, and the running `listeners`, kept for as long as the
/// service runs.
pub async fn bind_with_events(
    config: &BaseConfig,
    routes: Router,
    database: Database,
    bus: &EventBus,
    outbox: Outbox,
    listeners: Vec<ListenerHandle>,
) -> std::io::Result<Service> {
    let own_metrics = metrics::service_metrics(&listeners, outbox.clone(), bus.client().clone());
    let router = routes.merge(health::router(database));
    let server = HttpServer::bind(config.port, api_stack(router)).await?;
    let metrics = httpkit::metrics::bind(config.metrics_port, Some(own_metrics)).await?;
    Ok(Service::new(server, metrics)
        .keeping(listeners)
        .beside(outbox.run_relay(bus.publisher())))
}
