//! Reading a list one page at a time, by keyset: a page is the entries after (or
//! before) the key its cursor names, in the order of that key. The key is one the
//! entry keeps for life (`_id`, or a [`sequence`](crate::sequence) number), so a
//! client walking the pages never sees an entry twice and never skips one that
//! stayed in the list the whole time, however the list changes in between.
//!
//! Two ways to read the entries of a page:
//! - [`read_by_key`]: one query, `key > cursor` in key order with a limit. Its cost
//!   is the page on MongoDB, and on a store that reads every match before it limits
//!   (the test server does), every entry past the cursor.
//! - [`read_in_windows`]: for a key from a dense sequence, queries over bounded key
//!   ranges ("windows"). A window of `w` keys holds at most `w` entries, so each
//!   query reads at most its width from the index, whatever the collection's size;
//!   and each window is sized from what the one before held, so a page takes a
//!   query or two wherever it starts.
//!
//! Only an index whose fields hold one value each (not an array) bounds a range
//! after an equality on this server, which is why a search reads its own
//! collection of words rather than an array on the ticket.

use futures::TryStreamExt;
use httpkit::paging::{Cursor, Direction, Page, Paging};
use mongodb::{
    Collection,
    bson::{Bson, Document, doc},
};
use serde::de::DeserializeOwned;

/// Which way a list runs. An ObjectId begins with the second it was made, so
/// sorting on `_id` lists documents in the order they were inserted; so does a
/// [`sequence`](crate::sequence) number.
#[derive(Debug, Clone, Copy)]
pub enum ByAge {
    OldestFirst,
    NewestFirst,
}

/// What to read for a page: up to `wanted` entries from `from` (exclusive; `None`:
/// from the start), in ascending or descending key order.
#[derive(Debug, Clone, Copy)]
pub struct Walk<K> {
    pub from: Option<K>,
    pub ascending: bool,
    pub wanted: usize,
}

/// Reads the page `paging` asks for of a list ordered by a key, `order` being the
/// list's own order (oldest first is ascending key). `read` returns the entries
/// of a [`Walk`]; `key_of` is each entry's key, which its cursors carry.
pub async fn page<T, K, Read>(
    paging: &Paging,
    order: ByAge,
    read: impl FnOnce(Walk<K>) -> Read,
    key_of: impl Fn(&T) -> K,
) -> httpkit::Result<Page<T>>
where
    K: std::str::FromStr + ToString + Copy,
    Read: Future<Output = httpkit::Result<Vec<T>>>,
{
    let oldest_first = matches!(order, ByAge::OldestFirst);
    let (direction, from) = match &paging.cursor {
        None => (Direction::After, None),
        Some(cursor) => (cursor.direction, Some(cursor.key_as::<K>()?)),
    };
    let forward = direction == Direction::After;
    let mut items = read(Walk {
        from,
        ascending: oldest_first == forward,
        wanted: paging.limit + 1,
    })
    .await?;
    let more = items.len() > paging.limit;
    items.truncate(paging.limit);
    if !forward {
        items.reverse();
    }
    let first = items.first().map(&key_of).or(from);
    let last = items.last().map(&key_of).or(from);
    let (next, previous) = match (direction, from) {
        (_, None) => (more.then(|| last.map(Cursor::after)).flatten(), None),
        (Direction::After, Some(_)) => (
            more.then(|| last.map(Cursor::after)).flatten(),
            first.map(Cursor::before),
        ),
        (Direction::Before, Some(_)) => (
            last.map(Cursor::after),
            more.then(|| first.map(Cursor::before)).flatten(),
        ),
    };
    Ok(Page {
        items,
        next,
        previous,
    })
}

/// The filter of a walk from `from` on `key`: `filter` and the key past `from`.
fn past<K: Into<Bson> + Copy>(filter: &Document, key: &str, walk: &Walk<K>) -> Document {
    let mut filter = filter.clone();
    if let Some(from) = walk.from {
        let beyond = if walk.ascending { "$gt" } else { "$lt" };
        filter.insert(key, doc! { beyond: from.into() });
    }
    filter
}

fn direction(ascending: bool) -> i32 {
    if ascending { 1 } else { -1 }
}

/// The entries of `walk` among those `filter` matches, in one query ordered by
/// `key`. For lists whose size is bounded by other means (one user's own).
pub async fn read_by_key<T, K>(
    collection: &Collection<T>,
    filter: &Document,
    key: &str,
    walk: Walk<K>,
) -> mongodb::error::Result<Vec<T>>
where
    T: DeserializeOwned + Send + Sync,
    K: Into<Bson> + Copy,
{
    collection
        .find(past(filter, key, &walk))
        .sort(doc! { key: direction(walk.ascending) })
        .limit(walk.wanted as i64)
        .await?
        .try_collect()
        .await
}

/// The widest window over a list where most keys are entries (the tickets for
/// sale): a window holds at most its width, so this bounds one read even where the
/// windows before were sparse; a stretch of keys that are not entries (sold
/// tickets) costs a query per this many.
pub const WIDEST_DENSE_WINDOW: i64 = 4096;

/// How the windows of a [`read_in_windows`] are sized.
#[derive(Debug, Clone, Copy)]
pub struct Windows {
    /// The last key there is; the walk stops there (and at 1 going down).
    pub top: i64,
    /// The first window's width: the walk's size where nearly every key is an entry,
    /// wider where entries are known to be sparse.
    pub first: i64,
    /// The widest a window may grow, which bounds what one read can hold when the
    /// entries are denser than the windows before suggested.
    pub widest: i64,
}

/// A range of keys, `low..=high`, to read in ascending or descending order.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub low: i64,
    pub high: i64,
    pub ascending: bool,
}

/// The entries of `walk` that `keep` accepts, over a dense sequence of keys from 1
/// to `windows.top`, read a window of keys at a time: `read_window` returns the
/// entries with keys in the [`Window`], in its order, from an index range. After a window that holds too few, the next is sized from what that
/// one held, so that it should hold what is still wanted, half as many again.
pub async fn read_in_windows<T, E, Read>(
    walk: Walk<i64>,
    windows: Windows,
    mut read_window: impl FnMut(Window) -> Read,
    keep: impl Fn(&T) -> bool,
) -> Result<Vec<T>, E>
where
    Read: Future<Output = Result<Vec<T>, E>>,
{
    let wanted = walk.wanted;
    let mut found = Vec::with_capacity(wanted);
    let mut width = windows.first.clamp(1, windows.widest);
    // The window's near end, exclusive: the last key read so far.
    let mut edge = walk
        .from
        .unwrap_or(if walk.ascending { 0 } else { windows.top + 1 });
    while found.len() < wanted {
        let (low, high) = if walk.ascending {
            if edge >= windows.top {
                break;
            }
            (edge + 1, (edge + width).min(windows.top))
        } else {
            if edge <= 1 {
                break;
            }
            ((edge - width).max(1), edge - 1)
        };
        let entries = read_window(Window {
            low,
            high,
            ascending: walk.ascending,
        })
        .await?;
        let held = entries.len() as i64;
        found.extend(entries.into_iter().filter(&keep).take(wanted - found.len()));
        edge = if walk.ascending { high } else { low };
        let still_wanted = (wanted - found.len()) as i64;
        width = if held == 0 {
            width.saturating_mul(8)
        } else {
            (still_wanted * (high - low + 1) / held).saturating_mul(3) / 2
        }
        .clamp(1, windows.widest);
    }
    Ok(found)
}

/// The documents `filter` matches with `key` in the window, in its order: one
/// window of [`read_in_windows`], when `filter` and `key` are an index's equality
/// prefix and its next field.
pub async fn window_of<T>(
    collection: &Collection<T>,
    filter: &Document,
    key: &str,
    Window {
        low,
        high,
        ascending,
    }: Window,
) -> mongodb::error::Result<Vec<T>>
where
    T: DeserializeOwned + Send + Sync,
{
    let mut window = filter.clone();
    window.insert(key, doc! { "$gte": low, "$lte": high });
    collection
        .find(window)
        .sort(doc! { key: direction(ascending) })
        .await?
        .try_collect()
        .await
}
