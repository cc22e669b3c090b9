//! The web client: server-rendered pages for the marketplace. It owns no data; every
//! page asks the APIs, forwarding the visitor's session cookie, and every form is a
//! plain HTML POST answered with a redirect. JavaScript only runs the payment form
//! (Stripe.js) and the order's countdown.

mod api;
mod assets;
mod config;
mod pages;
mod startup;
mod state;

pub use config::{ApiUrls, Config, StripeJs};
pub use startup::build;
