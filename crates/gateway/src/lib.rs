//! The dev gateway: routes requests to services exactly as the Kubernetes Ingress
//! does, so the local stack and production see the same URLs. [`ROUTES`] is the one
//! routing table; the Ingress is checked against it. Each service may run several
//! replicas: requests take them in turn, and pass to the next when one is down.

mod hop_by_hop;
mod proxy;
mod replicas;
mod routes;

pub use proxy::{Upstreams, router, service_router};
pub use routes::{ROUTES, Route, service_for};
