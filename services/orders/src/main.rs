use orders::{Application, Config};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    common::telemetry::init("orders");
    let config = Config::from_env()?;
    let app = Application::build(config).await?;
    app.run_until_stopped().await?;
    Ok(())
}
