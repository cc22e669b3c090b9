//! The landing page: the tickets for sale, a page at a time, with a search by title
//! words and price.

use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use httpkit::FieldError;
use maud::{Markup, html};

use super::{
    error::PageError,
    forms::{field_errors, form_errors, refusal},
    layout::{page, price},
    paging::{PageCursor, pager},
    visitor::Visitor,
};
use crate::{
    api::{Listed, Search, Ticket},
    state::AppState,
};

pub(crate) async fn home(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(search): Query<Search>,
    Query(cursor): Query<PageCursor>,
) -> Result<Response, PageError> {
    let found = state
        .api
        .tickets_for_sale(visitor.caller(), &search, cursor.as_deref())
        .await;
    let (status, body) = match found {
        Ok(listed) => (StatusCode::OK, listing(&search, &listed)),
        Err(error) => {
            let status = error.status();
            let errors = refusal(error)?;
            (status, search_form(&search, &errors))
        }
    };
    Ok((
        status,
        page("Tickets for sale", visitor.user.as_ref(), body),
    )
        .into_response())
}

fn listing(search: &Search, listed: &Listed<Ticket>) -> Markup {
    let searching = !search.params().is_empty();
    html! {
        (search_form(search, &[]))
        @if listed.items.is_empty() {
            p.empty {
                @if searching {
                    "No tickets for sale match your search. "
                    a href="/" { "See every ticket" }
                } @else {
                    "No tickets are for sale right now. "
                    a href="/tickets/new" { "Sell one" }
                }
            }
        } @else {
            table.listing {
                thead { tr { th { "Title" } th { "Price" } th { span.visually-hidden { "Link" } } } }
                tbody {
                    @for ticket in &listed.items {
                        tr data-ticket-id=(ticket.id) {
                            td { (ticket.title) }
                            td { (price(ticket.price)) }
                            td { a href={ "/tickets/" (ticket.id) } { "View" } }
                        }
                    }
                }
            }
        }
        (pager("/", &search.params(), listed))
    }
}

/// The search, as a plain GET form whose fields are the page's own query.
fn search_form(search: &Search, errors: &[FieldError]) -> Markup {
    html! {
        h1 { "Tickets for sale" }
        form.search method="get" action="/" role="search" {
            label {
                "Title words"
                input type="search" name="q" value=(search.q) maxlength="200";
            }
            (field_errors(errors, "q"))
            label {
                "Lowest price"
                input type="number" name="minPrice" value=(search.min_price) min="0" step="0.01" inputmode="decimal";
            }
            (field_errors(errors, "minPrice"))
            label {
                "Highest price"
                input type="number" name="maxPrice" value=(search.max_price) min="0" step="0.01" inputmode="decimal";
            }
            (field_errors(errors, "maxPrice"))
            (form_errors(errors, &["q", "minPrice", "maxPrice"]))
            button type="submit" { "Search" }
        }
    }
}
