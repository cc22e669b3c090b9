use client::{Config, build};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    common::telemetry::init("client");
    let config = Config::from(&common::config::Env::process())?;
    build(config).await?.run_until_stopped().await?;
    Ok(())
}
