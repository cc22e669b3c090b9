//! The one way to wait for something that happens by itself (an event delivered, a
//! service ready, a replica caught up): ask again every `poll` until it holds or the
//! deadline passes, and say what was awaited when it never came.

use std::{fmt, future::Future, time::Duration};

use tokio::time::Instant;

/// How often a wait asks again unless told otherwise.
const DEFAULT_POLL: Duration = Duration::from_millis(25);

/// A wait for `what`, for at most `timeout`, asking every `poll`.
#[derive(Debug, Clone)]
pub struct Wait {
    what: String,
    timeout: Duration,
    poll: Duration,
    /// When set, each pause is a quarter longer than the one before, up to this.
    longest_poll: Option<Duration>,
}

/// The deadline of a [`Wait`] passed before what it waited for happened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("gave up waiting for {what} after {:.1}s", .after.as_secs_f32())]
pub struct TimedOut {
    /// What was awaited, as the wait was told.
    pub what: String,
    pub after: Duration,
}

/// A wait for `what` (as a failure message names it: "ticket 1 to reach orders") for
/// at most `timeout`.
pub fn wait_for(what: impl fmt::Display, timeout: Duration) -> Wait {
    Wait {
        what: what.to_string(),
        timeout,
        poll: DEFAULT_POLL,
        longest_poll: None,
    }
}

impl Wait {
    /// Asks again every `poll` instead of every 25 ms.
    pub fn every(mut self, poll: Duration) -> Self {
        self.poll = poll;
        self
    }

    /// Makes each pause a quarter longer than the one before, up to `longest`: a
    /// load of many waits does not grow into a load of its own polls, and a delay is
    /// still measured to within a quarter of itself.
    pub fn backing_off_to(mut self, longest: Duration) -> Self {
        self.longest_poll = Some(longest);
        self
    }

    /// The pause after `pause`.
    fn next_pause(&self, pause: Duration) -> Duration {
        match self.longest_poll {
            Some(longest) => (pause + pause / 4).min(longest).max(pause),
            None => pause,
        }
    }

    /// Until `condition` holds.
    pub async fn until<F, Fut>(self, mut condition: F) -> Result<(), TimedOut>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = bool>,
    {
        self.until_some(|| {
            let holds = condition();
            async move { holds.await.then_some(()) }
        })
        .await
    }

    /// Until `attempt` gives a value, and returns it.
    pub async fn until_some<T, F, Fut>(self, mut attempt: F) -> Result<T, TimedOut>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Option<T>>,
    {
        self.until_ok(|| {
            let outcome = attempt();
            async move { Ok::<_, TimedOut>(outcome.await) }
        })
        .await
    }

    /// Until `attempt` gives a value, and returns it; an error from `attempt` ends the
    /// wait at once (the thing will not happen), and a timeout comes back as `E`.
    pub async fn until_ok<T, E, F, Fut>(self, mut attempt: F) -> Result<T, E>
    where
        E: From<TimedOut>,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Option<T>, E>>,
    {
        let started = Instant::now();
        let mut pause = self.poll;
        loop {
            if let Some(value) = attempt().await? {
                return Ok(value);
            }
            if started.elapsed() >= self.timeout {
                return Err(TimedOut {
                    what: self.what,
                    after: started.elapsed(),
                }
                .into());
            }
            tokio::time::sleep(pause).await;
            pause = self.next_pause(pause);
        }
    }

    /// Like [`Wait::until_some`], for code that cannot await (a server started while
    /// a test binary's shared servers are set up): sleeps the thread between attempts.
    pub fn blocking_until_some<T>(
        self,
        mut attempt: impl FnMut() -> Option<T>,
    ) -> Result<T, TimedOut> {
        let started = std::time::Instant::now();
        loop {
            if let Some(value) = attempt() {
                return Ok(value);
            }
            if started.elapsed() >= self.timeout {
                return Err(TimedOut {
                    what: self.what,
                    after: started.elapsed(),
                });
            }
            std::thread::sleep(self.poll);
        }
    }
}

/// Polls `condition` every 25 ms until it holds or `timeout` passes; returns whether
/// it held. For effects that travel through events, in tests that assert on the
/// answer themselves.
pub async fn eventually<F, Fut>(timeout: Duration, condition: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    wait_for("a condition", timeout)
        .until(condition)
        .await
        .is_ok()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[tokio::test]
    async fn a_wait_returns_what_came_once_it_came() {
        let asked = AtomicU32::new(0);

        let value = wait_for("the third try", Duration::from_secs(5))
            .every(Duration::from_millis(1))
            .until_some(|| async { (asked.fetch_add(1, Ordering::Relaxed) == 2).then_some(7) })
            .await;

        assert_eq!(value, Ok(7));
        assert_eq!(asked.load(Ordering::Relaxed), 3);
    }

    #[tokio::test]
    async fn a_wait_that_times_out_says_what_it_waited_for() {
        let outcome = wait_for("ticket 1 to reach orders", Duration::from_millis(30))
            .until(|| async { false })
            .await;

        let message = outcome.unwrap_err().to_string();
        assert!(
            message.starts_with("gave up waiting for ticket 1 to reach orders after"),
            "{message}"
        );
    }

    #[tokio::test]
    async fn an_error_ends_a_wait_at_once() {
        let asked = AtomicU32::new(0);

        let outcome: anyhow::Result<()> = wait_for("nothing", Duration::from_secs(5))
            .until_ok(|| async {
                asked.fetch_add(1, Ordering::Relaxed);
                anyhow::bail!("the service exited")
            })
            .await;

        assert_eq!(outcome.unwrap_err().to_string(), "the service exited");
        assert_eq!(asked.load(Ordering::Relaxed), 1);
    }

    fn pauses(wait: &Wait, count: usize) -> Vec<u64> {
        std::iter::successors(Some(wait.poll), |pause| Some(wait.next_pause(*pause)))
            .take(count)
            .map(|pause| pause.as_millis() as u64)
            .collect()
    }

    #[test]
    fn a_wait_backing_off_pauses_a_quarter_longer_each_time_up_to_the_longest() {
        let wait = wait_for("x", Duration::from_secs(1))
            .every(Duration::from_millis(8))
            .backing_off_to(Duration::from_millis(20));

        assert_eq!(pauses(&wait, 6), [8, 10, 12, 15, 19, 20]);
    }

    #[test]
    fn a_wait_without_backing_off_keeps_its_pause() {
        let wait = wait_for("x", Duration::from_secs(1)).every(Duration::from_millis(8));

        assert_eq!(pauses(&wait, 3), [8, 8, 8]);
    }
}
