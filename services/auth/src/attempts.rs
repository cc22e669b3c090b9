//! Limits on signin and signup attempts, per client address and per email, so that
//! passwords cannot be guessed quickly and the deliberately slow hashing cannot be
//! used to tie up the service. A refused attempt is a 429 in the error shape with
//! `Retry-After`, and costs no hash.
//!
//! The counts live in auth's database ([`storage::rate_limit`]), so every replica
//! counts the same attempts: two replicas allow the rate one does. That costs a round
//! trip to the database per limit and attempt, small beside the hash an attempt that
//! is let through costs.

use std::{net::IpAddr, num::NonZeroU32};

use httpkit::Error;
use mongodb::Database;
use storage::rate_limit::RateLimit;

/// Attempts allowed per minute.
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
    by_address: RateLimit,
    by_email: RateLimit,
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

impl Attempts {
    pub fn new(database: &Database, limits: AttemptLimits) -> Self {
        Self {
            by_address: RateLimit::per_minute(
                database,
                "attempts-by-address",
                "attempts",
                limits.per_address_per_minute,
            ),
            by_email: RateLimit::per_minute(
                database,
                "attempts-by-email",
                "attempts",
                limits.per_email_per_minute,
            ),
        }
    }

    pub async fn ensure_indexes(&self) -> mongodb::error::Result<()> {
        self.by_address.ensure_indexes().await
    }

    /// Counts one attempt from `address` at `email` (as typed; compared trimmed and
    /// case-insensitively, as accounts are). An attempt refused for its address is
    /// not counted against the email.
    pub async fn check(&self, address: IpAddr, email: &str) -> Result<(), Error> {
        let email = email.trim().to_lowercase();
        // Longer than any email can be: refused before it is stored as a key.
        if email.len() > MAX_EMAIL_LENGTH {
            return Err(Error::invalid("email", "Email must be valid"));
        }
        self.by_address
            .count(&network_of(address).to_string())
            .await??;
        self.by_email.count(&email).await??;
        Ok(())
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
