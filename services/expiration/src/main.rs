use expiration::{Config, build};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    common::telemetry::init("expiration");
    let config = Config::from(&common::config::Env::process(), "expiration")?;
    build(config).await?.run_until_stopped().await?;
    Ok(())
}
