//! What every HTTP server of the system shares, API or web page: the error shape of
//! the HTTP contract ([`Error`]), extractors that answer in it, the middleware stack
//! and [`HttpServer`](http::HttpServer), each request as a span and a metric
//! ([`observe`]), what every OpenAPI document shares, the session cookie, and the
//! running [`Service`](service::Service) with its metrics port ([`metrics`]).
//!
//! It links neither the MongoDB driver nor the NATS client, so the gateway and the
//! web client build without them. The crates that talk to MongoDB enable the
//! `mongodb` feature, which only adds `?` from the driver's errors into [`Error`]
//! (see [`error`]).

mod edge;
pub mod error;
pub mod extract;
pub mod http;
pub mod metrics;
mod observe;
pub mod openapi;
pub mod paging;
pub mod service;
pub mod session;

pub use error::{Error, FieldError, Result, validate_both};
