//! Carrying a trace from one process to the next in W3C trace context (`traceparent`
//! and `tracestate`): in HTTP headers, and through whatever else implements the
//! carrier traits (the event bus's message headers, an outbox entry's fields).

use std::collections::HashMap;

use http::{HeaderMap, HeaderName, HeaderValue};
pub use opentelemetry::propagation::{Extractor, Injector};
use opentelemetry::{
    Context,
    propagation::TextMapPropagator,
    trace::{SpanContext, TraceContextExt, TraceFlags},
};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::ids::{request_ids, with_span_ids};

/// Makes `span` a child of the span whose context `carrier` holds. Without a valid
/// one, `span` keeps its own parent or, having none, starts a trace. Call it before
/// the span is first entered, so that its children see the trace too.
pub fn continue_trace(span: &tracing::Span, carrier: &dyn Extractor) {
    let Some(remote) = remote_context(carrier) else {
        return;
    };
    let only_ids = with_span_ids(span, |ids| {
        ids.trace_id = remote.trace_id();
        ids.trace_state = remote.trace_state().clone();
    });
    if only_ids.is_none() {
        // Fails only when the span is disabled (filtered out): nothing to continue.
        let _ = span.set_parent(Context::new().with_remote_span_context(remote));
    }
}

/// Writes the context of `span` into `carrier`, so the next process's span becomes
/// its child.
pub fn inject(span: &tracing::Span, carrier: &mut dyn Injector) {
    let only_ids = with_span_ids(span, |ids| ids.clone())
        .or_else(|| span.is_none().then(request_ids).flatten());
    let context = match only_ids {
        Some(ids) => {
            let sent = SpanContext::new(
                ids.trace_id,
                ids.span_id,
                // Not sampled: this process records nothing of its spans.
                TraceFlags::default(),
                false,
                ids.trace_state,
            );
            Context::new().with_remote_span_context(sent)
        }
        None => span.context(),
    };
    TraceContextPropagator::new().inject_context(&context, carrier);
}

/// The remote span context `carrier` holds, if a valid one.
pub(crate) fn remote_context(carrier: &dyn Extractor) -> Option<SpanContext> {
    // Most requests carry none: then the propagator need not run.
    carrier.get("traceparent")?;
    let context = TraceContextPropagator::new().extract(carrier);
    let remote = context.span().span_context().clone();
    remote.is_valid().then_some(remote)
}

/// The current span's context as name/value pairs, for what carries it later: an
/// event staged in an outbox and published after its request has ended.
pub fn current_context() -> HashMap<String, String> {
    let mut fields = HashMap::new();
    inject(&tracing::Span::current(), &mut fields);
    fields
}

/// The current span's context written into `headers` of an outgoing HTTP request.
pub fn inject_current(headers: &mut HeaderMap) {
    inject(&tracing::Span::current(), &mut HttpHeadersMut(headers));
}

/// The headers of an incoming HTTP request, as a carrier.
pub struct HttpHeaders<'a>(pub &'a HeaderMap);

impl Extractor for HttpHeaders<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key)?.to_str().ok()
    }
    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(HeaderName::as_str).collect()
    }
}

/// The headers of an outgoing HTTP request, as a carrier.
pub struct HttpHeadersMut<'a>(pub &'a mut HeaderMap);

impl Injector for HttpHeadersMut<'_> {
    fn set(&mut self, key: &str, value: String) {
        let name = HeaderName::from_bytes(key.as_bytes());
        if let (Ok(name), Ok(value)) = (name, HeaderValue::from_str(&value)) {
            self.0.insert(name, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARENT: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    fn with_subscriber(test: impl FnOnce()) {
        use tracing_subscriber::prelude::*;
        let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
        let tracer = opentelemetry::trace::TracerProvider::tracer(&provider, "test");
        let subscriber =
            tracing_subscriber::registry().with(tracing_opentelemetry::layer().with_tracer(tracer));
        tracing::subscriber::with_default(subscriber, test);
    }

    /// A request's span that continued an incoming `traceparent`.
    fn request_with_traceparent(traceparent: &'static str) -> tracing::Span {
        let mut incoming = HeaderMap::new();
        incoming.insert("traceparent", HeaderValue::from_static(traceparent));
        let span = tracing::info_span!("request");
        continue_trace(&span, &HttpHeaders(&incoming));
        span
    }

    #[test]
    fn a_span_continues_the_trace_of_an_incoming_traceparent_and_passes_itself_on() {
        with_subscriber(|| {
            let span = request_with_traceparent(PARENT);

            let mut outgoing = HeaderMap::new();
            span.in_scope(|| inject_current(&mut outgoing));

            let sent = outgoing["traceparent"].to_str().unwrap();
            let parts: Vec<&str> = sent.split('-').collect();
            assert_eq!(parts[1], "0af7651916cd43dd8448eb211c80319c", "same trace");
            assert_ne!(
                parts[2], "b7ad6b7169203331",
                "its own span, not the caller's"
            );
        });
    }

    #[test]
    fn without_a_traceparent_a_span_starts_a_trace_of_its_own() {
        with_subscriber(|| {
            let span = tracing::info_span!("request");
            continue_trace(&span, &HttpHeaders(&HeaderMap::new()));
            let first = span.in_scope(current_context);
            let other = tracing::info_span!("request").in_scope(current_context);

            let trace = |fields: &HashMap<String, String>| {
                fields["traceparent"].split('-').nth(1).unwrap().to_owned()
            };
            assert_ne!(trace(&first), "0".repeat(32));
            assert_ne!(trace(&first), trace(&other), "two roots, two traces");
        });
    }

    #[test]
    fn a_child_span_is_in_its_parents_trace() {
        with_subscriber(|| {
            let request = request_with_traceparent(PARENT);
            let child = request.in_scope(|| tracing::info_span!("handle"));

            let sent = child.in_scope(current_context);

            assert!(sent["traceparent"].contains("0af7651916cd43dd8448eb211c80319c"));
        });
    }

    #[test]
    fn a_malformed_traceparent_is_ignored() {
        with_subscriber(|| {
            let span = request_with_traceparent("00-nonsense-01");
            let sent = span.in_scope(current_context);
            assert!(!sent["traceparent"].contains("nonsense"));
        });
    }
}
