//! Span ids when nothing is exported. A span then carries only what is passed on and
//! logged: its trace id, its own id and its trace's `tracestate`, one small extension
//! made when the span is. The OpenTelemetry layer would build, then drop, a whole
//! span per request: its attributes, its builder, its context. Measured on the
//! benchmark's 404, that was a fifth of the middleware's cost per request.

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

/// Gives each new span its [`SpanIds`]: its parent's trace, or a trace of its own.
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
        let inherited = parent.and_then(|parent| {
            parent
                .extensions()
                .get::<SpanIds>()
                .map(|ids| (ids.trace_id, ids.trace_state.clone()))
        });
        let generate = RandomIdGenerator::default();
        let (trace_id, trace_state) =
            inherited.unwrap_or_else(|| (generate.new_trace_id(), TraceState::NONE));
        if let Some(span) = context.span(id) {
            span.extensions_mut().insert(SpanIds {
                trace_id,
                span_id: generate.new_span_id(),
                trace_state,
            });
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
