//! The tickets collection. Every change and the event it implies are written in one
//! transaction (the event through the outbox), and every change bumps `version`.

use std::num::NonZeroU32;

use futures::TryStreamExt;
use marketplace::{
    events::{TicketCreated, TicketUpdated},
    id::{OrderId, TicketId, UserId},
    money::{Price, cents},
};
use mongodb::{
    Client, Collection, Database, IndexModel,
    bson::{Document, doc, oid::ObjectId},
    options::ReturnDocument,
};
use serde::{Deserialize, Serialize};
use storage::{
    in_transaction,
    outbox::Outbox,
    paging::{self, Walk, Window, Windows},
    sequence::Sequence,
    standing_limit::{AtLimit, StandingLimit},
};

use crate::{
    search::{self, Search},
    title::Title,
    word_index::WordIndex,
};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Ticket {
    #[serde(rename = "_id", with = "marketplace::id::object_id")]
    pub id: TicketId,
    pub title: Title,
    /// The title's folded words, which a search matches ([`search::words`]).
    #[serde(default)]
    pub words: Vec<String>,
    #[serde(with = "cents")]
    pub price: Price,
    pub user_id: UserId,
    pub version: i64,
    /// The ticket's place in the listing: a number from the `tickets` sequence,
    /// taken when it was listed.
    #[serde(default)]
    pub seq: i64,
    /// The order that holds (locked or bought) the ticket.
    #[serde(default)]
    pub order_id: Option<OrderId>,
    #[serde(default)]
    pub sold: bool,
    /// Orders whose lock was released (or cancelled before it arrived), the most
    /// recent [`RELEASED_ORDERS_KEPT`]. A late or repeated `order:created` for one of
    /// them must not lock the ticket again.
    #[serde(default)]
    pub released_orders: Vec<OrderId>,
}

impl Ticket {
    fn created_event(&self) -> TicketCreated {
        TicketCreated {
            id: self.id,
            version: self.version,
            title: self.title.as_str().to_owned(),
            price: self.price,
            user_id: self.user_id,
        }
    }

    fn updated_event(&self) -> TicketUpdated {
        TicketUpdated {
            id: self.id,
            version: self.version,
            title: self.title.as_str().to_owned(),
            price: self.price,
            user_id: self.user_id,
            order_id: self.order_id,
        }
    }
}

/// Why a seller's edit was refused.
#[derive(Debug)]
pub(crate) enum EditRefused {
    NotFound,
    NotOwner,
    Reserved,
}

/// What applying an order's event to its ticket did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Applied {
    /// The ticket changed and `ticket:updated` was staged.
    Changed,
    /// Nothing to do: the event was applied before, or no longer applies.
    AlreadyDone,
    /// Another order still holds the ticket; its release has not arrived yet.
    HeldByAnotherOrder,
    NoSuchTicket,
}

#[derive(Clone)]
pub(crate) struct Tickets {
    client: Client,
    collection: Collection<Ticket>,
    listing: Sequence,
    words: WordIndex,
    outbox: Outbox,
    for_sale_per_seller: StandingLimit,
}

/// How many released orders a ticket remembers. Unbounded, the list would grow with
/// every cancel until the document passed MongoDB's 16 MB (about half a million
/// reserve/cancel cycles), after which the ticket could never be locked again.
///
/// Forgetting older ones is safe enough: what the list guards against is an order's
/// `order:created` arriving after its `order:cancelled` (they travel on different
/// subjects) or being delivered again, and both happen within the listener's retry
/// window (about twenty minutes at most, usually milliseconds). A forgotten order
/// could lock the ticket again only if its `order:created` came that late after 100
/// later orders had each reserved and released this same ticket in between, one at a
/// time, as the orders service allows.
const RELEASED_ORDERS_KEPT: i32 = 100;

/// The update that remembers `order` as released, keeping only the most recent
/// [`RELEASED_ORDERS_KEPT`].
fn remember_released(order: &str) -> Document {
    doc! { "releasedOrders": { "$each": [order], "$slice": -RELEASED_ORDERS_KEPT } }
}

/// The filter for tickets that can be bought.
fn for_sale() -> Document {
    doc! { "orderId": null, "sold": false }
}

/// The filter for `user_id`'s tickets that count against the most a seller may have
/// for sale: every one not sold, reserved ones included (a reservation that lapses
/// puts its ticket back on sale).
fn unsold_of(user_id: UserId) -> Document {
    doc! { "userId": user_id.to_hex(), "sold": false }
}

impl Tickets {
    /// The tickets in `database`, at most `most_for_sale` unsold per seller (`None`:
    /// no limit).
    pub fn new(database: &Database, outbox: Outbox, most_for_sale: Option<NonZeroU32>) -> Self {
        Self {
            client: database.client().clone(),
            collection: database.collection("tickets"),
            listing: Sequence::new(database, "tickets"),
            words: WordIndex::new(database),
            outbox,
            for_sale_per_seller: StandingLimit::new(database, "sellers", most_for_sale),
        }
    }

    /// The indexes the listing and the seller's list read, after giving any ticket
    /// listed before there was a `seq` (or `words`) its own.
    pub async fn ensure_indexes(&self) -> mongodb::error::Result<()> {
        self.number_older_tickets().await?;
        // The listing's windows: the for-sale equality, then the sequence's range.
        let listing = IndexModel::builder()
            .keys(doc! { "orderId": 1, "sold": 1, "seq": 1 })
            .build();
        self.collection.create_index(listing).await?;
        self.words.ensure_indexes().await?;
        let by_seller = IndexModel::builder()
            .keys(doc! { "userId": 1, "_id": -1 })
            .build();
        self.collection.create_index(by_seller).await?;
        // Serves the count of `unsold_of`, which every listing runs.
        let unsold_by_seller = IndexModel::builder()
            .keys(doc! { "userId": 1, "sold": 1 })
            .build();
        self.collection.create_index(unsold_by_seller).await?;
        Ok(())
    }

    /// Tickets written before the listing had a sequence get one, oldest first, and
    /// their title's words, indexed unless they are sold.
    async fn number_older_tickets(&self) -> mongodb::error::Result<()> {
        let mut older = self
            .collection
            .find(doc! { "seq": { "$exists": false } })
            .sort(doc! { "_id": 1 })
            .await?;
        while let Some(ticket) = older.try_next().await? {
            let seq = self.listing.next().await?;
            let words = search::words(ticket.title.as_str());
            let numbered = in_transaction!(self.client, |session| async {
                let numbered = self
                    .collection
                    .update_one(
                        doc! { "_id": ticket.id.object_id(), "seq": { "$exists": false } },
                        doc! { "$set": { "seq": seq, "words": &words } },
                    )
                    .session(&mut *session)
                    .await?;
                let indexed = numbered.modified_count == 1 && !ticket.sold;
                if indexed {
                    self.words.add(session, ticket.id, seq, &words).await?;
                }
                Ok(indexed)
            })
            .await?;
            if numbered {
                self.words.count(&words, 1).await?;
            }
        }
        Ok(())
    }

    /// Lists a ticket, unless the seller already has the most unsold ones allowed.
    pub async fn create(
        &self,
        title: Title,
        price: Price,
        user_id: UserId,
    ) -> mongodb::error::Result<Result<Ticket, AtLimit>> {
        let seq = self.listing.next().await?;
        let ticket = Ticket {
            id: TicketId::new(),
            words: search::words(title.as_str()),
            title,
            price,
            user_id,
            version: 0,
            seq,
            order_id: None,
            sold: false,
            released_orders: Vec::new(),
        };
        let listed = in_transaction!(self.client, |session| async {
            let room = self
                .for_sale_per_seller
                .room_for_one_more(
                    session,
                    &user_id.to_hex(),
                    &self.collection,
                    unsold_of(user_id),
                )
                .await?;
            if let Err(at_limit) = room {
                return Ok(Err(at_limit));
            }
            self.collection
                .insert_one(&ticket)
                .session(&mut *session)
                .await?;
            self.words
                .add(session, ticket.id, ticket.seq, &ticket.words)
                .await?;
            self.outbox.stage(session, &ticket.created_event()).await?;
            Ok(Ok(()))
        })
        .await?;
        if listed.is_err() {
            return Ok(listed.map(|()| ticket));
        }
        self.outbox.wake_relay();
        self.words.count(&ticket.words, 1).await?;
        Ok(Ok(ticket))
    }

    pub async fn find(&self, id: TicketId) -> mongodb::error::Result<Option<Ticket>> {
        self.collection
            .find_one(doc! { "_id": id.object_id() })
            .await
    }

    /// The tickets for sale (neither locked nor sold) that `search` finds, in
    /// listing order, read in windows of the listing's sequence (see [`paging`]):
    /// of the tickets for sale, or of a search's rarest word in the word index.
    pub async fn list_for_sale(
        &self,
        search: &Search,
        walk: Walk<i64>,
    ) -> mongodb::error::Result<Vec<Ticket>> {
        let top = self.listing.last().await?;
        let wanted = walk.wanted as i64;
        let keep = |ticket: &Ticket| {
            ticket.order_id.is_none() && !ticket.sold && search.finds(&ticket.words, ticket.price)
        };
        let Some((word, tickets_with_word)) = self.rarest_word(search).await? else {
            let windows = Windows {
                top,
                first: wanted,
                widest: paging::WIDEST_DENSE_WINDOW,
            };
            let filter = for_sale();
            let read = |window| paging::window_of(&self.collection, &filter, "seq", window);
            return paging::read_in_windows(walk, windows, read, keep).await;
        };
        // Sized so the first window should hold the page: the word is on about one
        // ticket in `top / tickets_with_word`.
        let first = wanted.saturating_mul(top) / tickets_with_word.max(1) * 3 / 2;
        let windows = Windows {
            top,
            first,
            widest: top.max(1),
        };
        let read = |window| self.with_word_in(&word, window);
        paging::read_in_windows(walk, windows, read, keep).await
    }

    /// The search's word that the fewest tickets have, and about how many do.
    async fn rarest_word(&self, search: &Search) -> mongodb::error::Result<Option<(String, i64)>> {
        let mut rarest: Option<(String, i64)> = None;
        for word in &search.words {
            let tickets = self.words.tickets_with(word).await?;
            if rarest.as_ref().is_none_or(|(_, fewest)| tickets < *fewest) {
                rarest = Some((word.clone(), tickets));
            }
        }
        Ok(rarest)
    }

    /// The unsold tickets with `word` in `window`, in its order (the word index's).
    async fn with_word_in(
        &self,
        word: &str,
        window: Window,
    ) -> mongodb::error::Result<Vec<Ticket>> {
        let ids = self.words.window(word, window).await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let object_ids: Vec<ObjectId> = ids.iter().map(|id| id.object_id()).collect();
        let mut found: Vec<Ticket> = self
            .collection
            .find(doc! { "_id": { "$in": object_ids } })
            .await?
            .try_collect()
            .await?;
        found.sort_by_key(|ticket| ids.iter().position(|id| *id == ticket.id));
        Ok(found)
    }

    /// The tickets `user_id` listed, whatever their state, by `_id`.
    pub async fn list_by_seller(
        &self,
        user_id: UserId,
        walk: Walk<ObjectId>,
    ) -> mongodb::error::Result<Vec<Ticket>> {
        let filter = doc! { "userId": user_id.to_hex() };
        paging::read_by_key(&self.collection, &filter, "_id", walk).await
    }

    /// The seller's edit, refused while an order holds the ticket.
    pub async fn edit(
        &self,
        id: TicketId,
        user_id: UserId,
        title: &Title,
        price: Price,
    ) -> mongodb::error::Result<Result<Ticket, EditRefused>> {
        let mut filter = for_sale();
        filter.insert("_id", id.object_id());
        filter.insert("userId", user_id.to_hex());
        let change = doc! {
            "$set": {
                "title": title.as_str(),
                "words": search::words(title.as_str()),
                "price": price.cents(),
            },
            "$inc": { "version": 1 },
        };
        Ok(self
            .change(id, filter, change, Reindex::Retitled)
            .await?
            .map_err(|current| match current {
                None => EditRefused::NotFound,
                Some(ticket) if ticket.user_id != user_id => EditRefused::NotOwner,
                Some(_) => EditRefused::Reserved,
            }))
    }

    /// `order:created`: the order holds the ticket.
    pub async fn lock(&self, id: TicketId, order_id: OrderId) -> mongodb::error::Result<Applied> {
        let order = order_id.to_hex();
        let mut filter = for_sale();
        filter.insert("_id", id.object_id());
        filter.insert("releasedOrders", doc! { "$ne": &order });
        let change = doc! { "$set": { "orderId": &order }, "$inc": { "version": 1 } };
        Ok(
            match self.change(id, filter, change, Reindex::Nothing).await? {
                Ok(_) => Applied::Changed,
                Err(None) => Applied::NoSuchTicket,
                Err(Some(ticket))
                    if ticket.order_id == Some(order_id)
                        || ticket.released_orders.contains(&order_id) =>
                {
                    Applied::AlreadyDone
                }
                Err(Some(_)) => Applied::HeldByAnotherOrder,
            },
        )
    }

    /// `order:cancelled`: the ticket is for sale again. If the lock never arrived,
    /// the order is remembered as released so that it cannot lock the ticket later.
    pub async fn unlock(&self, id: TicketId, order_id: OrderId) -> mongodb::error::Result<Applied> {
        let order = order_id.to_hex();
        // The holding order is never among the released ones (`lock` refuses those),
        // so pushing it cannot list it twice.
        let filter = doc! { "_id": id.object_id(), "orderId": &order, "sold": false };
        let change = doc! {
            "$set": { "orderId": null },
            "$push": remember_released(&order),
            "$inc": { "version": 1 },
        };
        Ok(
            match self.change(id, filter, change, Reindex::Nothing).await? {
                Ok(_) => Applied::Changed,
                Err(None) => Applied::NoSuchTicket,
                Err(Some(_)) => {
                    let not_yet_remembered = doc! {
                        "_id": id.object_id(),
                        "orderId": { "$ne": &order },
                        "releasedOrders": { "$ne": &order },
                    };
                    self.collection
                        .update_one(
                            not_yet_remembered,
                            doc! { "$push": remember_released(&order) },
                        )
                        .await?;
                    Applied::AlreadyDone
                }
            },
        )
    }

    /// `order:completed`: the holding order paid; the ticket is sold for good.
    pub async fn mark_sold(
        &self,
        id: TicketId,
        order_id: OrderId,
    ) -> mongodb::error::Result<Applied> {
        let filter = doc! { "_id": id.object_id(), "orderId": order_id.to_hex(), "sold": false };
        let change = doc! { "$set": { "sold": true }, "$inc": { "version": 1 } };
        Ok(
            match self.change(id, filter, change, Reindex::Sold).await? {
                Ok(_) => Applied::Changed,
                Err(None) => Applied::NoSuchTicket,
                Err(Some(ticket)) if ticket.sold && ticket.order_id == Some(order_id) => {
                    Applied::AlreadyDone
                }
                Err(Some(_)) => Applied::HeldByAnotherOrder,
            },
        )
    }

    /// In one transaction: applies `change` to the ticket if `filter` matches, keeps
    /// the word index in step (`reindex`) and stages `ticket:updated` with the new
    /// version. Otherwise returns the ticket as it is (or `None` if there is no such
    /// ticket), for the caller to say why.
    async fn change(
        &self,
        id: TicketId,
        filter: Document,
        change: Document,
        reindex: Reindex,
    ) -> mongodb::error::Result<Result<Ticket, Option<Ticket>>> {
        let (outcome, words_before) = in_transaction!(self.client, |session| async {
            let before = match reindex {
                Reindex::Nothing => None,
                Reindex::Retitled | Reindex::Sold => self
                    .collection
                    .find_one(filter.clone())
                    .session(&mut *session)
                    .await?
                    .map(|ticket| ticket.words),
            };
            let changed = self
                .collection
                .find_one_and_update(filter.clone(), change.clone())
                .return_document(ReturnDocument::After)
                .session(&mut *session)
                .await?;
            if let Some(ticket) = changed {
                if !matches!(reindex, Reindex::Nothing) {
                    self.words.remove(session, id).await?;
                }
                if matches!(reindex, Reindex::Retitled) {
                    self.words
                        .add(session, id, ticket.seq, &ticket.words)
                        .await?;
                }
                self.outbox.stage(session, &ticket.updated_event()).await?;
                return Ok((Ok(ticket), before));
            }
            let current = self
                .collection
                .find_one(doc! { "_id": id.object_id() })
                .session(&mut *session)
                .await?;
            Ok((Err(current), None))
        })
        .await?;
        if let Ok(ticket) = &outcome {
            self.outbox.wake_relay();
            if let Some(words) = words_before {
                self.words.count(&words, -1).await?;
            }
            if matches!(reindex, Reindex::Retitled) {
                self.words.count(&ticket.words, 1).await?;
            }
        }
        Ok(outcome)
    }
}

/// What a change does to the ticket's entries in the word index, which holds the
/// words of every unsold ticket.
#[derive(Debug, Clone, Copy)]
enum Reindex {
    Nothing,
    /// The title changed: its words replace the old ones.
    Retitled,
    /// The ticket sold: it is found by no search again.
    Sold,
}
