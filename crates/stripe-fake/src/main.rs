//! `stripe-fake`: serves the Stripe fake until Ctrl-C or SIGTERM, for the local stack.

use std::net::IpAddr;

use clap::Parser;
use stripe_fake::{FakeConfig, FakeStripe};
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

/// A stand-in for the Stripe API endpoints the payments service calls.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port to listen on; 0 picks a free one (the ready line shows which).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Where to POST webhook events (`charge.refunded`, `account.updated`), signed with
    /// the secret in the environment variable `STRIPE_WEBHOOK_SECRET`. Without it
    /// nothing is sent.
    #[arg(long)]
    webhook_url: Option<String>,
}

/// Read from the environment: a command line is visible to every user of the machine.
const WEBHOOK_SECRET_VARIABLE: &str = "STRIPE_WEBHOOK_SECRET";

#[tokio::main]
async fn main() -> std::io::Result<()> {
    // Logs go to stderr: stdout carries only the ready line that launchers wait for.
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let fake = FakeStripe::new(FakeConfig::default());
    if let Some(url) = args.webhook_url {
        let secret = std::env::var(WEBHOOK_SECRET_VARIABLE).map_err(|_| {
            std::io::Error::other(format!("--webhook-url needs {WEBHOOK_SECRET_VARIABLE} set"))
        })?;
        fake.set_webhook(url, secret);
    }
    let listener = TcpListener::bind((args.host, args.port)).await?;
    let router = fake.router();
    println!("stripe-fake listening on {}", listener.local_addr()?);
    axum::serve(listener, router)
        .with_graceful_shutdown(httpkit::http::shutdown_signal())
        .await
}
