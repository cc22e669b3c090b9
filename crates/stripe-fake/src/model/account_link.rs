//! The AccountLink object: a single-use, short-lived URL where an account's owner
//! completes onboarding. Here the URL is the fake's own onboarding page.

use serde_json::{Value, json};

/// How long a link stays usable, as on Stripe.
pub(crate) const LIFETIME_SECONDS: i64 = 300;

#[derive(Clone, Debug)]
pub(crate) struct AccountLink {
    /// The last segment of the onboarding page's path.
    pub(crate) token: String,
    /// The account it onboards (`acct_…`).
    pub(crate) account: String,
    pub(crate) url: String,
    pub(crate) refresh_url: String,
    pub(crate) return_url: String,
    pub(crate) created: i64,
    pub(crate) expires_at: i64,
    /// Stripe's links work once; a second visit goes to `refresh_url`.
    pub(crate) used: bool,
}

impl AccountLink {
    /// The AccountLink object as Stripe returns it.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "object": "account_link",
            "created": self.created,
            "expires_at": self.expires_at,
            "url": self.url,
        })
    }
}
