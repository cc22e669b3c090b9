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
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    // Logs go to stderr: stdout carries only the ready line that launchers wait for.
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let listener = TcpListener::bind((args.host, args.port)).await?;
    let router = FakeStripe::new(FakeConfig::default()).router();
    println!("stripe-fake listening on {}", listener.local_addr()?);
    axum::serve(listener, router)
        .with_graceful_shutdown(httpkit::http::shutdown_signal())
        .await
}
