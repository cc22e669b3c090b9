use axum::extract::State;
use httpkit::{
    Result,
    error::ErrorBody,
    extract::Query,
    openapi::NotAuthorized,
    paging::{PageParams, Paged, Paging},
    session::CurrentUser,
};
use storage::paging::{self, ByAge};

use super::ticket_view::TicketView;
use crate::{search::SearchParams, tickets::Tickets};

/// `GET /api/tickets`: a page of the tickets for sale (neither locked nor sold),
/// oldest listed first, that the search finds.
#[utoipa::path(
    get,
    path = "/api/tickets",
    params(PageParams, SearchParams),
    responses(
        (status = OK, description = "A page of the tickets for sale", body = Vec<TicketView>,
            headers(("Link" = String, description = "The next and previous pages (RFC 8288)"))),
        (status = BAD_REQUEST, description = "A bad `limit`, `cursor`, `q`, `minPrice` or `maxPrice`", body = ErrorBody),
    ),
)]
pub(crate) async fn list_tickets(
    State(tickets): State<Tickets>,
    paging: Paging,
    Query(search): Query<SearchParams>,
) -> Result<Paged<TicketView>> {
    let search = search.parse()?;
    let page = paging::page(
        &paging,
        ByAge::OldestFirst,
        |walk| async move { Ok(tickets.list_for_sale(&search, walk).await?) },
        |ticket| ticket.seq,
    )
    .await?;
    Ok(Paged(page.map(TicketView::from), paging))
}

/// `GET /api/tickets/mine`: a page of the tickets the caller listed, with their
/// status (`available`, `reserved` while a buyer pays, `sold`), newest first.
#[utoipa::path(
    get,
    path = "/api/tickets/mine",
    params(PageParams),
    responses(
        (status = OK, description = "A page of the caller's tickets", body = Vec<TicketView>,
            headers(("Link" = String, description = "The next and previous pages (RFC 8288)"))),
        (status = BAD_REQUEST, description = "A bad `limit` or `cursor`", body = ErrorBody),
        NotAuthorized,
    ),
    security(("session" = [])),
)]
pub(crate) async fn list_my_tickets(
    CurrentUser(user): CurrentUser,
    State(tickets): State<Tickets>,
    paging: Paging,
) -> Result<Paged<TicketView>> {
    let page = paging::page(
        &paging,
        ByAge::NewestFirst,
        |walk| async move { Ok(tickets.list_by_seller(user.id, walk).await?) },
        |ticket| ticket.id.object_id(),
    )
    .await?;
    Ok(Paged(page.map(TicketView::from), paging))
}
