//! Password hashing on a few dedicated threads, off the request-serving ones.
//!
//! argon2id is deliberately slow and takes 19 MiB per hash. On tokio's blocking pool
//! (up to 512 threads) a burst of signins was measured at 11.8 GB resident, with the
//! runtime's worker starved of CPU. One long-lived thread per core bounds both: at
//! most that many hashes at once, each thread reusing its own working memory (see
//! `argon2id`). Waiting hashes queue in order, and one whose request has gone away is
//! skipped.

use std::{
    sync::{
        Arc, LazyLock, Mutex, PoisonError,
        mpsc::{self, Receiver, Sender},
    },
    thread,
};

use telemetry::metrics::{self, Gauge};
use tokio::sync::oneshot;

use super::argon2id;

/// `auth_password_hashing_queue_depth`: hashes waiting for a thread. A queue that
/// stays long means signins wait on hashing, and more cores (or replicas) would help.
static QUEUE_DEPTH: LazyLock<Gauge> = LazyLock::new(|| {
    let depth = Gauge::default();
    metrics::register(
        "auth_password_hashing_queue_depth",
        "Password hashes waiting for a hashing thread.",
        None,
        depth.clone(),
    );
    depth
});

type Job = Box<dyn FnOnce() + Send>;

static HASHING_THREADS: LazyLock<Sender<Job>> = LazyLock::new(|| {
    let (jobs, queue) = mpsc::channel::<Job>();
    let queue = Arc::new(Mutex::new(queue));
    let cores = thread::available_parallelism().map_or(1, usize::from);
    for n in 0..cores {
        let queue = queue.clone();
        thread::Builder::new()
            .name(format!("password-hashing-{n}"))
            .spawn(move || work_through(&queue))
            .expect("start a password hashing thread");
    }
    jobs
});

fn work_through(queue: &Mutex<Receiver<Job>>) {
    let take = || queue.lock().unwrap_or_else(PoisonError::into_inner);
    loop {
        let waiting = take().try_recv();
        let next = waiting.or_else(|_| {
            // Nothing waiting: give the working memory back before sleeping (outside
            // the lock, so every idle thread does, not only the one that holds it).
            argon2id::release_working_memory();
            take().recv()
        });
        let Ok(job) = next else {
            // Every sender is gone: the process is ending.
            return;
        };
        // A panicking hash must not take the thread with it: the caller sees its
        // answer dropped (an error), and the thread serves the next one.
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).is_err() {
            tracing::error!("a password hash panicked");
        }
    }
}

/// Registers the hashing metrics, so their series exist before the first hash.
pub(crate) fn register_metrics() {
    LazyLock::force(&QUEUE_DEPTH);
}

/// Runs `hash` on a hashing thread and waits for its result.
pub(crate) async fn run<T: Send + 'static>(
    hash: impl FnOnce() -> T + Send + 'static,
) -> Result<T, httpkit::Error> {
    let (answer, result) = oneshot::channel();
    let waiting = QUEUE_DEPTH.clone();
    let job: Job = Box::new(move || {
        waiting.dec();
        // The request that wanted this hash is gone: spare the work.
        if !answer.is_closed() {
            let _ = answer.send(hash());
        }
    });
    QUEUE_DEPTH.inc();
    if HASHING_THREADS.send(job).is_err() {
        QUEUE_DEPTH.dec();
        return Err(httpkit::Error::unexpected(
            "the password hashing threads are gone",
        ));
    }
    result.await.map_err(httpkit::Error::unexpected)
}
