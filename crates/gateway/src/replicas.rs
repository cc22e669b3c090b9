//! A service's replicas, taken in turn: each request starts at the next one, and if
//! that one cannot take it, goes on to the others, like ingress-nginx's round robin
//! with `proxy_next_upstream`.

use std::{
    net::SocketAddr,
    sync::atomic::{AtomicUsize, Ordering},
};

/// The addresses of one service's replicas and whose turn is next.
#[derive(Debug)]
pub(crate) struct Replicas {
    addresses: Vec<SocketAddr>,
    next: AtomicUsize,
}

impl Replicas {
    pub(crate) fn new(addresses: Vec<SocketAddr>) -> Self {
        Self {
            addresses,
            next: AtomicUsize::new(0),
        }
    }

    /// Every replica once, starting with the one whose turn it is.
    pub(crate) fn in_turn(&self) -> impl Iterator<Item = SocketAddr> + '_ {
        let first = self.next.fetch_add(1, Ordering::Relaxed);
        let count = self.addresses.len();
        (0..count).map(move |offset| self.addresses[(first + offset) % count])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replicas(count: u16) -> Replicas {
        Replicas::new(
            (1..=count)
                .map(|port| SocketAddr::from(([127, 0, 0, 1], port)))
                .collect(),
        )
    }

    fn ports(replicas: &Replicas) -> Vec<u16> {
        replicas.in_turn().map(|address| address.port()).collect()
    }

    #[test]
    fn each_request_starts_at_the_next_replica_and_offers_every_other_after_it() {
        let three = replicas(3);

        assert_eq!(ports(&three), [1, 2, 3]);
        assert_eq!(ports(&three), [2, 3, 1]);
        assert_eq!(ports(&three), [3, 1, 2]);
        assert_eq!(ports(&three), [1, 2, 3]);
    }

    #[test]
    fn a_single_replica_takes_every_request() {
        let one = replicas(1);

        assert_eq!(ports(&one), [1]);
        assert_eq!(ports(&one), [1]);
    }
}
