use tickets::{Config, build};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    common::telemetry::init("tickets");
    let config = Config::from(&common::config::Env::process(), "tickets")?;
    build(config).await?.run_until_stopped().await?;
    Ok(())
}
