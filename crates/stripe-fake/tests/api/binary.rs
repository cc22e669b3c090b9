//! The `stripe-fake` binary: one ready line on stdout, then serving until SIGTERM.

use std::process::Stdio;
use std::time::Duration;

use stripe_fake::Ledger;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

#[tokio::test]
async fn the_binary_announces_its_address_and_stops_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stripe-fake"))
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");
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
    let port: u16 = address.parse().expect("a port");

    let ledger: Ledger = reqwest::get(format!("http://127.0.0.1:{port}/_fake/ledger"))
        .await
        .expect("the fake answers")
        .json()
        .await
        .expect("a ledger");
    assert_eq!(ledger, Ledger::default());

    let pid = child.id().expect("running").to_string();
    let signalled = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .expect("kill runs");
    assert!(signalled.success());
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("it stops in time")
        .expect("an exit status");
    assert!(status.success(), "{status}");
    assert_eq!(
        lines.next_line().await.expect("readable stdout"),
        None,
        "only one line on stdout"
    );
}
