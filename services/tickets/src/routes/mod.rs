//! The `/api/tickets` routes, one file per route.

mod list_tickets;
mod new_ticket;
mod show_ticket;
mod ticket_form;
mod ticket_view;
mod update_ticket;

use axum::Router;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    httpkit::openapi::serve_documented(
        "/api/tickets",
        "tickets",
        OpenApiRouter::new()
            .routes(routes!(new_ticket::new_ticket, list_tickets::list_tickets))
            .routes(routes!(list_tickets::list_my_tickets))
            .routes(routes!(
                show_ticket::show_ticket,
                update_ticket::update_ticket
            )),
    )
}
