use std::time::Duration;

use reqwest::StatusCode;
use testkit::{World, assert_error};

use crate::helpers::{TestApp, no_buyer_limits};

const BUYERS: usize = 25;
const ROUNDS: usize = 20;

/// Invariant 1: whatever the concurrency, one ticket has one holder.
#[tokio::test]
async fn twenty_five_buyers_racing_for_one_ticket_get_exactly_one_order() {
    // The same few buyers win round after round, and every buyer tries every
    // round: more unpaid orders, and more a minute, than the limits let a buyer.
    let app = TestApp::with_buyers(World::new(), Duration::from_secs(900), no_buyer_limits()).await;
    let buyers: Vec<_> = (0..BUYERS).map(|_| app.user()).collect();

    for round in 0..ROUNDS {
        let ticket_id = app.seed_ticket(1000).await;
        let start = tokio::sync::Barrier::new(BUYERS);
        let attempts = buyers.iter().map(|buyer| {
            let (app, ticket_id, start) = (&app, &ticket_id, &start);
            async move {
                start.wait().await;
                app.reserve(buyer, ticket_id).await
            }
        });
        let responses = futures::future::join_all(attempts).await;

        let mut winners = 0;
        for response in responses {
            if response.status() == StatusCode::CREATED {
                winners += 1;
            } else {
                assert_error(
                    response,
                    StatusCode::BAD_REQUEST,
                    "Ticket is already reserved",
                )
                .await;
            }
        }
        assert_eq!(winners, 1, "round {round}");
    }
}
