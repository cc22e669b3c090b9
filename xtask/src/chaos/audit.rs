//! The invariant audit after a chaos run: once everything that should converge has
//! (expiries applied, replicas caught up, outboxes empty, charges settled), every
//! database and the Stripe fake's ledger are read and checked against each other.

use std::{
    collections::{HashMap, HashSet},
    time::{Duration, Instant},
};

use futures::TryStreamExt;
use mongodb::{
    Client,
    bson::{DateTime, Document, oid::ObjectId},
};
use serde_json::Value;

/// Everything the audit reads, at one moment.
struct Snapshot {
    tickets: Vec<Document>,
    orders: Vec<Document>,
    payments: Vec<Document>,
    /// Replica versions: orders' copy of tickets, payments' copy of orders.
    ticket_replica: HashMap<ObjectId, i64>,
    order_replica: HashMap<ObjectId, i64>,
    unpublished_events: u64,
    ledger: Value,
}

pub struct Audit {
    pub summary: Vec<String>,
    pub violations: Vec<String>,
}

/// Waits up to `patience` for the system to settle, then checks the invariants.
/// What never settled is a violation too.
pub async fn settle_and_audit(
    mongo_url: &str,
    stripe_api_base: &str,
    patience: Duration,
) -> anyhow::Result<Audit> {
    let client = Client::with_uri_str(mongo_url).await?;
    let deadline = Instant::now() + patience;
    loop {
        let snapshot = Snapshot::read(&client, stripe_api_base).await?;
        let unsettled = snapshot.unsettled();
        if unsettled.is_empty() || Instant::now() > deadline {
            let mut violations = snapshot.violations();
            violations.extend(
                unsettled
                    .into_iter()
                    .map(|what| format!("never settled: {what}")),
            );
            return Ok(Audit {
                summary: snapshot.summary(),
                violations,
            });
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn all(client: &Client, database: &str, collection: &str) -> anyhow::Result<Vec<Document>> {
    Ok(client
        .database(database)
        .collection::<Document>(collection)
        .find(Document::new())
        .await?
        .try_collect()
        .await?)
}

fn versions(documents: &[Document]) -> HashMap<ObjectId, i64> {
    documents
        .iter()
        .filter_map(|document| Some((document.get_object_id("_id").ok()?, version(document))))
        .collect()
}

fn version(document: &Document) -> i64 {
    document
        .get_i64("version")
        .or_else(|_| document.get_i32("version").map(i64::from))
        .unwrap_or(-1)
}

/// The documents whose copy in `replica` is missing or behind, described as `what`.
fn lagging_copies(
    documents: &[Document],
    replica: &HashMap<ObjectId, i64>,
    what: &str,
) -> Vec<String> {
    documents
        .iter()
        .filter(|document| {
            let copied = document
                .get_object_id("_id")
                .ok()
                .and_then(|key| replica.get(&key));
            copied != Some(&version(document))
        })
        .map(|document| {
            format!(
                "{what} {} is not at version {}",
                id(document),
                version(document)
            )
        })
        .collect()
}

fn text<'a>(document: &'a Document, key: &str) -> &'a str {
    document.get_str(key).unwrap_or("")
}

fn id(document: &Document) -> String {
    document
        .get_object_id("_id")
        .map(|id| id.to_hex())
        .unwrap_or_default()
}

impl Snapshot {
    async fn read(client: &Client, stripe_api_base: &str) -> anyhow::Result<Self> {
        let mut unpublished_events = 0;
        for database in ["tickets", "orders", "payments", "expiration"] {
            unpublished_events += client
                .database(database)
                .collection::<Document>("outbox")
                .count_documents(Document::new())
                .await?;
        }
        let ledger = reqwest::get(format!("{stripe_api_base}_fake/ledger"))
            .await?
            .json()
            .await?;
        Ok(Self {
            tickets: all(client, "tickets", "tickets").await?,
            orders: all(client, "orders", "orders").await?,
            payments: all(client, "payments", "payments").await?,
            ticket_replica: versions(&all(client, "orders", "tickets").await?),
            order_replica: versions(&all(client, "payments", "orders").await?),
            unpublished_events,
            ledger,
        })
    }

    /// Each ticket, whether the tickets service marked it sold, and the status of the
    /// order that holds it, if any.
    fn tickets_with_holders(&self) -> Vec<(&Document, bool, Option<&str>)> {
        let orders: HashMap<String, &Document> =
            self.orders.iter().map(|order| (id(order), order)).collect();
        self.tickets
            .iter()
            .map(|ticket| {
                let sold = ticket.get_bool("sold").unwrap_or(false);
                let holder_status = ticket
                    .get_str("orderId")
                    .ok()
                    .and_then(|order| orders.get(order))
                    .map(|order| text(order, "status"));
                (ticket, sold, holder_status)
            })
            .collect()
    }

    /// What should still change by itself: work in flight, not a broken invariant.
    fn unsettled(&self) -> Vec<String> {
        let now = DateTime::now();
        let mut pending = Vec::new();
        if self.unpublished_events > 0 {
            pending.push(format!(
                "{} events still in outboxes",
                self.unpublished_events
            ));
        }
        for order in &self.orders {
            let expired = order.get_datetime("expiresAt").is_ok_and(|at| *at <= now);
            if text(order, "status") == "created" && expired {
                pending.push(format!(
                    "order {} is past expiresAt but not cancelled",
                    id(order)
                ));
            }
        }
        pending.extend(lagging_copies(
            &self.orders,
            &self.order_replica,
            "payments' copy of order",
        ));
        pending.extend(lagging_copies(
            &self.tickets,
            &self.ticket_replica,
            "orders' copy of ticket",
        ));
        for (ticket, sold, holder_status) in self.tickets_with_holders() {
            match holder_status {
                Some("cancelled") => pending.push(format!(
                    "ticket {} is still held by a cancelled order",
                    id(ticket)
                )),
                Some("complete") if !sold => {
                    pending.push(format!("ticket {} is bought but not yet sold", id(ticket)))
                }
                _ => {}
            }
        }
        for payment in &self.payments {
            if matches!(text(payment, "status"), "charging" | "refund_due") {
                pending.push(format!(
                    "payment for order {} is still {}",
                    text(payment, "orderId"),
                    text(payment, "status")
                ));
            }
        }
        pending
    }

    fn violations(&self) -> Vec<String> {
        let now = DateTime::now();
        let mut found = Vec::new();

        // A ticket is held or sold by one order at most.
        let mut holders: HashMap<&str, Vec<String>> = HashMap::new();
        for order in &self.orders {
            let status = text(order, "status");
            let unexpired = order.get_datetime("expiresAt").is_ok_and(|at| *at > now);
            let holds = status == "complete" || (status == "created" && unexpired);
            let ticket = order
                .get_document("ticket")
                .map(|ticket| text(ticket, "id"))
                .unwrap_or("");
            if holds {
                holders.entry(ticket).or_default().push(id(order));
            }
            // Every order ended, or is still within its hold.
            if !(matches!(status, "complete" | "cancelled") || (status == "created" && unexpired)) {
                found.push(format!("order {} ended {status}", id(order)));
            }
        }
        for (ticket, holding) in &holders {
            if holding.len() > 1 {
                found.push(format!(
                    "ticket {ticket} is held or sold by {} orders: {holding:?}",
                    holding.len()
                ));
            }
        }

        // The tickets service agrees with the orders.
        for (ticket, sold, holder_status) in self.tickets_with_holders() {
            match (sold, holder_status) {
                (true, Some("complete")) | (false, None | Some("created")) => {}
                (sold, status) => found.push(format!(
                    "ticket {} is sold={sold} but its order is {status:?}",
                    id(ticket)
                )),
            }
        }

        // Money: one charge per completed order, refunds for cancelled ones.
        let charges = self.ledger["charges"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let refunded: HashSet<&str> = self.ledger["refunds"]
            .as_array()
            .map(|refunds| {
                refunds
                    .iter()
                    .filter_map(|refund| refund["payment_intent"].as_str())
                    .collect()
            })
            .unwrap_or_default();
        for order in &self.orders {
            let order_id = id(order);
            let charged: Vec<&Value> = charges
                .iter()
                .filter(|charge| charge["metadata"]["orderId"] == order_id.as_str())
                .collect();
            let succeeded = self
                .payments
                .iter()
                .filter(|payment| {
                    text(payment, "orderId") == order_id && text(payment, "status") == "succeeded"
                })
                .count();
            let unrefunded = charged
                .iter()
                .filter(|charge| {
                    !charge["payment_intent"]
                        .as_str()
                        .is_some_and(|intent| refunded.contains(intent))
                })
                .count();
            match text(order, "status") {
                "complete" if succeeded != 1 || charged.len() != 1 || unrefunded != 1 => found.push(format!(
                    "complete order {order_id} has {succeeded} payments, {} charges, {unrefunded} unrefunded",
                    charged.len()
                )),
                "cancelled" if unrefunded > 0 => found.push(format!(
                    "cancelled order {order_id} has {unrefunded} charges not refunded"
                )),
                _ => {}
            }
        }
        found
    }

    fn summary(&self) -> Vec<String> {
        let mut by_status: HashMap<&str, usize> = HashMap::new();
        for order in &self.orders {
            *by_status.entry(text(order, "status")).or_default() += 1;
        }
        let mut statuses: Vec<_> = by_status.into_iter().collect();
        statuses.sort();
        vec![
            format!(
                "{} tickets ({} sold), {} orders {statuses:?}",
                self.tickets.len(),
                self.tickets
                    .iter()
                    .filter(|ticket| ticket.get_bool("sold").unwrap_or(false))
                    .count(),
                self.orders.len()
            ),
            format!(
                "{} charges and {} refunds in the Stripe fake's ledger; {} payment records",
                self.ledger["charges"].as_array().map_or(0, Vec::len),
                self.ledger["refunds"].as_array().map_or(0, Vec::len),
                self.payments.len()
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use mongodb::bson::doc;
    use serde_json::json;

    use super::*;

    fn snapshot(orders: Vec<Document>, tickets: Vec<Document>, ledger: Value) -> Snapshot {
        Snapshot {
            tickets,
            orders,
            payments: Vec::new(),
            ticket_replica: HashMap::new(),
            order_replica: HashMap::new(),
            unpublished_events: 0,
            ledger,
        }
    }

    fn order(status: &str, ticket: &str, expires_in_ms: i64) -> Document {
        let expires_at = DateTime::from_millis(DateTime::now().timestamp_millis() + expires_in_ms);
        doc! {
            "_id": ObjectId::new(),
            "status": status,
            "expiresAt": expires_at,
            "ticket": { "id": ticket },
            "version": 0_i64,
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
            order("created", &ticket, 60_000),
            order("created", &ticket, 60_000),
        ];

        let violations = snapshot(orders, Vec::new(), json!({})).violations();

        assert_found(&violations, "held or sold by 2 orders");
    }

    #[test]
    fn a_completed_order_needs_exactly_one_payment_and_one_charge() {
        let paid = order("complete", &ObjectId::new().to_hex(), -1_000);
        let order_id = id(&paid);
        let charge = json!({ "payment_intent": "pi_1", "metadata": { "orderId": order_id } });
        let mut twice = charge.clone();
        twice["payment_intent"] = json!("pi_2");
        let mut audit = snapshot(
            vec![paid],
            Vec::new(),
            json!({ "charges": [charge, twice], "refunds": [] }),
        );
        audit.payments = vec![doc! { "orderId": &order_id, "status": "succeeded" }];

        assert_found(&audit.violations(), "1 payments, 2 charges");
    }

    #[test]
    fn a_cancelled_order_with_an_unrefunded_charge_is_a_violation_and_a_refund_clears_it() {
        let cancelled = order("cancelled", &ObjectId::new().to_hex(), -1_000);
        let charge = json!({ "payment_intent": "pi_1", "metadata": { "orderId": id(&cancelled) } });

        let unrefunded = snapshot(
            vec![cancelled.clone()],
            Vec::new(),
            json!({ "charges": [charge], "refunds": [] }),
        );
        let refunded = snapshot(
            vec![cancelled],
            Vec::new(),
            json!({ "charges": [charge], "refunds": [{ "payment_intent": "pi_1" }] }),
        );

        assert_eq!(unrefunded.violations().len(), 1);
        assert!(refunded.violations().is_empty());
    }

    #[test]
    fn a_lapsed_order_not_yet_cancelled_is_unsettled_not_yet_a_violation() {
        let lapsed = order("created", &ObjectId::new().to_hex(), -1_000);
        let mut audit = snapshot(vec![lapsed.clone()], Vec::new(), json!({}));
        audit
            .order_replica
            .insert(lapsed.get_object_id("_id").unwrap(), 0);

        assert_eq!(audit.unsettled().len(), 1, "{:?}", audit.unsettled());
    }
}
