//! The money audit of sellers' payouts: every completed order whose hold has passed
//! has exactly one unreversed transfer of its price less the fee to its seller's
//! account (or waits for a seller who has none ready); no transfer is made for an
//! order that did not complete; a refunded sale's transfer is reversed or never made;
//! and for every order, what was charged less what was refunded is what the seller
//! kept plus the fee, unless the sale is still held.

use std::collections::HashMap;

use marketplace::{order::OrderStatus, payout::PayoutStatus};
use mongodb::bson::DateTime;

use super::{
    documents::{Order, Payout, PayoutAccount, Transfer},
    snapshot::Snapshot,
};

/// The snapshot's money, by order.
pub struct Payouts<'a> {
    now: DateTime,
    fee_percent: i64,
    orders: Vec<&'a Order>,
    payouts: HashMap<String, &'a Payout>,
    accounts: HashMap<&'a str, &'a PayoutAccount>,
    transfers: HashMap<&'a str, Vec<&'a Transfer>>,
    reversed: HashMap<&'a str, i64>,
    charged: HashMap<&'a str, i64>,
    refunded: HashMap<&'a str, i64>,
}

/// What one sale's money looks like.
struct Sale<'s> {
    order: &'s Order,
    payout: Option<&'s Payout>,
    transfers: &'s [&'s Transfer],
    /// Transferred less reversed.
    kept_by_seller: i64,
    /// Charged less refunded.
    kept_from_buyer: i64,
    /// The documented rule: the fee is rounded down to the cent.
    fee: i64,
    account: Option<&'s PayoutAccount>,
}

impl<'a> Payouts<'a> {
    pub fn new(snapshot: &'a Snapshot, fee_percent: u8) -> Self {
        let mut transfers: HashMap<&str, Vec<&Transfer>> = HashMap::new();
        for transfer in &snapshot.ledger.transfers {
            transfers
                .entry(transfer.metadata.order_id.as_str())
                .or_default()
                .push(transfer);
        }
        let mut reversed: HashMap<&str, i64> = HashMap::new();
        for reversal in &snapshot.ledger.transfer_reversals {
            *reversed.entry(reversal.transfer.as_str()).or_default() += reversal.amount;
        }
        let mut charged: HashMap<&str, i64> = HashMap::new();
        let mut order_of_intent = HashMap::new();
        for charge in &snapshot.ledger.charges {
            *charged
                .entry(charge.metadata.order_id.as_str())
                .or_default() += charge.amount;
            order_of_intent.insert(
                charge.payment_intent.as_str(),
                charge.metadata.order_id.as_str(),
            );
        }
        let mut refunded: HashMap<&str, i64> = HashMap::new();
        for refund in &snapshot.ledger.refunds {
            if let Some(order) = order_of_intent.get(refund.payment_intent.as_str()) {
                *refunded.entry(order).or_default() += refund.amount;
            }
        }
        Self {
            now: DateTime::now(),
            fee_percent: i64::from(fee_percent),
            orders: snapshot.orders.iter().collect(),
            payouts: snapshot
                .payouts
                .iter()
                .map(|payout| (payout.order_id.to_hex(), payout))
                .collect(),
            accounts: snapshot
                .payout_accounts
                .iter()
                .map(|account| (account.seller_id.as_str(), account))
                .collect(),
            transfers,
            reversed,
            charged,
            refunded,
        }
    }

    fn sale(&self, order: &'a Order) -> Sale<'_> {
        let order_id = order.id.to_hex();
        let transfers = self
            .transfers
            .get(order_id.as_str())
            .map_or(&[][..], Vec::as_slice);
        let transferred: i64 = transfers.iter().map(|transfer| transfer.amount).sum();
        let reversed: i64 = transfers
            .iter()
            .map(|transfer| {
                self.reversed
                    .get(transfer.id.as_str())
                    .copied()
                    .unwrap_or(0)
            })
            .sum();
        let charged = self.charged.get(order_id.as_str()).copied().unwrap_or(0);
        let refunded = self.refunded.get(order_id.as_str()).copied().unwrap_or(0);
        Sale {
            order,
            payout: self.payouts.get(&order_id).copied(),
            transfers,
            kept_by_seller: transferred - reversed,
            kept_from_buyer: charged - refunded,
            fee: order.ticket.price * self.fee_percent / 100,
            account: self.accounts.get(order.ticket.seller_id.as_str()).copied(),
        }
    }

    /// Payouts still on their way: not broken, not finished.
    pub fn unsettled(&self) -> Vec<String> {
        self.orders
            .iter()
            .filter(|order| order.status == OrderStatus::Complete)
            .filter_map(|order| {
                let sale = self.sale(order);
                let Some(payout) = sale.payout else {
                    return Some(format!("completed order {} has no payout yet", order.id));
                };
                let due = payout.due_at <= self.now;
                let ready = sale.account.is_some_and(|account| account.ready);
                let refunded = sale.kept_from_buyer == 0;
                let on_its_way = match payout.status {
                    PayoutStatus::Transferring | PayoutStatus::Reversing => true,
                    PayoutStatus::Held => due || refunded,
                    PayoutStatus::WaitingForAccount => ready,
                    PayoutStatus::Paid => refunded,
                    PayoutStatus::Reversed | PayoutStatus::Refunded => false,
                };
                on_its_way.then(|| {
                    format!(
                        "the payout of order {} is still {:?}",
                        order.id, payout.status
                    )
                })
            })
            .collect()
    }

    /// Every money invariant broken.
    pub fn violations(&self) -> Vec<String> {
        let mut violations = Vec::new();
        for order in &self.orders {
            let sale = self.sale(order);
            if order.status != OrderStatus::Complete {
                if !sale.transfers.is_empty() {
                    violations.push(format!(
                        "order {} is {} but has {} transfers",
                        order.id,
                        order.status.as_str(),
                        sale.transfers.len()
                    ));
                }
                continue;
            }
            violations.extend(self.sale_violations(&sale));
        }
        violations
    }

    fn sale_violations(&self, sale: &Sale<'_>) -> Vec<String> {
        let order = sale.order.id;
        let mut violations = Vec::new();
        if sale.transfers.len() > 1 {
            violations.push(format!(
                "order {order} has {} transfers",
                sale.transfers.len()
            ));
        }
        let share = sale.order.ticket.price - sale.fee;
        for transfer in sale.transfers {
            if transfer.amount != share {
                violations.push(format!(
                    "order {order}: a transfer of {} cents, not the price {} less the fee {}",
                    transfer.amount, sale.order.ticket.price, sale.fee
                ));
            }
            let destination = sale
                .account
                .map(|account| account.stripe_account_id.as_str());
            if destination != Some(transfer.destination.as_str()) {
                violations.push(format!(
                    "order {order}: transferred to {}, not its seller's account {destination:?}",
                    transfer.destination
                ));
            }
        }
        let Some(payout) = sale.payout else {
            return violations;
        };
        let transferred = !sale.transfers.is_empty();
        let consistent = match payout.status {
            PayoutStatus::Paid => transferred && sale.kept_by_seller == share,
            PayoutStatus::Reversed => transferred && sale.kept_by_seller == 0,
            PayoutStatus::Held | PayoutStatus::Refunded | PayoutStatus::WaitingForAccount => {
                !transferred
            }
            PayoutStatus::Transferring | PayoutStatus::Reversing => true,
        };
        if !consistent {
            violations.push(format!(
                "order {order}: payout {:?} but {} transfers keep {} cents with the seller",
                payout.status,
                sale.transfers.len(),
                sale.kept_by_seller
            ));
        }
        if transferred && payout.due_at > self.now && payout.status == PayoutStatus::Paid {
            violations.push(format!("order {order} was paid out before its hold ended"));
        }
        // Charges less refunds is what the seller kept plus the fee; a sale refunded in
        // full keeps nothing, fee included; one not transferred yet is still held.
        let still_held = matches!(
            payout.status,
            PayoutStatus::Held | PayoutStatus::WaitingForAccount | PayoutStatus::Transferring
        );
        let balances = if sale.kept_by_seller > 0 {
            sale.kept_from_buyer == sale.kept_by_seller + sale.fee
        } else {
            sale.kept_from_buyer == 0 || still_held
        };
        if !balances {
            violations.push(format!(
                "order {order}: {} cents kept from the buyer, {} by the seller, fee {}",
                sale.kept_from_buyer, sale.kept_by_seller, sale.fee
            ));
        }
        violations
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use mongodb::bson::oid::ObjectId;

    use super::*;
    use crate::chaos::audit::documents::{
        Charge, ChargeMetadata, Ledger, OrderedTicket, Refund, TransferReversal,
    };

    const SELLER: &str = "65f1c0ffee000000000000d4";
    const ACCOUNT: &str = "acct_seller";

    /// A completed sale of 10.00 to SELLER, charged once, its payout in `status`, its
    /// hold ended `ended_ms_ago`.
    fn sale(status: PayoutStatus, ended_ms_ago: i64) -> Snapshot {
        let order = Order {
            id: ObjectId::new(),
            status: OrderStatus::Complete,
            expires_at: DateTime::now(),
            ticket: OrderedTicket {
                id: ObjectId::new().to_hex(),
                price: 1000,
                seller_id: SELLER.to_owned(),
            },
            version: 1,
        };
        let metadata = ChargeMetadata {
            order_id: order.id.to_hex(),
        };
        Snapshot {
            payouts: vec![Payout {
                order_id: order.id,
                status,
                due_at: DateTime::from_millis(DateTime::now().timestamp_millis() - ended_ms_ago),
            }],
            payout_accounts: vec![PayoutAccount {
                seller_id: SELLER.to_owned(),
                stripe_account_id: ACCOUNT.to_owned(),
                ready: true,
            }],
            ledger: Ledger {
                charges: vec![Charge {
                    payment_intent: "pi_1".to_owned(),
                    amount: 1000,
                    metadata,
                }],
                ..Ledger::default()
            },
            orders: vec![order],
            tickets: Vec::new(),
            payments: Vec::new(),
            ticket_replica: HashMap::new(),
            order_replica: HashMap::new(),
            unpublished_events: 0,
        }
    }

    fn transfer(snapshot: &mut Snapshot, id: &str, amount: i64) {
        snapshot.ledger.transfers.push(Transfer {
            id: id.to_owned(),
            amount,
            destination: ACCOUNT.to_owned(),
            metadata: ChargeMetadata {
                order_id: snapshot.orders[0].id.to_hex(),
            },
        });
    }

    fn violations(snapshot: &Snapshot) -> Vec<String> {
        Payouts::new(snapshot, 10).violations()
    }

    #[test]
    fn a_sale_paid_its_price_less_the_fee_once_passes_and_twice_does_not() {
        let mut paid = sale(PayoutStatus::Paid, 1_000);
        transfer(&mut paid, "tr_1", 900);
        assert_eq!(violations(&paid), Vec::<String>::new());
        assert!(Payouts::new(&paid, 10).unsettled().is_empty());

        transfer(&mut paid, "tr_2", 900);
        let found = violations(&paid);
        assert!(found.iter().any(|v| v.contains("2 transfers")), "{found:?}");
    }

    #[test]
    fn a_transfer_of_the_wrong_amount_or_before_the_hold_ended_is_a_violation() {
        let mut short = sale(PayoutStatus::Paid, 1_000);
        transfer(&mut short, "tr_1", 1000);
        let found = violations(&short);
        assert!(
            found.iter().any(|v| v.contains("less the fee 100")),
            "{found:?}"
        );

        let mut early = sale(PayoutStatus::Paid, -60_000);
        transfer(&mut early, "tr_1", 900);
        let found = violations(&early);
        assert!(
            found.iter().any(|v| v.contains("before its hold ended")),
            "{found:?}"
        );
    }

    #[test]
    fn a_held_sale_past_its_hold_is_unsettled_and_one_within_it_is_fine() {
        let due = sale(PayoutStatus::Held, 1_000);
        assert_eq!(Payouts::new(&due, 10).unsettled().len(), 1);
        let within = sale(PayoutStatus::Held, -60_000);
        assert!(Payouts::new(&within, 10).unsettled().is_empty());
        assert!(violations(&within).is_empty(), "still held: no balance yet");
    }

    #[test]
    fn a_refunded_sale_must_have_its_transfer_reversed_and_keeps_no_fee() {
        let mut reversed = sale(PayoutStatus::Reversed, 1_000);
        transfer(&mut reversed, "tr_1", 900);
        reversed.ledger.refunds.push(Refund {
            payment_intent: "pi_1".to_owned(),
            amount: 1000,
        });
        reversed.ledger.transfer_reversals.push(TransferReversal {
            transfer: "tr_1".to_owned(),
            amount: 900,
        });
        assert_eq!(violations(&reversed), Vec::<String>::new());

        reversed.ledger.transfer_reversals.clear();
        let found = violations(&reversed);
        assert!(
            found.iter().any(|v| v.contains("kept from the buyer")),
            "{found:?}"
        );
    }

    #[test]
    fn a_transfer_for_a_cancelled_order_is_a_violation() {
        let mut cancelled = sale(PayoutStatus::Held, -60_000);
        cancelled.orders[0].status = OrderStatus::Cancelled;
        transfer(&mut cancelled, "tr_1", 900);
        let found = violations(&cancelled);
        assert!(
            found
                .iter()
                .any(|v| v.contains("cancelled but has 1 transfers")),
            "{found:?}"
        );
    }
}
