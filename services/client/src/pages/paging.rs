//! A list shown one page at a time: the page's `cursor` in its URL, and the links to
//! the pages before and after it, which carry the API's cursors (and the rest of the
//! page's query, a search say) in plain links that need no JavaScript.

use maud::{Markup, html};
use serde::Deserialize;

use crate::api::{Listed, with_query};

/// The `cursor` a paged page's URL may carry.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct PageCursor {
    pub cursor: Option<String>,
}

impl PageCursor {
    pub fn as_deref(&self) -> Option<&str> {
        self.cursor.as_deref().filter(|cursor| !cursor.is_empty())
    }
}

/// Links to the pages before and after `listed`, at `path` with `params`.
pub(crate) fn pager<T>(path: &str, params: &[(&str, &str)], listed: &Listed<T>) -> Markup {
    let link_to = |cursor: &str| {
        let mut params = params.to_vec();
        params.push(("cursor", cursor));
        with_query(path, &params)
    };
    html! {
        @if listed.previous.is_some() || listed.next.is_some() {
            nav.pager aria-label="Pages" {
                @if let Some(previous) = &listed.previous {
                    a rel="prev" href=(link_to(previous)) { "← Previous page" }
                }
                @if let Some(next) = &listed.next {
                    a rel="next" href=(link_to(next)) { "Next page →" }
                }
            }
        }
    }
}
