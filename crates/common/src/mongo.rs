//! MongoDB connection helpers.

use std::time::Duration;

use mongodb::{
    Client, Database,
    bson::doc,
    error::{ErrorKind, WriteFailure},
    options::ClientOptions,
};

/// Connects lazily (the driver retries until the server answers) with short timeouts,
/// so a missing database shows up as a failed readiness check, not a hung request.
pub async fn connect(url: &str, database: &str) -> mongodb::error::Result<Database> {
    let mut options = ClientOptions::parse(url).await?;
    options.server_selection_timeout = Some(Duration::from_secs(5));
    options.connect_timeout = Some(Duration::from_secs(5));
    options.app_name.get_or_insert_with(|| database.to_owned());
    Ok(Client::with_options(options)?.database(database))
}

/// Whether the server answers a `ping`.
pub async fn ping(database: &Database) -> bool {
    database.run_command(doc! { "ping": 1 }).await.is_ok()
}

/// Whether the error is a unique-index violation (E11000), which the contract turns
/// into a 400 rather than a 500.
pub fn is_duplicate_key(error: &mongodb::error::Error) -> bool {
    const DUPLICATE_KEY: i32 = 11000;
    match error.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(write)) => write.code == DUPLICATE_KEY,
        ErrorKind::Command(command) => command.code == DUPLICATE_KEY,
        _ => false,
    }
}
