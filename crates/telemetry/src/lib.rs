//! What every process of the system reports about itself, set up once by [`init`] in
//! its `main`:
//!
//! - **logs**: one JSON object per line (human-readable on a terminal), each with the
//!   `trace_id` and `span_id` of the span it was written in, so one request's lines
//!   can be found in every service's log;
//! - **traces**: `tracing` spans are OpenTelemetry spans. [`propagation`] carries their
//!   context across processes in W3C `traceparent`/`tracestate` (HTTP headers, NATS
//!   message headers, outbox entries). They are exported over OTLP/HTTP when
//!   `OTEL_EXPORTER_OTLP_ENDPOINT` is set. Otherwise a span carries only its ids,
//!   which are logged and passed on, and nothing else is made (`ids`);
//! - **metrics**: [`metrics`] keeps the process's Prometheus metrics and renders them.
//!
//! It links neither the database driver nor the NATS client; the crates that carry a
//! context over those implement [`propagation`]'s carrier traits for their headers.

mod ids;
mod json_lines;
pub mod metrics;
pub mod propagation;
mod request;
mod setup;

pub use request::ServerTrace;
pub use setup::{Telemetry, init};
