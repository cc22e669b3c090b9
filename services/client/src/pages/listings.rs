//! My listings: the seller's tickets with their state, each with an edit form that is
//! disabled, with the reason, while an order holds the ticket or after it sold.

use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use httpkit::FieldError;
use marketplace::id::TicketId;
use maud::{Markup, html};

use super::{
    error::PageError,
    forms::{form_errors, refusal},
    layout::{page, price},
    lookup::{not_yours, page_id},
    paging::{PageCursor, pager},
    sell::{TicketForm, ticket_fields},
    visitor::Visitor,
};
use crate::{
    api::{Listed, Ticket, TicketStatus},
    state::AppState,
};

/// An edit that was refused: which ticket, what was typed and why.
struct RefusedEdit<'a> {
    ticket_id: TicketId,
    typed: &'a TicketForm,
    errors: &'a [FieldError],
}

pub(crate) async fn my_listings(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(cursor): Query<PageCursor>,
) -> Result<Markup, PageError> {
    visitor.signed_in()?;
    let tickets = state
        .api
        .my_tickets(visitor.caller(), cursor.as_deref())
        .await?;
    Ok(render(&visitor, &tickets, None))
}

pub(crate) async fn edit(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(form): Form<TicketForm>,
) -> Result<Response, PageError> {
    let id = page_id(&id)?;
    visitor.signed_in()?;
    match state
        .api
        .save_ticket(visitor.caller(), Some(id), &form.title, &form.price)
        .await
    {
        Ok(_) => Ok(Redirect::to("/tickets/mine").into_response()),
        Err(error) => {
            let error = not_yours(error);
            let status = error.status();
            if status == StatusCode::NOT_FOUND {
                return Err(PageError::NotFound);
            }
            let errors = refusal(error)?;
            // The newest listings, where the refused ticket is most likely to be; the
            // edit is shown beside it wherever it is on the page.
            let tickets = state.api.my_tickets(visitor.caller(), None).await?;
            let refused = RefusedEdit {
                ticket_id: id,
                typed: &form,
                errors: &errors,
            };
            Ok((status, render(&visitor, &tickets, Some(refused))).into_response())
        }
    }
}

fn render(visitor: &Visitor, tickets: &Listed<Ticket>, refused: Option<RefusedEdit>) -> Markup {
    let body = html! {
        h1 { "My listings" }
        @if tickets.items.is_empty() && tickets.previous.is_none() {
            p.empty { "You have not listed any tickets. " a href="/tickets/new" { "Sell one" } }
        }
        @for ticket in &tickets.items {
            @let refused = refused.as_ref().filter(|refused| refused.ticket_id == ticket.id);
            (listing(ticket, refused))
        }
        (pager("/tickets/mine", &[], tickets))
    };
    page("My listings", visitor.user.as_ref(), body)
}

fn listing(ticket: &Ticket, refused: Option<&RefusedEdit>) -> Markup {
    let (state, why_frozen) = match ticket.status {
        TicketStatus::Available => ("For sale", None),
        TicketStatus::Reserved => (
            "Locked",
            Some(
                "A buyer has reserved this ticket and is paying for it, so it cannot be \
                 edited. If they do not pay in time it goes back on sale and you can edit it again.",
            ),
        ),
        TicketStatus::Sold => (
            "Sold",
            Some("This ticket has been sold, so it can no longer be edited."),
        ),
    };
    let saved = TicketForm {
        title: ticket.title.clone(),
        price: ticket.price.to_string(),
    };
    let (typed, errors) =
        refused.map_or((&saved, &[][..]), |refused| (refused.typed, refused.errors));
    html! {
        section.card.listing-item data-ticket-id=(ticket.id) {
            header {
                h2 { a href={ "/tickets/" (ticket.id) } { (ticket.title) } }
                span.price { (price(ticket.price)) }
                span.state data-state=(state.to_lowercase()) { (state) }
            }
            form method="post" action={ "/tickets/" (ticket.id) "/edit" } {
                fieldset disabled[why_frozen.is_some()] {
                    legend { "Edit" }
                    (ticket_fields(typed, errors))
                    (form_errors(errors, &["title", "price"]))
                    button type="submit" { "Save changes" }
                }
                @if let Some(why) = why_frozen {
                    p.notice { (why) }
                }
            }
        }
    }
}
