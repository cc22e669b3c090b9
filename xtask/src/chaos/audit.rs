//! The invariant audit after a chaos run: once everything that should converge has
//! (expiries applied, replicas caught up, outboxes empty, charges settled), every
//! database and the Stripe fake's ledger are read, as typed documents, and checked
//! against each other.

pub mod documents;
mod invariants;
mod payouts;
mod snapshot;

use std::{collections::BTreeMap, time::Duration};

use mongodb::Client;
use testkit::{TimedOut, wait_for};

use invariants::Indexed;
use payouts::Payouts;
use snapshot::Snapshot;

pub struct Audit {
    pub summary: Vec<String>,
    pub violations: Vec<String>,
}

/// Waits up to `patience` for the system to settle, then checks the invariants,
/// sellers' payouts at `fee_percent` included. What never settled is a violation too.
pub async fn settle_and_audit(
    mongo_url: &str,
    stripe_api_base: &str,
    fee_percent: u8,
    patience: Duration,
) -> anyhow::Result<Audit> {
    let client = Client::with_uri_str(mongo_url).await?;
    let unsettled = |snapshot: &Snapshot| {
        let mut unsettled = Indexed::new(snapshot).unsettled();
        unsettled.extend(Payouts::new(snapshot, fee_percent).unsettled());
        unsettled
    };
    let settled = wait_for("the system to settle", patience)
        .every(Duration::from_secs(1))
        .until_ok(|| async {
            let snapshot = Snapshot::read(&client, stripe_api_base).await?;
            let settled = unsettled(&snapshot).is_empty();
            anyhow::Ok(settled.then_some(snapshot))
        })
        .await;
    let snapshot = match settled {
        Ok(snapshot) => snapshot,
        // Audit it as it is: what never settled is reported below.
        Err(error) if error.is::<TimedOut>() => Snapshot::read(&client, stripe_api_base).await?,
        Err(error) => return Err(error),
    };
    let mut violations = Indexed::new(&snapshot).violations();
    violations.extend(Payouts::new(&snapshot, fee_percent).violations());
    violations.extend(
        unsettled(&snapshot)
            .into_iter()
            .map(|what| format!("never settled: {what}")),
    );
    Ok(Audit {
        summary: summary(&snapshot),
        violations,
    })
}

fn summary(snapshot: &Snapshot) -> Vec<String> {
    let mut by_status: BTreeMap<&str, usize> = BTreeMap::new();
    for order in &snapshot.orders {
        *by_status.entry(order.status.as_str()).or_default() += 1;
    }
    let statuses: Vec<_> = by_status.into_iter().collect();
    let mut payouts: BTreeMap<String, usize> = BTreeMap::new();
    for payout in &snapshot.payouts {
        *payouts.entry(format!("{:?}", payout.status)).or_default() += 1;
    }
    let sold = snapshot.tickets.iter().filter(|ticket| ticket.sold).count();
    vec![
        format!(
            "{} tickets ({sold} sold), {} orders {statuses:?}",
            snapshot.tickets.len(),
            snapshot.orders.len()
        ),
        format!(
            "{} charges and {} refunds in the Stripe fake's ledger; {} payment records",
            snapshot.ledger.charges.len(),
            snapshot.ledger.refunds.len(),
            snapshot.payments.len()
        ),
        format!(
            "{} payouts {payouts:?}; {} transfers and {} reversals in the ledger",
            snapshot.payouts.len(),
            snapshot.ledger.transfers.len(),
            snapshot.ledger.transfer_reversals.len()
        ),
    ]
}
