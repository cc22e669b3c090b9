//! Progress lines, so a long first install or build never looks hung.

use std::time::{Duration, Instant};

pub fn step(message: &str) {
    println!("==> {message}");
}

pub fn done(message: &str) {
    println!("    {message}");
}

/// Prints "still waiting" every few seconds while `waiting` returns true.
pub struct Ticker {
    started: Instant,
    last: Instant,
}

impl Ticker {
    pub fn start() -> Self {
        let now = Instant::now();
        Self {
            started: now,
            last: now,
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Prints `message (Ns)` if a few seconds passed since the last print.
    pub fn tick(&mut self, message: &str) {
        if self.last.elapsed() >= Duration::from_secs(3) {
            self.last = Instant::now();
            println!("    {message} ({}s)", self.started.elapsed().as_secs());
        }
    }
}
