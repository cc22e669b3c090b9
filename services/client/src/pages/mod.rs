//! The pages, one file per part of the site. Each handler asks the APIs with the
//! visitor's cookie and renders HTML; each form posts back here and is answered with a
//! redirect, or with the same form and the API's messages beside it.

mod auth;
mod caller;
mod error;
mod forms;
mod home;
mod layout;
mod listings;
mod lookup;
mod orders;
mod paging;
mod payout_account;
mod payouts;
mod sell;
mod ticket;
mod visitor;

use axum::{
    Router,
    routing::{get, post},
};

pub(crate) use error::render_error_pages;

use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/auth/signup", get(auth::signup_page).post(auth::signup))
        .route("/auth/signin", get(auth::signin_page).post(auth::signin))
        .route("/auth/signout", post(auth::signout))
        .route("/tickets/new", get(sell::sell_page).post(sell::sell))
        .route("/tickets/mine", get(listings::my_listings))
        .route("/tickets/{id}", get(ticket::ticket_page))
        .route("/tickets/{id}/purchase", post(ticket::purchase))
        .route("/tickets/{id}/edit", post(listings::edit))
        .route("/orders", get(orders::my_orders))
        .route("/orders/{id}", get(orders::order_page))
        .route("/payouts", get(payouts::my_payouts))
        .route(
            payout_account::GET_PAID,
            get(payout_account::get_paid_page).post(payout_account::connect),
        )
        .fallback(error::not_found_page)
}
