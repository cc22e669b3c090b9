//! `cargo xtask traces`: one purchase through the gateway, with every service
//! exporting its spans to a real OTLP receiver, then two checks. The purchase is one
//! trace holding each service's part with the parents `purchase.rs` documents; and
//! the log lines that two services wrote while handling it carry its `trace_id`.
//! Then the same purchase with nothing exported, where spans carry only their ids:
//! the two services' lines must still share the purchase's `trace_id`. `cargo xtask
//! test` runs it.

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
    let data = workspace::target_dir().join("traces");
    if data.exists() {
        std::fs::remove_dir_all(&data).context("clear the last trace check's data")?;
    }
    progress::step("One purchase through the gateway, traced into an OTLP receiver");
    let receiver = Receiver::start().await?;
    let exporting = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint()),
        ("OTEL_BSP_SCHEDULE_DELAY", EXPORT_DELAY_MS.to_string()),
    ];
    let stack = start_stack(&data.join("exported"), &exporting).await?;
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

    logs_share(&stack, &trace_id)?;
    drop(stack);

    progress::step("The same purchase with nothing exported");
    let stack = start_stack(&data.join("not-exported"), &[]).await?;
    let trace_id = random_hex::<16>();
    purchase(
        stack.url(),
        &format!("00-{trace_id}-{}-01", random_hex::<8>()),
    )
    .await?;
    logs_share(&stack, &trace_id)
}

/// The stack with `env` set for every service.
async fn start_stack(data: &Path, env: &[(&'static str, String)]) -> anyhow::Result<Stack> {
    Stack::start(StackOptions {
        port: free_port()?,
        data: data.to_path_buf(),
        order_expiration_seconds: None,
        profile: Profile::Debug,
        pin_services_to_core: None,
        service_env: stack::service_names()
            .flat_map(|service| {
                env.iter()
                    .map(move |(name, value)| (service, *name, value.clone()))
            })
            .collect(),
        nats_nodes: 1,
        replicas: 1,
        servers_from_env: false,
    })
    .await
}

/// The lines a purchase must leave with its `trace_id`: two services' requests, and
/// one service's handling of an event another staged (`payment:created`).
const PURCHASE_LINES: [(&str, &str); 3] = [
    ("orders", "reserved a ticket"),
    ("payments", "charged an order"),
    ("orders", "completed a paid order"),
];

/// Fails unless every line of [`PURCHASE_LINES`] was logged with `trace_id`.
fn logs_share(stack: &Stack, trace_id: &str) -> anyhow::Result<()> {
    let logged = lines_with(stack.logs_dir(), trace_id)?;
    let missing: Vec<String> = PURCHASE_LINES
        .iter()
        .filter(|expected| {
            !logged
                .iter()
                .any(|(service, message)| (service.as_str(), message.as_str()) == **expected)
        })
        .map(|(service, message)| format!("{service}: \"{message}\""))
        .collect();
    if !missing.is_empty() {
        bail!(
            "no line with the purchase's trace_id {trace_id} from {}\n    service logs: {}",
            missing.join(", "),
            stack.logs_dir().display()
        );
    }
    progress::done(&format!(
        "{} log lines with trace_id {trace_id}, in {}",
        logged.len(),
        PURCHASE_LINES
            .map(|(service, message)| format!("{service} (\"{message}\")"))
            .join(", ")
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

/// Every JSON log line carrying `trace_id`, as its service (the log file's name) and
/// its message.
fn lines_with(logs: &Path, trace_id: &str) -> anyhow::Result<Vec<(String, String)>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(logs)? {
        let path = entry?.path();
        let service = path
            .file_stem()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        for line in std::fs::read_to_string(&path)?.lines() {
            let Ok(line) = serde_json::from_str::<Value>(line) else {
                continue;
            };
            if line.get("trace_id").and_then(Value::as_str) == Some(trace_id) {
                let message = line.get("message").and_then(Value::as_str).unwrap_or("");
                found.push((service.clone(), message.to_owned()));
            }
        }
    }
    Ok(found)
}

fn random_hex<const BYTES: usize>() -> String {
    hex::encode(rand::rng().random::<[u8; BYTES]>())
}
