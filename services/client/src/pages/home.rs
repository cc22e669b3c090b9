//! The landing page: every ticket for sale.

use axum::extract::State;
use maud::{Markup, html};

use super::{
    error::PageError,
    layout::{page, price},
    visitor::Visitor,
};
use crate::state::AppState;

pub(crate) async fn home(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Markup, PageError> {
    let tickets = state.api.tickets_for_sale(visitor.caller()).await?;
    let body = html! {
        h1 { "Tickets for sale" }
        @if tickets.is_empty() {
            p.empty {
                "No tickets are for sale right now. "
                a href="/tickets/new" { "Sell one" }
            }
        } @else {
            table.listing {
                thead { tr { th { "Title" } th { "Price" } th { span.visually-hidden { "Link" } } } }
                tbody {
                    @for ticket in &tickets {
                        tr data-ticket-id=(ticket.id) {
                            td { (ticket.title) }
                            td { (price(ticket.price)) }
                            td { a href={ "/tickets/" (ticket.id) } { "View" } }
                        }
                    }
                }
            }
        }
    };
    Ok(page("Tickets for sale", visitor.user.as_ref(), body))
}
