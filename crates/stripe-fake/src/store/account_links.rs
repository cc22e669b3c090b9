//! AccountLinks and the visits to the onboarding page they point to.

use axum::http::StatusCode;

use crate::errors::ApiError;
use crate::model::account_link::{AccountLink, LIFETIME_SECONDS};
use crate::model::connected_account::ConnectedAccount;
use crate::store::Store;
use crate::{clock, ids};

/// An onboarding link to make, its parameters already checked.
#[derive(Debug)]
pub(crate) struct NewAccountLink {
    pub(crate) account: String,
    pub(crate) refresh_url: String,
    pub(crate) return_url: String,
    /// Where the fake's onboarding pages are served, such as `http://127.0.0.1:41234`.
    pub(crate) pages_base_url: String,
}

/// Where a visit to an onboarding link leads.
#[derive(Debug)]
pub(crate) enum Visit {
    /// The account is onboarded; the browser goes to `return_url`. `updated` is the
    /// account when the visit changed it.
    Completed {
        return_url: String,
        updated: Option<ConnectedAccount>,
    },
    /// The link was used or has expired; the browser goes to `refresh_url` for a new one.
    Refresh(String),
}

impl Store {
    /// Makes a single-use onboarding link for an existing account.
    pub(crate) fn create_account_link(
        &mut self,
        new: NewAccountLink,
    ) -> Result<AccountLink, ApiError> {
        self.account(&new.account, StatusCode::BAD_REQUEST, "account")?;
        let token = ids::new_id("onboarding");
        let created = clock::now();
        let link = AccountLink {
            url: format!("{}/connect/onboarding/{token}", new.pages_base_url),
            token,
            account: new.account,
            refresh_url: new.refresh_url,
            return_url: new.return_url,
            created,
            expires_at: created + LIFETIME_SECONDS,
            used: false,
        };
        self.account_links.insert(link.token.clone(), link.clone());
        Ok(link)
    }

    /// A browser opens the link `token`: a fresh one completes its account's onboarding
    /// and is used up. `None` when the fake never issued it.
    pub(crate) fn visit_account_link(&mut self, token: &str) -> Option<Visit> {
        let Self {
            account_links,
            accounts,
            ..
        } = self;
        let link = account_links.get_mut(token)?;
        if link.used || clock::now() >= link.expires_at {
            return Some(Visit::Refresh(link.refresh_url.clone()));
        }
        link.used = true;
        let account = accounts.get_mut(&link.account)?;
        let updated = account.complete_onboarding().then(|| account.clone());
        Some(Visit::Completed {
            return_url: link.return_url.clone(),
            updated,
        })
    }

    /// Lets every link issued so far run out, as five minutes would.
    pub(crate) fn expire_account_links(&mut self) {
        let now = clock::now();
        for link in self.account_links.values_mut() {
            link.expires_at = link.expires_at.min(now);
        }
    }
}
