//! MongoDB connection helpers.

use std::time::Duration;

use mongodb::{
    Client, ClientSession, Database,
    bson::doc,
    error::{ErrorKind, WriteFailure},
    options::ClientOptions,
};

/// How long a starting service waits for the database to answer.
pub const STARTUP_PATIENCE: Duration = Duration::from_secs(60);

/// Connects with short timeouts, so a database that goes away later shows up as a
/// failed readiness check, not a hung request; then waits until the server answers,
/// so a service started before its database (or while every service starts at once)
/// waits for it rather than crashing and starting over.
pub async fn connect(url: &str, database: &str) -> mongodb::error::Result<Database> {
    let mut options = ClientOptions::parse(url).await?;
    // Unless the URL says otherwise (`serverSelectionTimeoutMS`, `connectTimeoutMS`).
    options
        .server_selection_timeout
        .get_or_insert(Duration::from_secs(5));
    options
        .connect_timeout
        .get_or_insert(Duration::from_secs(5));
    options.app_name.get_or_insert_with(|| database.to_owned());
    let database = Client::with_options(options)?.database(database);
    let deadline = tokio::time::Instant::now() + STARTUP_PATIENCE;
    loop {
        match database.run_command(doc! { "ping": 1 }).await {
            Ok(_) => return Ok(database),
            Err(error) if tokio::time::Instant::now() < deadline => {
                tracing::warn!(%error, "the database does not answer yet; waiting");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(error) => return Err(error),
        }
    }
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

/// What to do after one attempt at a transaction.
pub enum Attempt<R> {
    /// Committed (or failed for good): this is the outcome.
    Done(mongodb::error::Result<R>),
    /// A transient conflict (two writers on one document) aborted it: run it again.
    Retry,
}

/// How many times a transaction is retried after transient conflicts.
pub const MAX_TRANSACTION_ATTEMPTS: u32 = 50;

/// How many times a commit whose outcome is unknown is retried.
const MAX_COMMIT_ATTEMPTS: u32 = 5;

/// Ends one attempt of a transaction started on `session`: commits it if `result` is
/// `Ok`, aborts it otherwise, and says whether a transient error calls for a retry.
/// Use it through [`in_transaction!`](crate::in_transaction).
pub async fn finish_transaction<R>(
    session: &mut ClientSession,
    result: mongodb::error::Result<R>,
    attempt: u32,
) -> Attempt<R> {
    use mongodb::error::{TRANSIENT_TRANSACTION_ERROR, UNKNOWN_TRANSACTION_COMMIT_RESULT};
    let retryable = |error: &mongodb::error::Error| {
        attempt < MAX_TRANSACTION_ATTEMPTS && error.contains_label(TRANSIENT_TRANSACTION_ERROR)
    };
    let value = match result {
        Ok(value) => value,
        Err(error) => {
            let _ = session.abort_transaction().await;
            return if retryable(&error) {
                back_off(attempt).await;
                Attempt::Retry
            } else {
                Attempt::Done(Err(error))
            };
        }
    };
    // A commit whose outcome is unknown (a network blip) may be retried as is; a few
    // tries with a pause, so an unreachable database fails the request instead of
    // spinning.
    let mut commits = 0;
    loop {
        commits += 1;
        match session.commit_transaction().await {
            Ok(()) => return Attempt::Done(Ok(value)),
            Err(error)
                if error.contains_label(UNKNOWN_TRANSACTION_COMMIT_RESULT)
                    && commits < MAX_COMMIT_ATTEMPTS =>
            {
                tokio::time::sleep(std::time::Duration::from_millis(50 * u64::from(commits))).await;
            }
            Err(error) if retryable(&error) => {
                back_off(attempt).await;
                return Attempt::Retry;
            }
            Err(error) => return Attempt::Done(Err(error)),
        }
    }
}

/// Waits a random few milliseconds, more after each conflict, before a transaction
/// runs again: two writers that retried at once would otherwise meet on the same
/// document again and again (two expiration schedulers did, 50 times in a row).
async fn back_off(attempt: u32) {
    let most = u64::from(attempt.min(20)) * 2;
    let pause = rand::random_range(0..=most);
    tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
}

/// Runs an async block in a multi-document transaction on `client`, committing at the
/// end and running the whole block again after a transient conflict. The block gets
/// the session under the given name and evaluates to a `mongodb::error::Result`.
///
/// ```ignore
/// let ticket = in_transaction!(client, |session| async {
///     tickets.insert_one(&ticket).session(&mut *session).await?;
///     outbox.stage(session, &event).await?;
///     Ok(ticket.clone())
/// })?;
/// ```
///
/// A macro rather than a function taking a closure: the block borrows the session
/// and its surroundings, which an async closure cannot do while staying `Send`.
#[macro_export]
macro_rules! in_transaction {
    ($client:expr, |$session:ident| $body:expr) => {
        async {
            let mut session = $client.start_session().await?;
            let mut attempt = 0_u32;
            loop {
                attempt += 1;
                session.start_transaction().await?;
                let result = {
                    let $session = &mut session;
                    $body.await
                };
                match $crate::mongo::finish_transaction(&mut session, result, attempt).await {
                    $crate::mongo::Attempt::Done(outcome) => break outcome,
                    $crate::mongo::Attempt::Retry => continue,
                }
            }
        }
    };
}
