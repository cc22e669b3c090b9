//! Everything the fake account holds, and every operation on it: creating payment
//! methods and PaymentIntents, confirming (charging) and refunding, connected accounts
//! and their onboarding links, transfers and their reversals, with the ledger of what
//! moved. The account keeps the store behind one lock and each request runs its
//! whole effect while holding it, so requests never see each other half done.
//! Idempotency keys are kept apart ([`idempotency::Keys`]): a request holds its key
//! across its whole run, the store only while it acts.

mod account_links;
mod accounts;
mod charges;
mod giving_back;
pub(crate) mod idempotency;
mod payment_intents;
mod payment_methods;
mod refunds;
mod transfer_reversals;
mod transfers;

use std::collections::HashMap;

use crate::model::account_link::AccountLink;
use crate::model::connected_account::ConnectedAccount;
use crate::model::ledger::Ledger;
use crate::model::payment_intent::PaymentIntent;
use crate::model::payment_method::PaymentMethod;
use crate::model::transfer::Transfer;
pub(crate) use account_links::{NewAccountLink, Visit};
pub(crate) use accounts::NewAccount;
pub(crate) use payment_methods::{NewPaymentMethod, PaymentMethodChoice};
pub(crate) use refunds::{NewRefund, RefundTarget};
pub(crate) use transfer_reversals::NewReversal;

#[derive(Debug, Default)]
pub(crate) struct Store {
    payment_intents: HashMap<String, PaymentIntent>,
    payment_methods: HashMap<String, PaymentMethod>,
    accounts: HashMap<String, ConnectedAccount>,
    /// By token.
    account_links: HashMap<String, AccountLink>,
    /// Oldest first, as Stripe lists them backwards.
    transfers: Vec<Transfer>,
    ledger: Ledger,
}

impl Store {
    /// The money that moved so far.
    pub(crate) fn ledger(&self) -> &Ledger {
        &self.ledger
    }
}
