//! Get paid: the seller's payout account. Connecting sends them to Stripe's
//! onboarding, which sends them back here; the page then asks payments again, so it
//! says "ready" as soon as Stripe does.

use axum::{
    extract::State,
    response::{IntoResponse, Redirect, Response},
};
use httpkit::{FieldError, extract::PublicOrigin};
use maud::{Markup, html};

use super::{
    error::PageError,
    forms::{form_errors, refusal},
    layout::page,
    visitor::Visitor,
};
use crate::{api::PayoutAccount, state::AppState};

/// This page's path, where onboarding returns to.
pub(crate) const GET_PAID: &str = "/payouts/account";

/// Where the seller's payout account stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    NotConnected,
    /// Connected, but Stripe does not allow transfers to it yet.
    Unfinished,
    Ready,
}

impl Standing {
    fn of(account: &PayoutAccount) -> Self {
        match (account.connected, account.ready) {
            (_, true) => Self::Ready,
            (true, false) => Self::Unfinished,
            (false, false) => Self::NotConnected,
        }
    }
}

pub(crate) async fn get_paid_page(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Markup, PageError> {
    visitor.signed_in()?;
    let account = state.api.payout_account(visitor.caller()).await?;
    Ok(render(&visitor, Some(Standing::of(&account)), &[]))
}

/// Connects the account and sends the seller to Stripe's onboarding, which returns to
/// this page at the address their browser knows it by.
pub(crate) async fn connect(
    State(state): State<AppState>,
    visitor: Visitor,
    PublicOrigin(origin): PublicOrigin,
) -> Result<Response, PageError> {
    visitor.signed_in()?;
    let return_url = format!("{origin}{GET_PAID}");
    match state
        .api
        .connect_payout_account(visitor.caller(), &return_url)
        .await
    {
        Ok(account) => {
            let next = account.onboarding_url.as_deref().unwrap_or(GET_PAID);
            Ok(Redirect::to(next).into_response())
        }
        Err(error) => {
            let status = error.status();
            let errors = refusal(error)?;
            // Where the account stands is not known (Stripe may be the one not
            // answering): the page offers to try again.
            Ok((status, render(&visitor, None, &errors)).into_response())
        }
    }
}

fn render(visitor: &Visitor, standing: Option<Standing>, errors: &[FieldError]) -> Markup {
    let button = match standing {
        Some(Standing::NotConnected) => Some("Connect a payout account"),
        Some(Standing::Unfinished) => Some("Finish setting up your payout account"),
        Some(Standing::Ready) => None,
        None => Some("Try again"),
    };
    let body = html! {
        h1 { "Get paid" }
        @match standing {
            Some(Standing::NotConnected) => {
                p { "Connect a payout account to be paid for the tickets you sell. Stripe, our payment provider, asks who you are and where to send the money." }
            }
            Some(Standing::Unfinished) => {
                p.notice role="status" { "Your payout account is not set up yet. Your sales are paid to it once it is ready; until then they wait." }
            }
            Some(Standing::Ready) => {
                p.notice.complete role="status" { "Your payout account is ready: each sale is paid to it after its hold." }
            }
            None => {}
        }
        @if let Some(button) = button {
            form.card method="post" action=(GET_PAID) {
                (form_errors(errors, &[]))
                button type="submit" { (button) }
            }
        }
        p { a href="/payouts" { "My payouts" } }
    };
    page("Get paid", visitor.user.as_ref(), body)
}
