//! The trace a request is answered in. When spans are exported, a server span of the
//! caller's trace (W3C `traceparent`) or of a new one. When nothing is, only the ids
//! such a span would have, kept for the request's task: its log lines, the spans it
//! starts (a call to Stripe) and the events it stages read them from there. A span of
//! its own per request, made and dropped unseen, measured as the costliest part of the
//! middleware on the benchmark's cheapest routes.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::{
    ids::{REQUEST_IDS, SpanIds},
    propagation::{self, Extractor},
};

/// Whether spans are exported; set once by `init`.
static EXPORTING: AtomicBool = AtomicBool::new(false);

pub(crate) fn set_exporting(exporting: bool) {
    EXPORTING.store(exporting, Ordering::Relaxed);
}

/// A request's trace: see the module's documentation.
pub struct ServerTrace(Trace);

enum Trace {
    Span(tracing::Span),
    Ids(SpanIds),
}

impl ServerTrace {
    /// The request's trace, continuing the one `carrier` holds if any. `span` makes the
    /// server span, and is called only when spans are exported.
    pub fn start(span: impl FnOnce() -> tracing::Span, carrier: &dyn Extractor) -> Self {
        if EXPORTING.load(Ordering::Relaxed) {
            let span = span();
            propagation::continue_trace(&span, carrier);
            return Self(Trace::Span(span));
        }
        let remote = propagation::remote_context(carrier)
            .map(|remote| (remote.trace_id(), remote.trace_state().clone()));
        Self(Trace::Ids(SpanIds::new(remote)))
    }

    /// Runs `work` in the request's trace.
    pub async fn run<F: Future>(&self, work: F) -> F::Output {
        use tracing::Instrument;
        match &self.0 {
            Trace::Span(span) => work.instrument(span.clone()).await,
            Trace::Ids(ids) => REQUEST_IDS.scope(ids.clone(), work).await,
        }
    }

    /// Runs `f` in the request's trace (to log in it).
    pub fn in_scope<T>(&self, f: impl FnOnce() -> T) -> T {
        match &self.0 {
            Trace::Span(span) => span.in_scope(f),
            Trace::Ids(ids) => REQUEST_IDS.sync_scope(ids.clone(), f),
        }
    }

    /// The server span, when spans are exported (to record its outcome).
    pub fn span(&self) -> Option<&tracing::Span> {
        match &self.0 {
            Trace::Span(span) => Some(span),
            Trace::Ids(_) => None,
        }
    }
}
