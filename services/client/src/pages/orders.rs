//! The buyer's orders, and one order's page: a countdown to its expiry and the card
//! payment form while it can be paid, its outcome after.

use axum::extract::{Path, Query, State};
use marketplace::order::OrderStatus;
use maud::{Markup, html};
use time::OffsetDateTime;

use super::{
    error::PageError,
    layout::{page, price},
    lookup::{not_yours, page_id},
    paging::{PageCursor, pager},
    visitor::Visitor,
};
use crate::{api::Order, state::AppState};

/// Where an order stands, as the buyer reads it.
#[derive(Debug, PartialEq, Eq)]
enum Standing {
    /// Reserved; payable for this many more seconds.
    AwaitingPayment {
        seconds_left: i64,
    },
    /// Its hold ran out, whether or not the orders service has cancelled it yet.
    Expired,
    Cancelled,
    Complete,
}

impl Standing {
    fn of(order: &Order, now: OffsetDateTime) -> Self {
        let seconds_left = (order.expires_at - now).whole_seconds();
        match order.status {
            OrderStatus::Complete => Self::Complete,
            _ if seconds_left <= 0 => Self::Expired,
            OrderStatus::Cancelled => Self::Cancelled,
            OrderStatus::Created | OrderStatus::AwaitingPayment => {
                Self::AwaitingPayment { seconds_left }
            }
        }
    }

    fn label(&self) -> &'static str {
        match self {
            Self::AwaitingPayment { .. } => "Awaiting payment",
            Self::Expired => "Order expired",
            Self::Cancelled => "Cancelled",
            Self::Complete => "Complete",
        }
    }
}

pub(crate) async fn my_orders(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(cursor): Query<PageCursor>,
) -> Result<Markup, PageError> {
    visitor.signed_in()?;
    let orders = state
        .api
        .my_orders(visitor.caller(), cursor.as_deref())
        .await?;
    let now = OffsetDateTime::now_utc();
    let body = html! {
        h1 { "My orders" }
        @if orders.items.is_empty() && orders.previous.is_none() {
            p.empty { "You have no orders yet. " a href="/" { "Find a ticket" } }
        } @else {
            table.listing {
                thead { tr { th { "Ticket" } th { "Price" } th { "Status" } } }
                tbody {
                    @for order in &orders.items {
                        tr data-order-id=(order.id) {
                            td { a href={ "/orders/" (order.id) } { (order.ticket.title) } }
                            td { (price(order.ticket.price)) }
                            td.status { (Standing::of(order, now).label()) }
                        }
                    }
                }
            }
        }
        (pager("/orders", &[], &orders))
    };
    Ok(page("My orders", visitor.user.as_ref(), body))
}

pub(crate) async fn order_page(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Markup, PageError> {
    visitor.signed_in()?;
    let order = state
        .api
        .order(visitor.caller(), page_id(&id)?)
        .await
        .map_err(not_yours)?;
    let standing = Standing::of(&order, OffsetDateTime::now_utc());
    let stripe = &state.stripe;
    let body = html! {
        h1 { "Order for " (order.ticket.title) }
        p.price { (price(order.ticket.price)) }
        @match standing {
            Standing::AwaitingPayment { seconds_left } => {
                p.countdown {
                    "Time left to pay: "
                    strong #time-left data-seconds-left=(seconds_left) { (minutes_and_seconds(seconds_left)) }
                }
                form.card #payment-form data-order-id=(order.id) data-publishable-key=(stripe.publishable_key) {
                    label for="card-element" { "Card" }
                    div #card-element { noscript { "Paying needs JavaScript: the card form is Stripe's, and runs in your browser." } }
                    @if stripe.publishable_key.starts_with("pk_test_") {
                        p.hint { "Test mode: pay with 4242 4242 4242 4242; 4000 0000 0000 0002 is declined." }
                    }
                    p.field-error #payment-errors role="alert" hidden {}
                    p.progress #payment-progress role="status" hidden {}
                    button type="submit" { "Pay " (price(order.ticket.price)) }
                }
                script src=(stripe.script_url) {}
                script src="/assets/order.js" {}
            }
            Standing::Expired => {
                p.notice.expired role="status" { "Order expired" }
                p { "The ticket was held for you until " (order.expires_at.time()) " UTC and has gone back on sale. " a href={ "/tickets/" (order.ticket.id) } { "See the ticket" } }
            }
            Standing::Cancelled => {
                p.notice role="status" { "This order was cancelled." }
            }
            Standing::Complete => {
                p.notice.complete role="status" { "Paid. The ticket is yours." }
            }
        }
        p { a href="/orders" { "All my orders" } }
    };
    Ok(page("Order", visitor.user.as_ref(), body))
}

fn minutes_and_seconds(seconds: i64) -> String {
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

#[cfg(test)]
mod tests {
    use marketplace::money::Price;
    use time::Duration;

    use super::*;
    use crate::api::OrderedTicket;

    fn order(status: OrderStatus, expires_in: Duration, now: OffsetDateTime) -> Order {
        Order {
            id: "5f0000000000000000000001".parse().unwrap(),
            status,
            expires_at: now + expires_in,
            ticket: OrderedTicket {
                id: "5f0000000000000000000002".parse().unwrap(),
                title: "Concert".to_owned(),
                price: Price::from_cents(2500).unwrap(),
            },
        }
    }

    #[test]
    fn a_reserved_order_counts_down_until_it_expires() {
        let now = OffsetDateTime::now_utc();
        let payable = order(OrderStatus::Created, Duration::seconds(90), now);
        let lapsed = order(OrderStatus::Created, Duration::seconds(-1), now);

        assert_eq!(
            Standing::of(&payable, now),
            Standing::AwaitingPayment { seconds_left: 90 }
        );
        assert_eq!(Standing::of(&lapsed, now), Standing::Expired);
        assert_eq!(minutes_and_seconds(90), "1:30");
    }

    #[test]
    fn cancelled_orders_are_expired_once_their_hold_passed_and_complete_stays_complete() {
        let now = OffsetDateTime::now_utc();
        let expired = order(OrderStatus::Cancelled, Duration::seconds(-5), now);
        let cancelled_early = order(OrderStatus::Cancelled, Duration::minutes(10), now);
        let paid = order(OrderStatus::Complete, Duration::seconds(-5), now);

        assert_eq!(Standing::of(&expired, now), Standing::Expired);
        assert_eq!(Standing::of(&cancelled_early, now), Standing::Cancelled);
        assert_eq!(Standing::of(&paid, now), Standing::Complete);
    }
}
