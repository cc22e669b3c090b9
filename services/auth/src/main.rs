use auth::{Config, build};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _telemetry = telemetry::init("auth");
    let config = Config::from(&settings::Env::process())?;
    build(config).await?.run_until_stopped().await?;
    Ok(())
}
