use axum::extract::State;
use httpkit::{
    Result,
    error::ErrorBody,
    openapi::NotAuthorized,
    paging::{PageParams, Paged, Paging},
    session::CurrentUser,
};
use marketplace::{
    id::{OrderId, TicketId},
    money::{Amount, Price},
    payout::PayoutStatus,
};
use serde::Serialize;
use storage::paging::{self, ByAge};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::payouts::{Payout, Payouts};

/// One sale's payout, as its seller sees it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PayoutView {
    order_id: OrderId,
    ticket_id: TicketId,
    /// What the buyer paid.
    price: Price,
    /// What the platform keeps: `PAYOUT_FEE_PERCENT` of the price, rounded down to the
    /// cent.
    fee: Amount,
    /// What the seller is paid: the price minus the fee.
    amount: Amount,
    status: PayoutStatus,
    /// When the hold ends and the transfer is made (if the seller's account is ready).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    held_until: OffsetDateTime,
}

impl From<Payout> for PayoutView {
    fn from(payout: Payout) -> Self {
        Self {
            order_id: payout.order_id,
            ticket_id: payout.ticket_id,
            price: payout.price,
            fee: payout.fee,
            amount: payout.amount,
            status: payout.status,
            held_until: payout.due_at.to_time_0_3(),
        }
    }
}

/// `GET /api/payouts`: a page of the caller's payouts, one per sale, newest first.
#[utoipa::path(
    get,
    path = "/api/payouts",
    params(PageParams),
    responses(
        (status = OK, description = "A page of the caller's payouts", body = Vec<PayoutView>,
            headers(("Link" = String, description = "The next and previous pages (RFC 8288)"))),
        (status = BAD_REQUEST, description = "A bad `limit` or `cursor`", body = ErrorBody),
        NotAuthorized,
    ),
    security(("session" = [])),
)]
pub(crate) async fn list_payouts(
    CurrentUser(user): CurrentUser,
    State(payouts): State<Payouts>,
    paging: Paging,
) -> Result<Paged<PayoutView>> {
    let page = paging::page(
        &paging,
        ByAge::NewestFirst,
        |walk| async move { Ok(payouts.list_for(user.id, walk).await?) },
        |payout| payout.order_id.object_id(),
    )
    .await?;
    Ok(Paged(page.map(PayoutView::from), paging))
}
