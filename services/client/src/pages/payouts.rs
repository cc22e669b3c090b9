//! My payouts: what each of the seller's sales pays them, and where that payment is.

use axum::extract::{Query, State};
use marketplace::payout::PayoutStatus;
use maud::{Markup, html};
use time::{OffsetDateTime, UtcOffset};

use super::{
    error::PageError,
    layout::{page, price},
    paging::{PageCursor, pager},
    payout_account::GET_PAID,
    visitor::Visitor,
};
use crate::{api::Payout, state::AppState};

pub(crate) async fn my_payouts(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(cursor): Query<PageCursor>,
) -> Result<Markup, PageError> {
    visitor.signed_in()?;
    let payouts = state
        .api
        .my_payouts(visitor.caller(), cursor.as_deref())
        .await?;
    let body = html! {
        h1 { "My payouts" }
        @if payouts.items.is_empty() && payouts.previous.is_none() {
            p.empty {
                "Nothing sold yet: when a buyer pays for one of your tickets, what you are paid for it shows here. "
                a href="/tickets/new" { "Sell a ticket" }
            }
        } @else {
            table.listing {
                thead { tr { th { "Order" } th { "Price" } th { "Fee" } th { "You get" } th { "Status" } } }
                tbody {
                    @for payout in &payouts.items {
                        tr data-order-id=(payout.order_id) {
                            td { a href={ "/tickets/" (payout.ticket_id) } { code { (payout.order_id) } } }
                            td { (price(payout.price)) }
                            td { (price(payout.fee)) }
                            td { (price(payout.amount)) }
                            td.status { (status(payout)) }
                        }
                    }
                }
            }
        }
        (pager("/payouts", &[], &payouts))
    };
    Ok(page("My payouts", visitor.user.as_ref(), body))
}

/// Where a payout is, as its seller reads it.
fn status(payout: &Payout) -> Markup {
    match payout.status {
        PayoutStatus::Held => html! { "held until " (date_and_time(payout.held_until)) },
        PayoutStatus::WaitingForAccount => html! {
            "waiting for your payout account (" a href=(GET_PAID) { "Get paid" } ")"
        },
        PayoutStatus::Transferring => html! { "paying" },
        PayoutStatus::Paid => html! { "paid" },
        PayoutStatus::Reversing => html! { "reversing" },
        PayoutStatus::Reversed => html! { "reversed (the buyer was refunded)" },
        PayoutStatus::Refunded => html! { "refunded before payout" },
    }
}

fn date_and_time(at: OffsetDateTime) -> String {
    let at = at.to_offset(UtcOffset::UTC);
    format!("{} {:02}:{:02} UTC", at.date(), at.hour(), at.minute())
}

#[cfg(test)]
mod tests {
    use time::{OffsetDateTime, UtcOffset};

    use super::date_and_time;

    #[test]
    fn a_hold_ends_at_a_utc_date_and_time() {
        let in_brazil = OffsetDateTime::from_unix_timestamp(1_772_674_259)
            .unwrap()
            .to_offset(UtcOffset::from_hms(-3, 0, 0).unwrap());

        assert_eq!(date_and_time(in_brazil), "2026-03-05 01:30 UTC");
    }
}
