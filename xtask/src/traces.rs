//! `cargo xtask traces`: one purchase through the gateway, with every service
//! exporting its spans to a real OTLP receiver, then two checks. The purchase is one
//! trace holding each service's part with the parents `purchase.rs` documents; and
//! the log lines that two services wrote while handling it carry its `trace_id`.
//! `cargo xtask test` runs it.

mod purchase;
mod receiver;

use std::{path::Path, time::Duration};

use anyhow::{Context, bail};
use marketplace::money::Price;
use rand::Rng;
use serde_json::Value;
use testkit::api::{ApiClient, Endpoints};

use crate::{
    progress,
    stack::{self, Profile, Stack, StackOptions, build_services, free_port},
    workspace,
};
use receiver::Receiver;

/// How long the spans may take to arrive: the services export in batches every
/// [`EXPORT_DELAY_MS`].
const ARRIVAL_PATIENCE: Duration = Duration::from_secs(20);
const EXPORT_DELAY_MS: u32 = 200;

pub async fn run() -> anyhow::Result<()> {
    build_services(Profile::Debug)?;
    progress::step("One purchase through the gateway, traced into an OTLP receiver");
    let receiver = Receiver::start().await?;
    let data = workspace::target_dir().join("traces");
    if data.exists() {
        std::fs::remove_dir_all(&data).context("clear the last trace check's data")?;
    }
    let exporting = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint()),
        ("OTEL_BSP_SCHEDULE_DELAY", EXPORT_DELAY_MS.to_string()),
    ];
    let stack = Stack::start(StackOptions {
        port: free_port()?,
        data: data.clone(),
        order_expiration_seconds: None,
        profile: Profile::Debug,
        pin_services_to_core: None,
        service_env: stack::service_names()
            .flat_map(|service| {
                exporting
                    .iter()
                    .map(move |(name, value)| (service, *name, value.clone()))
            })
            .collect(),
        nats_nodes: 1,
        replicas: 1,
        servers_from_env: false,
    })
    .await?;

    let (trace_id, buyer_span) = (random_hex::<16>(), random_hex::<8>());
    let order_id = purchase(stack.url(), &format!("00-{trace_id}-{buyer_span}-01")).await?;

    let deadline = tokio::time::Instant::now() + ARRIVAL_PATIENCE;
    let problems = loop {
        let problems = purchase::missing(&receiver.spans(), &trace_id, &buyer_span);
        if problems.is_empty() || tokio::time::Instant::now() > deadline {
            break problems;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    if !problems.is_empty() {
        bail!(
            "the trace {trace_id} of order {order_id} is not whole:\n  {}\n    service logs: {}",
            problems.join("\n  "),
            stack.logs_dir().display()
        );
    }
    let in_trace = receiver
        .spans()
        .iter()
        .filter(|span| span.trace_id == trace_id)
        .count();
    progress::done(&format!(
        "Trace {trace_id}: {in_trace} spans, every step of the purchase with its parent"
    ));
    print!("{}", purchase::tree(&receiver.spans(), &trace_id));

    let logging = services_logging(stack.logs_dir(), &trace_id)?;
    if logging.len() < 2 {
        bail!(
            "only {logging:?} logged lines with the purchase's trace_id {trace_id}; orders and payments both should\n    service logs: {}",
            stack.logs_dir().display()
        );
    }
    progress::done(&format!(
        "Log lines with trace_id {trace_id} in {}",
        logging.join(", ")
    ));
    Ok(())
}

/// A seller lists a ticket; a buyer whose requests carry `traceparent` reserves it,
/// pays, and waits until the order is complete. Returns the order's id.
async fn purchase(gateway: &str, traceparent: &str) -> anyhow::Result<String> {
    let seller = ApiClient::new(Endpoints::gateway(gateway));
    seller
        .sign_up("seller@example.com", "trace-password")
        .await?;
    let ticket = seller
        .list_ticket("Traced concert", Price::from_cents(2500)?)
        .await?;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("traceparent", traceparent.parse()?);
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .build()?;
    let buyer = ApiClient::with_http(Endpoints::gateway(gateway), http);
    buyer.sign_up("buyer@example.com", "trace-password").await?;
    let order = buyer.reserve_when_orderable(&ticket.id).await?.value;
    buyer.pay_when_payable(&order.id, "pm_card_visa").await?;
    buyer.wait_until_complete(&order.id).await?;
    Ok(order.id)
}

/// The services (by log file) with a JSON log line carrying `trace_id`.
fn services_logging(logs: &Path, trace_id: &str) -> anyhow::Result<Vec<String>> {
    let mut services = Vec::new();
    for entry in std::fs::read_dir(logs)? {
        let path = entry?.path();
        let text = std::fs::read_to_string(&path)?;
        let carries = text.lines().any(|line| {
            serde_json::from_str::<Value>(line)
                .is_ok_and(|line| line.get("trace_id").and_then(Value::as_str) == Some(trace_id))
        });
        if carries && let Some(name) = path.file_stem() {
            services.push(name.to_string_lossy().into_owned());
        }
    }
    services.sort();
    Ok(services)
}

fn random_hex<const BYTES: usize>() -> String {
    hex::encode(rand::rng().random::<[u8; BYTES]>())
}
