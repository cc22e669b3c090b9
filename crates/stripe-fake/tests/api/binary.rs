//! The `stripe-fake` binary: one ready line on stdout, then serving until SIGTERM; with
//! `--webhook-url`, sending signed events there.

use std::process::Stdio;
use std::time::Duration;

use stripe_fake::Ledger;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

use crate::helpers::SECRET_KEY;
use crate::webhooks::{Receiver, SECRET, assert_signed};

/// The binary with `args`, killed when dropped.
fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_stripe-fake"));
    command
        .args(["--port", "0"])
        .args(args)
        .env_remove("STRIPE_WEBHOOK_SECRET")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

/// Starts `command` and waits for its ready line: the child, its port and the rest of stdout.
async fn serve(mut command: Command) -> (Child, u16, Lines<BufReader<ChildStdout>>) {
    let mut child = command.spawn().expect("the binary starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("a ready line in time")
        .expect("readable stdout")
        .expect("a line");
    let address = line
        .strip_prefix("stripe-fake listening on 127.0.0.1:")
        .expect(&line);
    (child, address.parse().expect("a port"), lines)
}

async fn stop(mut child: Child) -> std::process::ExitStatus {
    let pid = child.id().expect("running").to_string();
    let signalled = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .expect("kill runs");
    assert!(signalled.success());
    tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("it stops in time")
        .expect("an exit status")
}

#[tokio::test]
async fn the_binary_announces_its_address_and_stops_on_sigterm() {
    let (child, port, mut lines) = serve(command(&[])).await;

    let ledger: Ledger = reqwest::get(format!("http://127.0.0.1:{port}/_fake/ledger"))
        .await
        .expect("the fake answers")
        .json()
        .await
        .expect("a ledger");
    assert_eq!(ledger, Ledger::default());

    let status = stop(child).await;
    assert!(status.success(), "{status}");
    assert_eq!(
        lines.next_line().await.expect("readable stdout"),
        None,
        "only one line on stdout"
    );
}

#[tokio::test]
async fn a_webhook_url_without_its_secret_in_the_environment_is_refused() {
    let output = command(&["--webhook-url", "http://127.0.0.1:9/hooks"])
        .output()
        .await
        .expect("the binary runs");

    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("STRIPE_WEBHOOK_SECRET"), "{stderr}");
}

#[tokio::test]
async fn the_binary_signs_events_with_the_secret_from_its_environment() {
    let receiver = Receiver::start(0).await;
    let mut command = command(&["--webhook-url", &receiver.url]);
    command.env("STRIPE_WEBHOOK_SECRET", SECRET);
    let (child, port, _lines) = serve(command).await;
    let http = reqwest::Client::new();
    let post = |path: &str, params: &[(&str, &str)]| {
        http.post(format!("http://127.0.0.1:{port}{path}"))
            .bearer_auth(SECRET_KEY)
            .form(params)
            .send()
    };

    let paid: serde_json::Value = post(
        "/v1/payment_intents",
        &[
            ("amount", "2500"),
            ("currency", "usd"),
            ("payment_method", "pm_card_visa"),
            ("confirm", "true"),
        ],
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let intent = paid["id"].as_str().unwrap();
    post("/v1/refunds", &[("payment_intent", intent)])
        .await
        .unwrap();

    let delivery = receiver.wait_for(1).await.remove(0);
    assert_signed(&delivery, SECRET);
    assert_eq!(delivery.json()["type"], "charge.refunded");
    stop(child).await;
}
