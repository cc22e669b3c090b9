//! Selling: the form that lists a ticket.

use axum::{
    Form,
    extract::State,
    response::{IntoResponse, Redirect, Response},
};
use httpkit::FieldError;
use maud::{Markup, html};
use serde::Deserialize;

use super::{
    error::PageError,
    forms::{field_errors, form_errors, refusal},
    layout::page,
    visitor::Visitor,
};
use crate::state::AppState;

/// The title and price as typed, shared by the sell and edit forms.
#[derive(Default, Deserialize)]
pub(crate) struct TicketForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub price: String,
}

pub(crate) async fn sell_page(visitor: Visitor) -> Result<Markup, PageError> {
    visitor.signed_in()?;
    Ok(sell_form(&visitor, &TicketForm::default(), &[]))
}

pub(crate) async fn sell(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(form): Form<TicketForm>,
) -> Result<Response, PageError> {
    visitor.signed_in()?;
    match state
        .api
        .save_ticket(visitor.caller(), None, &form.title, &form.price)
        .await
    {
        Ok(_) => Ok(Redirect::to("/tickets/mine").into_response()),
        Err(error) => {
            let status = error.status();
            let errors = refusal(error)?;
            Ok((status, sell_form(&visitor, &form, &errors)).into_response())
        }
    }
}

fn sell_form(visitor: &Visitor, typed: &TicketForm, errors: &[FieldError]) -> Markup {
    let body = html! {
        h1 { "Sell a ticket" }
        form.card method="post" action="/tickets/new" {
            (ticket_fields(typed, errors))
            (form_errors(errors, &["title", "price"]))
            button type="submit" { "List ticket" }
        }
    };
    page("Sell a ticket", visitor.user.as_ref(), body)
}

/// The title and price inputs with their messages.
pub(crate) fn ticket_fields(typed: &TicketForm, errors: &[FieldError]) -> Markup {
    html! {
        label { "Title"
            input type="text" name="title" required maxlength="200" value=(typed.title);
        }
        (field_errors(errors, "title"))
        label { "Price (USD)"
            input type="number" name="price" required min="0.01" step="0.01" inputmode="decimal" value=(typed.price);
        }
        (field_errors(errors, "price"))
    }
}
