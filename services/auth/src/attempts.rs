//! Limits on signin and signup attempts, per client address and per email, so that
//! passwords cannot be guessed quickly and the deliberately slow hashing cannot be
//! used to tie up the service. A refused attempt is a 429 in the error shape with
//! `Retry-After`, and costs no hash.
//!
//! The counts live in each replica's memory (two replicas allow up to twice the
//! rate); a shared count would need a round trip to the database on every attempt.

use std::{net::IpAddr, num::NonZeroU32, sync::Arc, time::Duration};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter, clock::Clock};
use httpkit::Error;

/// Attempts allowed per minute, as a burst that refills evenly over the minute.
#[derive(Debug, Clone, Copy)]
pub struct AttemptLimits {
    pub per_address_per_minute: NonZeroU32,
    pub per_email_per_minute: NonZeroU32,
}

impl Default for AttemptLimits {
    fn default() -> Self {
        Self {
            per_address_per_minute: NonZeroU32::new(30).expect("not zero"),
            per_email_per_minute: NonZeroU32::new(10).expect("not zero"),
        }
    }
}

#[derive(Clone)]
pub(crate) struct Attempts {
    by_address: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    by_email: Arc<DefaultKeyedRateLimiter<String>>,
}

/// The longest email address there is (RFC 5321's path limit).
const MAX_EMAIL_LENGTH: usize = 254;

/// The key an address is counted under: itself for IPv4, its /64 for IPv6, where one
/// client is usually given a whole /64 and could otherwise rotate through it.
fn network_of(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !((1_u128 << 64) - 1);
            IpAddr::V6(prefix.into())
        }
    }
}

/// How often keys that are back to a full allowance are forgotten.
const FORGET_EVERY: Duration = Duration::from_secs(60);

impl Attempts {
    pub fn new(limits: AttemptLimits) -> Self {
        Self {
            by_address: Arc::new(RateLimiter::keyed(Quota::per_minute(
                limits.per_address_per_minute,
            ))),
            by_email: Arc::new(RateLimiter::keyed(Quota::per_minute(
                limits.per_email_per_minute,
            ))),
        }
    }

    /// Counts one attempt from `address` at `email` (as typed; compared trimmed and
    /// case-insensitively, as accounts are).
    pub fn check(&self, address: IpAddr, email: &str) -> Result<(), Error> {
        let email = email.trim().to_lowercase();
        // Longer than any email can be: refused before it costs a key's memory.
        if email.len() > MAX_EMAIL_LENGTH {
            return Err(Error::invalid("email", "Email must be valid"));
        }
        let refused = self
            .by_address
            .check_key(&network_of(address))
            .and_then(|()| self.by_email.check_key(&email));
        refused.map_err(|not_until| {
            let wait = not_until.wait_time_from(self.by_address.clock().now());
            Error::TooManyRequests {
                retry_after_seconds: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
            }
        })
    }

    /// Forgets, now and then, every key whose allowance is full again, so memory
    /// stays bounded however many addresses and emails are seen.
    pub async fn forget_idle_keys(self) {
        let mut every = tokio::time::interval(FORGET_EVERY);
        loop {
            every.tick().await;
            self.by_address.retain_recent();
            self.by_address.shrink_to_fit();
            self.by_email.retain_recent();
            self.by_email.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_client_is_counted_by_its_64_and_an_ipv4_one_by_its_address() {
        let one: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let same_network: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let other_network: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        let v4: IpAddr = "203.0.113.7".parse().unwrap();

        assert_eq!(network_of(one), network_of(same_network));
        assert_ne!(network_of(one), network_of(other_network));
        assert_eq!(network_of(v4), v4);
    }
}
