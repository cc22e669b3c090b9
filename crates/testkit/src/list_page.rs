//! One page of a paged list, as a test reads it: its entries and the cursors of the
//! pages its `Link` header names.

use httpkit::paging::cursor_in_link;
use reqwest::StatusCode;
use serde_json::Value;

#[derive(Debug)]
pub struct ListPage {
    pub entries: Vec<Value>,
    pub next: Option<String>,
    pub previous: Option<String>,
}

impl ListPage {
    /// `GET url` with `client`, which must answer 200.
    pub async fn get(client: &reqwest::Client, url: String) -> Self {
        let response = client.get(&url).send().await.expect("GET the page");
        assert_eq!(response.status(), StatusCode::OK, "{url}");
        let link = response
            .headers()
            .get("link")
            .map(|value| value.to_str().expect("a text Link").to_owned())
            .unwrap_or_default();
        Self {
            next: cursor_in_link(&link, "next"),
            previous: cursor_in_link(&link, "prev"),
            entries: response.json().await.expect("a JSON array"),
        }
    }

    /// Each entry's string `field` (its `title`, its `id`), in order.
    pub fn each(&self, field: &str) -> Vec<&str> {
        self.entries
            .iter()
            .map(|entry| entry[field].as_str().expect("a string field"))
            .collect()
    }
}
