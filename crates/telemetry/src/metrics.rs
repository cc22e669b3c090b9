//! The process's Prometheus metrics, named as OpenTelemetry's semantic conventions
//! name them in Prometheus (`http.server.request.duration` is
//! `http_server_request_duration_seconds`).
//!
//! Metrics of the whole process (requests served, Stripe calls, hashing) are
//! registered once, by the module that updates them, through [`register`]. Those of one
//! service that the process runs (its listeners, its outbox) are read at each scrape
//! by that service's [`Collector`], passed to [`render`]: in a test, several services
//! run in one process and each must report its own.

use std::sync::{LazyLock, Mutex, PoisonError};

pub use prometheus_client::{
    collector::Collector,
    encoding::{DescriptorEncoder, EncodeLabelSet, EncodeLabelValue, EncodeMetric},
    metrics::{
        counter::{ConstCounter, Counter},
        family::Family,
        gauge::{ConstGauge, Gauge},
        histogram::Histogram,
    },
    registry::Unit,
};
use prometheus_client::{
    encoding::text::{encode_eof, encode_registry},
    registry::{Metric, Registry},
};

/// Buckets for the time an operation takes, in seconds: 1 ms to 10 s.
pub const DURATION_BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The content type of [`render`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

static PROCESS: LazyLock<Mutex<Registry>> = LazyLock::new(Mutex::default);

/// Adds a metric of the whole process under `name` (the unit is appended, and
/// `_total` for a counter). Register each once, where it is defined, e.g. in a
/// `LazyLock`.
pub fn register(name: &str, help: &str, unit: Option<Unit>, metric: impl Metric) {
    let mut registry = PROCESS.lock().unwrap_or_else(PoisonError::into_inner);
    match unit {
        Some(unit) => registry.register_with_unit(name, help, unit, metric),
        None => registry.register(name, help, metric),
    }
}

/// A histogram of [`DURATION_BUCKETS`].
pub fn duration_histogram() -> Histogram {
    Histogram::new(DURATION_BUCKETS)
}

/// A family of [`duration_histogram`]s by the labels `L`, registered as a metric of
/// the process under `name` (in seconds).
pub fn duration_family<L>(name: &str, help: &str) -> Family<L, Histogram>
where
    L: Clone + std::hash::Hash + Eq + EncodeLabelSet + std::fmt::Debug + Send + Sync + 'static,
{
    let family = Family::new_with_constructor(duration_histogram as fn() -> Histogram);
    register(name, help, Some(Unit::Seconds), family.clone());
    family
}

/// The process's metrics and then `service`'s, in the OpenMetrics text format that
/// Prometheus scrapes.
pub fn render(service: Option<Box<dyn Collector>>) -> String {
    let mut text = String::new();
    {
        let process = PROCESS.lock().unwrap_or_else(PoisonError::into_inner);
        // Writing into a String cannot fail.
        let _ = encode_registry(&mut text, &process);
    }
    if let Some(collector) = service {
        let mut own = Registry::default();
        own.register_collector(collector);
        let _ = encode_registry(&mut text, &own);
    }
    let _ = encode_eof(&mut text);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Lag(i64);

    impl Collector for Lag {
        fn encode(&self, mut encoder: DescriptorEncoder) -> std::fmt::Result {
            let gauge = ConstGauge::new(self.0);
            let metric =
                encoder.encode_descriptor("test_lag", "A lag.", None, gauge.metric_type())?;
            gauge.encode(metric)
        }
    }

    #[test]
    fn renders_the_process_metrics_then_the_services_and_ends_once() {
        let served = Counter::<u64>::default();
        register("test_served", "Requests served.", None, served.clone());
        served.inc();

        let text = render(Some(Box::new(Lag(7))));

        assert!(text.contains("test_served_total 1"), "{text}");
        assert!(text.contains("test_lag 7"), "{text}");
        assert_eq!(text.matches("# EOF").count(), 1, "{text}");
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
