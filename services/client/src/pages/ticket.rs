//! One ticket, and buying it: Purchase reserves it for the buyer and opens the order.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use httpkit::FieldError;
use maud::{Markup, html};

use super::{
    error::PageError,
    forms::{form_errors, refusal},
    layout::{page, price},
    lookup::page_id,
    visitor::Visitor,
};
use crate::{
    api::{Ticket, TicketStatus},
    state::AppState,
};

pub(crate) async fn ticket_page(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Markup, PageError> {
    let ticket = state.api.ticket(visitor.caller(), page_id(&id)?).await?;
    Ok(render(&visitor, &ticket, &[]))
}

pub(crate) async fn purchase(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = page_id(&id)?;
    visitor.signed_in()?;
    match state.api.reserve(visitor.caller(), id).await {
        Ok(order) => Ok(Redirect::to(&format!("/orders/{}", order.id)).into_response()),
        Err(error) => {
            let mut status = error.status();
            let mut errors = refusal(error)?;
            let ticket = state.api.ticket(visitor.caller(), id).await?;
            if status == StatusCode::NOT_FOUND {
                // The ticket exists, but orders has not heard of it yet: it was listed
                // a moment ago and `ticket:created` is on its way.
                status = StatusCode::SERVICE_UNAVAILABLE;
                errors = vec![FieldError {
                    message: "This ticket was listed a moment ago and cannot be bought yet. Try again in a few seconds.".to_owned(),
                    field: None,
                }];
            }
            Ok((status, render(&visitor, &ticket, &errors)).into_response())
        }
    }
}

fn render(visitor: &Visitor, ticket: &Ticket, errors: &[FieldError]) -> Markup {
    let is_seller = visitor
        .user
        .as_ref()
        .is_some_and(|user| user.id == ticket.user_id);
    let body = html! {
        h1 { (ticket.title) }
        p.price { (price(ticket.price)) }
        @match ticket.status {
            TicketStatus::Available if is_seller => {
                p { "This is your listing. " a href="/tickets/mine" { "Edit it in My listings" } }
            }
            TicketStatus::Available => {
                form method="post" action={ "/tickets/" (ticket.id) "/purchase" } {
                    (form_errors(errors, &[]))
                    button type="submit" { "Purchase" }
                    @if visitor.user.is_none() {
                        p.hint { "You will be asked to sign in first." }
                    }
                }
            }
            TicketStatus::Reserved => {
                (form_errors(errors, &[]))
                p.notice { "Someone is paying for this ticket right now. If they do not pay in time, it goes back on sale." }
            }
            TicketStatus::Sold => {
                (form_errors(errors, &[]))
                p.notice { "This ticket has been sold." }
            }
        }
    };
    page(&ticket.title, visitor.user.as_ref(), body)
}
