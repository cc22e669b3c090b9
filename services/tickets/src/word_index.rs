//! The search's index of title words: one entry per word of each unsold ticket's
//! title (`ticketWords`: the word, the ticket's place in the listing and its id), and
//! how many tickets have each word (`wordCounts`).
//!
//! A collection of its own, because an index over an array field (the ticket's
//! `words`) does not bound a range of the listing's sequence after the word on this
//! server, and one over single words does. The entries change in the ticket's own
//! transactions; the counts only size the search's windows, so they change after
//! the transaction, where they cannot conflict.

use marketplace::id::TicketId;
use mongodb::{
    ClientSession, Collection, Database, IndexModel,
    bson::{Document, doc},
};
use serde::{Deserialize, Serialize};
use storage::paging::{self, Window};

/// One word of one ticket's title.
#[derive(Debug, Serialize, Deserialize)]
struct WordEntry {
    word: String,
    /// The ticket's place in the listing.
    seq: i64,
    ticket: TicketId,
}

#[derive(Debug, Deserialize)]
struct WordCount {
    tickets: i64,
}

#[derive(Clone)]
pub(crate) struct WordIndex {
    entries: Collection<WordEntry>,
    counts: Collection<Document>,
}

impl WordIndex {
    pub fn new(database: &Database) -> Self {
        Self {
            entries: database.collection("ticketWords"),
            counts: database.collection("wordCounts"),
        }
    }

    pub async fn ensure_indexes(&self) -> mongodb::error::Result<()> {
        let by_word = IndexModel::builder()
            .keys(doc! { "word": 1, "seq": 1 })
            .build();
        self.entries.create_index(by_word).await?;
        let by_ticket = IndexModel::builder().keys(doc! { "ticket": 1 }).build();
        self.entries.create_index(by_ticket).await?;
        Ok(())
    }

    /// Indexes the ticket's `words`, in the ticket's transaction.
    pub async fn add(
        &self,
        session: &mut ClientSession,
        ticket: TicketId,
        seq: i64,
        words: &[String],
    ) -> mongodb::error::Result<()> {
        if words.is_empty() {
            return Ok(());
        }
        let entries = words.iter().map(|word| WordEntry {
            word: word.clone(),
            seq,
            ticket,
        });
        self.entries
            .insert_many(entries)
            .session(&mut *session)
            .await?;
        Ok(())
    }

    /// Forgets the ticket's words, in the ticket's transaction.
    pub async fn remove(
        &self,
        session: &mut ClientSession,
        ticket: TicketId,
    ) -> mongodb::error::Result<()> {
        self.entries
            .delete_many(doc! { "ticket": ticket.to_hex() })
            .session(&mut *session)
            .await?;
        Ok(())
    }

    /// After a transaction added (`by` 1) or removed (-1) a ticket's `words`.
    pub async fn count(&self, words: &[String], by: i64) -> mongodb::error::Result<()> {
        for word in words {
            self.counts
                .update_one(doc! { "_id": word }, doc! { "$inc": { "tickets": by } })
                .upsert(true)
                .await?;
        }
        Ok(())
    }

    /// About how many unsold tickets have `word` in their title.
    pub async fn tickets_with(&self, word: &str) -> mongodb::error::Result<i64> {
        let count = self
            .counts
            .clone_with_type::<WordCount>()
            .find_one(doc! { "_id": word })
            .await?;
        Ok(count.map_or(0, |count| count.tickets.max(0)))
    }

    /// The tickets with `word` whose place is in `window`, in listing order.
    pub async fn window(
        &self,
        word: &str,
        window: Window,
    ) -> mongodb::error::Result<Vec<TicketId>> {
        let entries =
            paging::window_of(&self.entries, &doc! { "word": word }, "seq", window).await?;
        Ok(entries.into_iter().map(|entry| entry.ticket).collect())
    }
}
