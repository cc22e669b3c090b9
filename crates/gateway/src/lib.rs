//! The dev gateway: routes requests to services exactly as the Kubernetes Ingress
//! does, so the local stack and production see the same URLs. [`ROUTES`] is the one
//! routing table; the Ingress is checked against it.

mod hop_by_hop;
mod proxy;
mod routes;

pub use proxy::{Upstreams, router};
pub use routes::{ROUTES, Route, service_for};
