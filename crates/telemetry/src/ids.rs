//! Span ids when nothing is exported. A span then carries only what is passed on and
//! logged: its trace id, its own id and its trace's `tracestate`, one small extension
//! made when the span is. The OpenTelemetry layer would build, then drop, a whole
//! span per request: its attributes, its builder, its context. Measured on the
//! benchmark's 404, that was a fifth of the middleware's cost per request.
//!
//! A request is cheaper still: no span at all, only its [`SpanIds`] kept for its task
//! ([`REQUEST_IDS`], see `request.rs`); its log lines and the spans and events it
//! starts read them from there.

use opentelemetry::trace::{SpanId, TraceId, TraceState};
use opentelemetry_sdk::trace::{IdGenerator, RandomIdGenerator};
use tracing::{Subscriber, span};
use tracing_subscriber::{Registry, layer::Context, registry::LookupSpan};

/// What a span carries when nothing is exported.
#[derive(Clone, Debug)]
pub(crate) struct SpanIds {
    pub trace_id: TraceId,
    pub span_id: SpanId,
    pub trace_state: TraceState,
}

tokio::task_local! {
    /// The ids of the request the task is answering, when nothing is exported.
    pub(crate) static REQUEST_IDS: SpanIds;
}

/// The ids of the request the current task answers, if any.
pub(crate) fn request_ids() -> Option<SpanIds> {
    REQUEST_IDS.try_with(SpanIds::clone).ok()
}

impl SpanIds {
    /// A new span's ids in the trace `trace_id` (a new trace when `None`).
    pub(crate) fn new(trace: Option<(TraceId, TraceState)>) -> Self {
        let generate = RandomIdGenerator::default();
        let (trace_id, trace_state) =
            trace.unwrap_or_else(|| (generate.new_trace_id(), TraceState::NONE));
        Self {
            trace_id,
            span_id: generate.new_span_id(),
            trace_state,
        }
    }
}

/// Gives each new span its [`SpanIds`]: its parent's trace (a span's, or the request's
/// the task answers), or a trace of its own.
pub(crate) struct IdsLayer;

impl<S> tracing_subscriber::Layer<S> for IdsLayer
where
    S: Subscriber + for<'lookup> LookupSpan<'lookup>,
{
    fn on_new_span(
        &self,
        attributes: &span::Attributes<'_>,
        id: &span::Id,
        context: Context<'_, S>,
    ) {
        let parent = match attributes.parent() {
            Some(parent) => context.span(parent),
            None if attributes.is_contextual() => context.lookup_current(),
            None => None,
        };
        let from_span = parent.and_then(|parent| parent.extensions().get::<SpanIds>().cloned());
        let inherited = from_span
            .or_else(request_ids)
            .map(|ids| (ids.trace_id, ids.trace_state));
        if let Some(span) = context.span(id) {
            span.extensions_mut().insert(SpanIds::new(inherited));
        }
    }
}

/// Runs `f` on the ids of `span`, if it has them (that is, if nothing is exported).
pub(crate) fn with_span_ids<T>(
    span: &tracing::Span,
    f: impl FnOnce(&mut SpanIds) -> T,
) -> Option<T> {
    span.with_subscriber(|(id, dispatch)| {
        let registry = dispatch.downcast_ref::<Registry>()?;
        let span = registry.span(id)?;
        let mut extensions = span.extensions_mut();
        extensions.get_mut::<SpanIds>().map(f)
    })
    .flatten()
}
