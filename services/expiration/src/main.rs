use expiration::{Config, build};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _telemetry = telemetry::init("expiration");
    let config = Config::from(&settings::Env::process(), "expiration")?;
    build(config).await?.run_until_stopped().await?;
    Ok(())
}
