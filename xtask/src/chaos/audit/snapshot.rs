//! Everything the audit reads, at one moment: every database the chaos run touched
//! and the Stripe fake's ledger.

use std::collections::HashMap;

use futures::TryStreamExt;
use mongodb::{
    Client,
    bson::{Document, oid::ObjectId},
};
use serde::de::DeserializeOwned;

use super::documents::{Ledger, Order, Payment, Payout, PayoutAccount, ReplicaCopy, Ticket};

/// The databases whose outboxes must be empty once the system settled.
const DATABASES_WITH_OUTBOX: [&str; 4] = ["tickets", "orders", "payments", "expiration"];

pub struct Snapshot {
    pub tickets: Vec<Ticket>,
    pub orders: Vec<Order>,
    pub payments: Vec<Payment>,
    pub payouts: Vec<Payout>,
    pub payout_accounts: Vec<PayoutAccount>,
    /// Replica versions by id: orders' copy of tickets, payments' copy of orders.
    pub ticket_replica: HashMap<ObjectId, i64>,
    pub order_replica: HashMap<ObjectId, i64>,
    pub unpublished_events: u64,
    pub ledger: Ledger,
}

impl Snapshot {
    /// Reads every collection; a document without a field the audit checks is an
    /// error.
    pub async fn read(client: &Client, stripe_api_base: &str) -> anyhow::Result<Self> {
        let mut unpublished_events = 0;
        for database in DATABASES_WITH_OUTBOX {
            unpublished_events += client
                .database(database)
                .collection::<Document>("outbox")
                .count_documents(Document::new())
                .await?;
        }
        let ledger = reqwest::get(format!("{stripe_api_base}_fake/ledger"))
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(Self {
            tickets: all(client, "tickets", "tickets").await?,
            orders: all(client, "orders", "orders").await?,
            payments: all(client, "payments", "payments").await?,
            payouts: all(client, "payments", "payouts").await?,
            payout_accounts: all(client, "payments", "payoutAccounts").await?,
            ticket_replica: versions(all(client, "orders", "tickets").await?),
            order_replica: versions(all(client, "payments", "orders").await?),
            unpublished_events,
            ledger,
        })
    }
}

/// Every document of `database.collection`, as `T`.
async fn all<T>(client: &Client, database: &str, collection: &str) -> anyhow::Result<Vec<T>>
where
    T: DeserializeOwned + Send + Sync,
{
    let documents = client
        .database(database)
        .collection::<T>(collection)
        .find(Document::new())
        .await?
        .try_collect()
        .await;
    documents.map_err(|error| anyhow::anyhow!("reading {database}.{collection}: {error}"))
}

fn versions(copies: Vec<ReplicaCopy>) -> HashMap<ObjectId, i64> {
    copies
        .into_iter()
        .map(|copy| (copy.id, copy.version))
        .collect()
}
