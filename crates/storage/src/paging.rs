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
//!   query reads at most its width from the index, whatever the collection's size.

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
pub async fn page<T, K>(
    paging: &Paging,
    order: ByAge,
    read: impl AsyncFnOnce(Walk<K>) -> httpkit::Result<Vec<T>>,
    key_of: impl Fn(&T) -> K,
) -> httpkit::Result<Page<T>>
where
    K: std::str::FromStr + ToString + Copy,
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

/// The widest window one query reads. Wider would read more entries than a page
/// needs when a window lands on a dense stretch; narrower, more queries to cross a
/// stretch where few entries match.
pub const MAX_WINDOW: i64 = 4096;

/// The entries of `walk` among those `filter` matches and `keep` accepts, where
/// `key` is a dense sequence from 1 to `top`: windows of keys, each an index range
/// `filter` + `key` in the window, starting as wide as the walk wants and doubling
/// (up to [`MAX_WINDOW`]) while too few are found. `filter` should be exactly an
/// index's equality prefix, so that each query reads only its window of the index;
/// what the index cannot answer, `keep` checks on the entries read.
pub async fn read_in_windows<T, K>(
    collection: &Collection<T>,
    filter: &Document,
    key: &str,
    top: i64,
    walk: Walk<K>,
    keep: impl Fn(&T) -> bool,
) -> mongodb::error::Result<Vec<T>>
where
    T: DeserializeOwned + Send + Sync,
    K: Into<i64> + Copy,
{
    let wanted = walk.wanted;
    let mut found = Vec::with_capacity(wanted);
    let mut width = (wanted as i64).clamp(1, MAX_WINDOW);
    // The window's near end, exclusive: the last key read so far.
    let mut edge = walk
        .from
        .map(Into::into)
        .unwrap_or(if walk.ascending { 0 } else { top + 1 });
    while found.len() < wanted {
        let (low, high) = if walk.ascending {
            if edge >= top {
                break;
            }
            (edge + 1, (edge + width).min(top))
        } else {
            if edge <= 1 {
                break;
            }
            ((edge - width).max(1), edge - 1)
        };
        let mut window = filter.clone();
        window.insert(key, doc! { "$gte": low, "$lte": high });
        let mut entries = collection
            .find(window)
            .sort(doc! { key: direction(walk.ascending) })
            .await?;
        while let Some(entry) = entries.try_next().await? {
            if keep(&entry) {
                found.push(entry);
                if found.len() == wanted {
                    break;
                }
            }
        }
        edge = if walk.ascending { high } else { low };
        width = (width * 2).min(MAX_WINDOW);
    }
    Ok(found)
}
