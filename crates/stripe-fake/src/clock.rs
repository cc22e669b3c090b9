//! Wall-clock time as Stripe writes it: seconds since the Unix epoch.

use std::time::{SystemTime, UNIX_EPOCH};

const SECONDS_PER_YEAR: i64 = 31_556_952;

/// Now, for `created` fields.
pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}

/// The current calendar year, near enough to judge card expiry dates.
pub(crate) fn year() -> i64 {
    1970 + now() / SECONDS_PER_YEAR
}
