//! One JSON object per log line: when, how severe, where from, the event's fields,
//! and the ids of the trace and span it was written in.

use std::io::Write;

use opentelemetry::trace::TraceContextExt;
use serde_json::{Map, Value};
use tracing::{
    Event, Subscriber,
    field::{Field, Visit},
};
use tracing_subscriber::{
    Layer,
    fmt::{
        MakeWriter,
        format::Writer,
        time::{FormatTime, SystemTime},
    },
    layer::Context,
    registry::{LookupSpan, SpanRef},
};

use crate::ids::{SpanIds, request_ids};

/// Writes each event as a JSON line to the writer (stdout in a service). A layer of
/// its own rather than `tracing_subscriber`'s formatter, which would also format and
/// keep every span's fields, though no line shows them.
pub(crate) struct JsonLines<W = fn() -> std::io::Stdout> {
    writer: W,
}

impl JsonLines {
    pub(crate) fn to_stdout() -> Self {
        Self {
            writer: std::io::stdout,
        }
    }
}

impl<W> JsonLines<W> {
    #[cfg(test)]
    fn to(writer: W) -> Self {
        Self { writer }
    }
}

impl<S, W> Layer<S> for JsonLines<W>
where
    S: Subscriber + for<'lookup> LookupSpan<'lookup>,
    W: for<'writer> MakeWriter<'writer> + 'static,
{
    fn on_event(&self, event: &Event<'_>, context: Context<'_, S>) {
        let mut text = line(event, context.event_span(event)).to_string();
        text.push('\n');
        // A line that cannot be written has nowhere else to go.
        let _ = self.writer.make_writer().write_all(text.as_bytes());
    }
}

/// The line of `event`, written in `span`.
fn line<'a, S>(event: &Event<'_>, span: Option<SpanRef<'a, S>>) -> Value
where
    S: for<'lookup> LookupSpan<'lookup>,
{
    let mut timestamp = String::new();
    let _ = SystemTime.format_time(&mut Writer::new(&mut timestamp));
    let metadata = event.metadata();
    let mut line = Map::new();
    line.insert("timestamp".into(), timestamp.into());
    line.insert("level".into(), metadata.level().as_str().into());
    line.insert("target".into(), metadata.target().into());
    let ids = match span {
        Some(span) => {
            line.insert("span".into(), span.name().into());
            let only_ids = span
                .extensions()
                .get::<SpanIds>()
                .map(|ids| (ids.trace_id, ids.span_id));
            // Spans that are exported are OpenTelemetry's, which know their ids.
            only_ids.or_else(|| {
                let otel = tracing::dispatcher::get_default(|dispatch| {
                    tracing_opentelemetry::get_otel_context(&span.id(), dispatch)
                })?;
                let ids = otel.span().span_context().clone();
                ids.is_valid().then(|| (ids.trace_id(), ids.span_id()))
            })
        }
        // Written while answering a request whose ids are kept for its task.
        None => request_ids().map(|ids| {
            line.insert("span".into(), "request".into());
            (ids.trace_id, ids.span_id)
        }),
    };
    if let Some((trace_id, span_id)) = ids {
        line.insert("trace_id".into(), trace_id.to_string().into());
        line.insert("span_id".into(), span_id.to_string().into());
    }
    event.record(&mut Fields(&mut line));
    Value::Object(line)
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
        let subscriber = tracing_subscriber::registry()
            .with(IdsLayer)
            .with(super::JsonLines::to(lines.clone()));
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
