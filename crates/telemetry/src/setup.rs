//! The process's one `tracing` subscriber: the log filter, spans as OpenTelemetry
//! spans, and log lines.

use std::io::IsTerminal;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::{
    Resource,
    trace::{Sampler, SdkTracerProvider},
};
use tracing_subscriber::{filter::Targets, fmt, prelude::*};

use crate::{ids::IdsLayer, json_lines::JsonLines, request};

/// Where spans are exported; unset, nothing is. The exporter reads the other standard
/// `OTEL_EXPORTER_OTLP_*` variables (headers, timeout) itself, and the batch processor
/// the `OTEL_BSP_*` ones.
pub const OTLP_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";
/// The same for traces alone, as the OpenTelemetry specification allows.
const OTLP_TRACES_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
/// The service name spans carry; the service's own name when unset.
const SERVICE_NAME: &str = "OTEL_SERVICE_NAME";

/// The telemetry of a running process. Dropping it exports the spans still buffered,
/// so `main` keeps it until the service has stopped.
pub struct Telemetry {
    provider: SdkTracerProvider,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Err(error) = self.provider.shutdown() {
            tracing::warn!(%error, "cannot export the last spans");
        }
    }
}

/// Installs the subscriber of `service`: logs at `RUST_LOG` (default `info`; targets
/// and levels, such as `info,stripe=error`), as JSON
/// lines unless stdout is a terminal, and spans exported over OTLP/HTTP when
/// [`OTLP_ENDPOINT`] is set.
pub fn init(service: &'static str) -> Telemetry {
    let (provider, export) = tracer_provider(service);
    let exported = matches!(export, Export::To(_)).then(|| {
        tracing_opentelemetry::layer()
            .with_tracer(provider.tracer(service))
            // Per request these would cost more than the rest of the span: the source
            // location and thread as attributes, a clock read on every poll, and an
            // OpenTelemetry context attached on every poll (nothing here reads
            // `opentelemetry::Context::current`; propagation asks the span itself).
            .with_location(false)
            .with_threads(false)
            .with_tracked_inactivity(false)
            .with_context_activation(false)
    });
    let only_ids = exported.is_none().then_some(IdsLayer);
    request::set_exporting(exported.is_some());
    let (filter, unread_filter) = log_filter();
    let registry = tracing_subscriber::registry()
        .with(filter)
        .with(exported)
        .with(only_ids);
    if std::io::stdout().is_terminal() {
        registry.with(fmt::layer()).init();
    } else {
        registry.with(JsonLines::to_stdout()).init();
    }
    if let Some((filter, error)) = unread_filter {
        tracing::warn!(%filter, %error, "RUST_LOG is not a list of targets and levels; logging at info");
    }
    match export {
        Export::To(endpoint) => tracing::info!(service, %endpoint, "starting; exporting spans"),
        Export::Nowhere => tracing::info!(service, "starting"),
        Export::Failed(error) => {
            tracing::error!(service, %error, "starting; cannot export spans, none will be")
        }
    }
    Telemetry { provider }
}

/// The levels `RUST_LOG` sets per target (`info,stripe=error`), `info` when unset or
/// unreadable (with the value and the reason, to warn of once logging works). Targets
/// and levels only, not `tracing`'s span and field filters: those keep a table of live
/// spans that every span's entry and exit would look up.
fn log_filter() -> (Targets, Option<(String, String)>) {
    let fallback = Targets::new().with_default(tracing::Level::INFO);
    match std::env::var("RUST_LOG") {
        Ok(value) if !value.trim().is_empty() => match value.parse::<Targets>() {
            Ok(targets) => (targets, None),
            Err(error) => (fallback, Some((value, error.to_string()))),
        },
        _ => (fallback, None),
    }
}

enum Export {
    To(String),
    Nowhere,
    Failed(String),
}

/// Records and samples every span when there is somewhere to export it, through the
/// OpenTelemetry layer. Otherwise that layer is left out (spans carry only their ids,
/// see `ids`), and the provider only has something to shut down. Sampling is each
/// process's own decision, not its caller's: a service that exports records its part
/// of a trace whether or not the caller did.
fn tracer_provider(service: &'static str) -> (SdkTracerProvider, Export) {
    let mut resource = Resource::builder();
    if std::env::var_os(SERVICE_NAME).is_none() {
        resource = resource.with_service_name(service);
    }
    let builder = SdkTracerProvider::builder().with_resource(resource.build());
    let endpoint = [OTLP_TRACES_ENDPOINT, OTLP_ENDPOINT]
        .into_iter()
        .find_map(|name| {
            std::env::var(name)
                .ok()
                .filter(|value| !value.trim().is_empty())
        });
    let Some(endpoint) = endpoint else {
        return (
            builder.with_sampler(Sampler::AlwaysOff).build(),
            Export::Nowhere,
        );
    };
    match opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .build()
    {
        Ok(exporter) => (
            builder
                .with_sampler(Sampler::AlwaysOn)
                .with_batch_exporter(exporter)
                .build(),
            Export::To(endpoint),
        ),
        Err(error) => (
            builder.with_sampler(Sampler::AlwaysOff).build(),
            Export::Failed(error.to_string()),
        ),
    }
}
