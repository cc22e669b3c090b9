//! `cargo xtask dev`: the whole system on this machine, behind the gateway.

use std::path::PathBuf;

use anyhow::Context;

use crate::{
    progress,
    stack::{
        Profile, Stack, StackOptions, build_services, echo_problems,
        ensure_prometheus_port_is_free, settings_from_env,
    },
    workspace,
};

#[derive(clap::Args)]
pub struct Options {
    /// Port of the gateway, the one URL to open.
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Port of Prometheus, which scrapes every service and evaluates the alerts.
    #[arg(long, default_value_t = 9090)]
    prometheus_port: u16,
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
    ensure_prometheus_port_is_free(options.prometheus_port)?;
    crate::install::ensure_tools()?;
    crate::install::ensure_apt_package(
        "prometheus",
        "prometheus",
        "to scrape the services' metrics",
    )?;
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
    let prometheus = stack
        .start_prometheus(options.prometheus_port)
        .await?
        .to_owned();
    let _echo = tokio::spawn(echo_problems(stack.log_files()));

    println!();
    println!("Ticketing is running at {}", stack.url());
    println!("Prometheus (metrics, alerts) at {prometheus}");
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
