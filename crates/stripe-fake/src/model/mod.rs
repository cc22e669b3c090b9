//! The Stripe objects the fake keeps, each with its JSON as Stripe returns it (every
//! field async-stripe requires; the crate's tests read each one back with
//! async-stripe's types), and the ledger of the money that moved. Nothing here knows
//! where the objects are kept or how requests reach them.

pub(crate) mod account_link;
pub(crate) mod cards;
pub(crate) mod charge;
pub(crate) mod connected_account;
pub(crate) mod event;
pub(crate) mod ledger;
pub(crate) mod payment_intent;
pub(crate) mod payment_method;
pub(crate) mod refund;
pub(crate) mod transfer;
pub(crate) mod transfer_reversal;
