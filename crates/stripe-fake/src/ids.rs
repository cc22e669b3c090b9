//! Object ids shaped like Stripe's (`pi_3Mtw…`), random so that ids from different
//! runs of the fake never collide.

use rand::Rng;
use rand::distr::Alphanumeric;

/// A fresh id with Stripe's prefix for the object kind (`pi`, `ch`, `re`, `pm`).
pub(crate) fn new_id(prefix: &str) -> String {
    let suffix: String = rand::rng()
        .sample_iter(Alphanumeric)
        .take(24)
        .map(char::from)
        .collect();
    format!("{prefix}_{suffix}")
}
