//! NATS message headers as carriers of a trace's context.

use std::collections::HashMap;

use async_nats::HeaderMap;
use telemetry::propagation::Extractor;

/// The headers of a received message, as a carrier.
pub(crate) struct MessageHeaders<'a>(pub &'a HeaderMap);

impl Extractor for MessageHeaders<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(|value| value.as_str())
    }
    fn keys(&self) -> Vec<&str> {
        self.0.iter().map(|(name, _)| name.as_ref()).collect()
    }
}

/// A trace context (`traceparent`, `tracestate`) as the headers of a message to send.
pub(crate) fn trace_headers(context: &HashMap<String, String>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in context {
        headers.insert(name.as_str(), value.as_str());
    }
    headers
}
