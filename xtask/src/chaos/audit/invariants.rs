//! What the audit checks, one function each, over indexes built once per snapshot (so
//! no check scans every charge or payment for every order).

use std::collections::{HashMap, HashSet};

use marketplace::order::OrderStatus;
use mongodb::bson::{DateTime, oid::ObjectId};

use super::{
    documents::{Charge, Order, PaymentStatus, Ticket},
    snapshot::Snapshot,
};

/// A snapshot and its indexes.
pub struct Indexed<'a> {
    snapshot: &'a Snapshot,
    now: DateTime,
    /// Orders by their id in hex, as tickets, payments and charges name them.
    orders: HashMap<String, &'a Order>,
    /// The charges of each order, by its id.
    charges: HashMap<&'a str, Vec<&'a Charge>>,
    /// The PaymentIntents that were refunded.
    refunded: HashSet<&'a str>,
    /// The statuses of each order's payments, by its id.
    payments: HashMap<&'a str, Vec<PaymentStatus>>,
}

impl<'a> Indexed<'a> {
    pub fn new(snapshot: &'a Snapshot) -> Self {
        let orders = snapshot
            .orders
            .iter()
            .map(|order| (order.id.to_hex(), order))
            .collect();
        let mut charges: HashMap<&str, Vec<&Charge>> = HashMap::new();
        for charge in &snapshot.ledger.charges {
            charges
                .entry(charge.metadata.order_id.as_str())
                .or_default()
                .push(charge);
        }
        let refunded = snapshot
            .ledger
            .refunds
            .iter()
            .map(|refund| refund.payment_intent.as_str())
            .collect();
        let mut payments: HashMap<&str, Vec<PaymentStatus>> = HashMap::new();
        for payment in &snapshot.payments {
            payments
                .entry(payment.order_id.as_str())
                .or_default()
                .push(payment.status);
        }
        Self {
            snapshot,
            now: DateTime::now(),
            orders,
            charges,
            refunded,
            payments,
        }
    }

    /// What should still change by itself: work in flight, not a broken invariant.
    pub fn unsettled(&self) -> Vec<String> {
        [
            self.events_in_outboxes(),
            self.lapsed_orders_not_cancelled(),
            lagging_copies(
                self.snapshot
                    .orders
                    .iter()
                    .map(|order| (order.id, order.version)),
                &self.snapshot.order_replica,
                "payments' copy of order",
            ),
            lagging_copies(
                self.snapshot
                    .tickets
                    .iter()
                    .map(|ticket| (ticket.id, ticket.version)),
                &self.snapshot.ticket_replica,
                "orders' copy of ticket",
            ),
            self.tickets_not_yet_released_or_sold(),
            self.payments_in_flight(),
        ]
        .concat()
    }

    /// Every invariant broken.
    pub fn violations(&self) -> Vec<String> {
        [
            self.tickets_held_by_one_order_at_most(),
            self.orders_ended_or_within_their_hold(),
            self.tickets_agree_with_orders(),
            self.completed_orders_charged_once(),
            self.cancelled_orders_refunded(),
        ]
        .concat()
    }

    fn events_in_outboxes(&self) -> Vec<String> {
        let count = self.snapshot.unpublished_events;
        (count > 0)
            .then(|| format!("{count} events still in outboxes"))
            .into_iter()
            .collect()
    }

    fn lapsed_orders_not_cancelled(&self) -> Vec<String> {
        self.snapshot
            .orders
            .iter()
            .filter(|order| order.status == OrderStatus::Created && order.expires_at <= self.now)
            .map(|order| format!("order {} is past expiresAt but not cancelled", order.id))
            .collect()
    }

    fn tickets_not_yet_released_or_sold(&self) -> Vec<String> {
        self.tickets_with_holders()
            .filter_map(|(ticket, holder)| match holder {
                Some(OrderStatus::Cancelled) => Some(format!(
                    "ticket {} is still held by a cancelled order",
                    ticket.id
                )),
                Some(OrderStatus::Complete) if !ticket.sold => {
                    Some(format!("ticket {} is bought but not yet sold", ticket.id))
                }
                _ => None,
            })
            .collect()
    }

    fn payments_in_flight(&self) -> Vec<String> {
        self.snapshot
            .payments
            .iter()
            .filter(|payment| {
                matches!(
                    payment.status,
                    PaymentStatus::Charging | PaymentStatus::RefundDue
                )
            })
            .map(|payment| {
                format!(
                    "payment for order {} is still {:?}",
                    payment.order_id, payment.status
                )
            })
            .collect()
    }

    /// A ticket is held (by an unexpired reservation) or sold by one order at most.
    fn tickets_held_by_one_order_at_most(&self) -> Vec<String> {
        let mut holders: HashMap<&str, Vec<String>> = HashMap::new();
        for order in &self.snapshot.orders {
            let holds = order.status == OrderStatus::Complete
                || (order.status == OrderStatus::Created && order.expires_at > self.now);
            if holds {
                holders
                    .entry(order.ticket.id.as_str())
                    .or_default()
                    .push(order.id.to_hex());
            }
        }
        holders
            .into_iter()
            .filter(|(_, holding)| holding.len() > 1)
            .map(|(ticket, holding)| {
                format!(
                    "ticket {ticket} is held or sold by {} orders: {holding:?}",
                    holding.len()
                )
            })
            .collect()
    }

    /// Every order ended (complete or cancelled), or is still within its hold.
    fn orders_ended_or_within_their_hold(&self) -> Vec<String> {
        self.snapshot
            .orders
            .iter()
            .filter(|order| match order.status {
                OrderStatus::Complete | OrderStatus::Cancelled => false,
                OrderStatus::Created => order.expires_at <= self.now,
                OrderStatus::AwaitingPayment => true,
            })
            .map(|order| format!("order {} ended {}", order.id, order.status.as_str()))
            .collect()
    }

    /// The tickets service agrees with the orders: a ticket is sold exactly when the
    /// order holding it completed.
    fn tickets_agree_with_orders(&self) -> Vec<String> {
        self.tickets_with_holders()
            .filter_map(|(ticket, holder)| match (ticket.sold, holder) {
                (true, Some(OrderStatus::Complete))
                | (false, None | Some(OrderStatus::Created)) => None,
                (sold, status) => Some(format!(
                    "ticket {} is sold={sold} but its order is {status:?}",
                    ticket.id
                )),
            })
            .collect()
    }

    /// A completed order has one payment and one charge: succeeded and not refunded,
    /// or refunded at Stripe (by support) and recorded as refunded.
    fn completed_orders_charged_once(&self) -> Vec<String> {
        self.orders_with_status(OrderStatus::Complete)
            .filter_map(|(order_id, charges)| {
                let payments = self.payments.get(order_id).map_or(&[][..], Vec::as_slice);
                let unrefunded = self.unrefunded(charges);
                let expected_unrefunded = match payments {
                    [PaymentStatus::Succeeded] => 1,
                    [PaymentStatus::Refunded] => 0,
                    _ => usize::MAX,
                };
                (charges.len() != 1 || unrefunded != expected_unrefunded).then(|| {
                    format!(
                        "complete order {order_id} has payments {payments:?}, {} charges, {unrefunded} unrefunded",
                        charges.len()
                    )
                })
            })
            .collect()
    }

    /// Every charge of a cancelled order was refunded.
    fn cancelled_orders_refunded(&self) -> Vec<String> {
        self.orders_with_status(OrderStatus::Cancelled)
            .filter_map(|(order_id, charges)| {
                let unrefunded = self.unrefunded(charges);
                (unrefunded > 0).then(|| {
                    format!("cancelled order {order_id} has {unrefunded} charges not refunded")
                })
            })
            .collect()
    }

    /// Each order with `status`, by its id, with its charges.
    fn orders_with_status(
        &self,
        status: OrderStatus,
    ) -> impl Iterator<Item = (&str, &[&'a Charge])> {
        self.orders
            .iter()
            .filter(move |(_, order)| order.status == status)
            .map(|(order_id, _)| {
                let charges = self
                    .charges
                    .get(order_id.as_str())
                    .map_or(&[][..], Vec::as_slice);
                (order_id.as_str(), charges)
            })
    }

    fn unrefunded(&self, charges: &[&Charge]) -> usize {
        charges
            .iter()
            .filter(|charge| !self.refunded.contains(charge.payment_intent.as_str()))
            .count()
    }

    /// Each ticket, with the status of the order that holds it, if any.
    fn tickets_with_holders(&self) -> impl Iterator<Item = (&Ticket, Option<OrderStatus>)> {
        self.snapshot.tickets.iter().map(|ticket| {
            let holder = ticket
                .order_id
                .as_ref()
                .and_then(|order_id| self.orders.get(order_id))
                .map(|order| order.status);
            (ticket, holder)
        })
    }
}

/// The originals whose copy in `replica` is missing or behind, described as `what`.
fn lagging_copies(
    originals: impl Iterator<Item = (ObjectId, i64)>,
    replica: &HashMap<ObjectId, i64>,
    what: &str,
) -> Vec<String> {
    originals
        .filter(|(id, version)| replica.get(id) != Some(version))
        .map(|(id, version)| format!("{what} {id} is not at version {version}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use mongodb::bson::doc;

    use super::*;
    use crate::chaos::audit::documents::{ChargeMetadata, Ledger, OrderedTicket, Payment, Refund};

    fn snapshot(orders: Vec<Order>, tickets: Vec<Ticket>, ledger: Ledger) -> Snapshot {
        Snapshot {
            tickets,
            orders,
            payments: Vec::new(),
            payouts: Vec::new(),
            payout_accounts: Vec::new(),
            ticket_replica: HashMap::new(),
            order_replica: HashMap::new(),
            unpublished_events: 0,
            ledger,
        }
    }

    fn order(status: OrderStatus, ticket: &str, expires_in_ms: i64) -> Order {
        Order {
            id: ObjectId::new(),
            status,
            expires_at: DateTime::from_millis(DateTime::now().timestamp_millis() + expires_in_ms),
            ticket: OrderedTicket {
                id: ticket.to_owned(),
                price: 1000,
                seller_id: ObjectId::new().to_hex(),
            },
            version: 0,
        }
    }

    fn charge(payment_intent: &str, order: &Order) -> Charge {
        Charge {
            payment_intent: payment_intent.to_owned(),
            amount: 1000,
            metadata: ChargeMetadata {
                order_id: order.id.to_hex(),
            },
        }
    }

    fn assert_found(violations: &[String], text: &str) {
        assert!(
            violations.iter().any(|violation| violation.contains(text)),
            "{text:?} not among {violations:?}"
        );
    }

    #[test]
    fn two_orders_holding_one_ticket_is_a_violation() {
        let ticket = ObjectId::new().to_hex();
        let orders = vec![
            order(OrderStatus::Created, &ticket, 60_000),
            order(OrderStatus::Created, &ticket, 60_000),
        ];

        let audit = snapshot(orders, Vec::new(), Ledger::default());

        assert_found(
            &Indexed::new(&audit).violations(),
            "held or sold by 2 orders",
        );
    }

    #[test]
    fn a_completed_order_needs_exactly_one_payment_and_one_charge() {
        let paid = order(OrderStatus::Complete, &ObjectId::new().to_hex(), -1_000);
        let ledger = Ledger {
            charges: vec![charge("pi_1", &paid), charge("pi_2", &paid)],
            ..Ledger::default()
        };
        let order_id = paid.id.to_hex();
        let mut audit = snapshot(vec![paid], Vec::new(), ledger);
        audit.payments = vec![Payment {
            order_id,
            status: PaymentStatus::Succeeded,
        }];

        assert_found(
            &Indexed::new(&audit).violations(),
            "payments [Succeeded], 2 charges",
        );
    }

    #[test]
    fn a_cancelled_order_with_an_unrefunded_charge_is_a_violation_and_a_refund_clears_it() {
        let cancelled = order(OrderStatus::Cancelled, &ObjectId::new().to_hex(), -1_000);
        let charged = Ledger {
            charges: vec![charge("pi_1", &cancelled)],
            ..Ledger::default()
        };
        let refunded = Ledger {
            refunds: vec![Refund {
                payment_intent: "pi_1".to_owned(),
                amount: 1000,
            }],
            ..charged.clone()
        };

        let unrefunded = snapshot(vec![cancelled.clone()], Vec::new(), charged);
        let refunded = snapshot(vec![cancelled], Vec::new(), refunded);

        assert_eq!(Indexed::new(&unrefunded).violations().len(), 1);
        assert!(Indexed::new(&refunded).violations().is_empty());
    }

    #[test]
    fn a_lapsed_order_not_yet_cancelled_is_unsettled_not_yet_a_violation() {
        let lapsed = order(OrderStatus::Created, &ObjectId::new().to_hex(), -1_000);
        let mut audit = snapshot(vec![lapsed.clone()], Vec::new(), Ledger::default());
        audit.order_replica.insert(lapsed.id, 0);

        let unsettled = Indexed::new(&audit).unsettled();

        assert_eq!(unsettled.len(), 1, "{unsettled:?}");
    }

    #[test]
    fn a_stored_document_or_ledger_entry_missing_a_field_is_an_error_not_a_default() {
        let ticket =
            doc! { "_id": ObjectId::new(), "version": 0_i64, "orderId": null, "sold": false };
        let mut without_sold = ticket.clone();
        without_sold.remove("sold");
        let mut without_order = ticket.clone();
        without_order.remove("orderId");
        let charge = serde_json::json!({ "payment_intent": "pi_1", "metadata": {} });

        assert!(mongodb::bson::from_document::<Ticket>(ticket).is_ok());
        assert!(mongodb::bson::from_document::<Ticket>(without_sold).is_err());
        assert!(mongodb::bson::from_document::<Ticket>(without_order).is_err());
        assert!(serde_json::from_value::<Charge>(charge).is_err());
    }
}
