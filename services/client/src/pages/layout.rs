//! The frame every page shares: the head, and a header whose links depend on whether
//! someone is signed in.

use std::fmt;

use httpkit::session::UserClaims;
use maud::{DOCTYPE, Markup, html};

pub(crate) fn page(title: &str, user: Option<&UserClaims>, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Ticketing" }
                link rel="stylesheet" href="/assets/app.css";
            }
            body {
                header.site-header {
                    nav {
                        a.brand href="/" { "Ticketing" }
                        ul.nav-links {
                            @if let Some(user) = user {
                                li { a href="/tickets/new" { "Sell tickets" } }
                                li { a href="/tickets/mine" { "My listings" } }
                                li { a href="/orders" { "My orders" } }
                                li { a href="/payouts" { "My payouts" } }
                                li { a href="/payouts/account" { "Get paid" } }
                                li {
                                    form.inline method="post" action="/auth/signout" {
                                        button.link type="submit" title={ "Signed in as " (user.email) } { "Sign out" }
                                    }
                                }
                            } @else {
                                li { a href="/auth/signup" { "Sign up" } }
                                li { a href="/auth/signin" { "Sign in" } }
                            }
                        }
                    }
                }
                main { (content) }
            }
        }
    }
}

/// A price, or another amount of money (a fee, a payout), as people read it.
pub(crate) fn price(amount: impl fmt::Display) -> String {
    format!("${amount}")
}
