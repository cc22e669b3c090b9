//! One JSON object per log line: when, how severe, where from, the event's fields,
//! and the ids of the trace and span it was written in.

use opentelemetry::trace::TraceContextExt;
use serde_json::{Map, Value};
use tracing::{
    Event, Subscriber,
    field::{Field, Visit},
};
use tracing_subscriber::{
    fmt::{
        FmtContext, FormatEvent, FormatFields,
        format::Writer,
        time::{FormatTime, SystemTime},
    },
    registry::LookupSpan,
};

use crate::ids::SpanIds;

pub(crate) struct JsonLines;

impl<S, N> FormatEvent<S, N> for JsonLines
where
    S: Subscriber + for<'lookup> LookupSpan<'lookup>,
    N: for<'writer> FormatFields<'writer> + 'static,
{
    fn format_event(
        &self,
        context: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> std::fmt::Result {
        let mut timestamp = String::new();
        SystemTime.format_time(&mut Writer::new(&mut timestamp))?;
        let metadata = event.metadata();
        let mut line = Map::new();
        line.insert("timestamp".into(), timestamp.into());
        line.insert("level".into(), metadata.level().as_str().into());
        line.insert("target".into(), metadata.target().into());
        let span = event
            .parent()
            .and_then(|id| context.span(id))
            .or_else(|| context.lookup_current());
        if let Some(span) = span {
            line.insert("span".into(), span.name().into());
            let only_ids = span
                .extensions()
                .get::<SpanIds>()
                .map(|ids| (ids.trace_id, ids.span_id));
            // Spans that are exported are OpenTelemetry's, which know their ids.
            let ids = only_ids.or_else(|| {
                let otel = tracing::dispatcher::get_default(|dispatch| {
                    tracing_opentelemetry::get_otel_context(&span.id(), dispatch)
                })?;
                let ids = otel.span().span_context().clone();
                ids.is_valid().then(|| (ids.trace_id(), ids.span_id()))
            });
            if let Some((trace_id, span_id)) = ids {
                line.insert("trace_id".into(), trace_id.to_string().into());
                line.insert("span_id".into(), span_id.to_string().into());
            }
        }
        event.record(&mut Fields(&mut line));
        writeln!(writer, "{}", Value::Object(line))
    }
}

/// Puts each field of an event into the line, numbers and booleans as themselves.
struct Fields<'line>(&'line mut Map<String, Value>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.0.insert(field.name().into(), value.to_string().into());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().into(), format!("{value:?}").into());
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::{fmt::MakeWriter, prelude::*};

    use crate::{ids::IdsLayer, propagation};

    /// Where a test's log lines go.
    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Lines {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Lines {
        type Writer = Lines;
        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    #[test]
    fn a_line_written_in_a_span_carries_its_trace_and_span_ids_and_its_fields() {
        let lines = Lines::default();
        let subscriber = tracing_subscriber::registry().with(IdsLayer).with(
            tracing_subscriber::fmt::layer()
                .event_format(super::JsonLines)
                .with_writer(lines.clone()),
        );
        tracing::subscriber::with_default(subscriber, || {
            let mut incoming = std::collections::HashMap::new();
            incoming.insert(
                "traceparent".to_owned(),
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".to_owned(),
            );
            let span = tracing::info_span!("request");
            propagation::continue_trace(&span, &incoming);
            span.in_scope(|| tracing::info!(order_id = "o1", late_ms = 3, "reserved a ticket"));
            tracing::info!("outside any span");
        });

        let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
        let mut parsed = text
            .lines()
            .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap());
        let inside = parsed.next().unwrap();
        assert_eq!(inside["trace_id"], "0af7651916cd43dd8448eb211c80319c");
        assert_eq!(inside["span_id"].as_str().unwrap().len(), 16);
        assert_eq!(inside["span"], "request");
        assert_eq!(inside["message"], "reserved a ticket");
        assert_eq!(inside["order_id"], "o1");
        assert_eq!(inside["late_ms"], 3);
        assert_eq!(inside["level"], "INFO");
        let outside = parsed.next().unwrap();
        assert!(outside.get("trace_id").is_none(), "{outside}");
    }
}
