//! `cargo xtask dev`: the whole system on this machine, behind the gateway.

use std::path::PathBuf;

use anyhow::Context;

use crate::{
    progress,
    stack::{Profile, Stack, StackOptions, build_services, echo_problems, settings_from_env},
    workspace,
};

#[derive(clap::Args)]
pub struct Options {
    /// Port of the gateway, the one URL to open.
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Delete the local data (database, events, logs) before starting.
    #[arg(long)]
    fresh: bool,
    /// How many processes of every service to run behind the gateway, which takes
    /// them in turn, as Kubernetes runs two of each.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=8))]
    replicas: u16,
}

/// Where the local stack keeps its data between runs.
fn data_dir() -> PathBuf {
    workspace::root().join(".dev-data")
}

pub async fn run(options: Options) -> anyhow::Result<()> {
    let data = data_dir();
    if options.fresh && data.exists() {
        std::fs::remove_dir_all(&data).context("wipe .dev-data")?;
        progress::done("Wiped .dev-data (--fresh)");
    }
    let order_expiration_seconds = match std::env::var("ORDER_EXPIRATION_SECONDS") {
        Ok(seconds) => Some(
            seconds
                .parse()
                .context("ORDER_EXPIRATION_SECONDS must be a whole number of seconds")?,
        ),
        Err(_) => None,
    };
    crate::install::ensure_tools()?;
    build_services(Profile::Debug)?;
    let mut stack = Stack::start(StackOptions {
        port: options.port,
        data,
        order_expiration_seconds,
        profile: Profile::Debug,
        pin_services_to_core: None,
        service_env: settings_from_env(),
        nats_nodes: 1,
        replicas: options.replicas.into(),
        servers_from_env: true,
    })
    .await?;
    let _echo = tokio::spawn(echo_problems(stack.log_files()));

    println!();
    println!("Ticketing is running at {}", stack.url());
    println!(
        "    logs in {}; Ctrl-C stops everything",
        stack.logs_dir().display()
    );

    tokio::select! {
        () = httpkit::http::shutdown_signal() => {}
        problem = stack.failure() => eprintln!("!! {problem}. Stopping everything."),
    }
    progress::step("Stopping every process");
    drop(stack);
    Ok(())
}
