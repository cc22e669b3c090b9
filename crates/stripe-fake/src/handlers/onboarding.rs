//! `GET /connect/onboarding/{token}`: the page an AccountLink's URL opens, which a
//! browser visits without any key. Where Stripe would ask the seller for their details,
//! the fake takes the visit itself as onboarding done.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::account::FakeStripe;
use crate::store::Visit;

const UNKNOWN_LINK: &str = "<!doctype html>\n<title>Unknown onboarding link</title>\n\
    <h1>Unknown onboarding link</h1>\n\
    <p>The Stripe fake did not issue this link. Ask the platform for a new one.</p>\n";

pub(crate) async fn visit(State(fake): State<FakeStripe>, Path(token): Path<String>) -> Response {
    let visit = fake.store().visit_account_link(&token);
    match visit {
        None => (StatusCode::NOT_FOUND, Html(UNKNOWN_LINK)).into_response(),
        Some(Visit::Refresh(refresh_url)) => Redirect::to(&refresh_url).into_response(),
        Some(Visit::Completed {
            return_url,
            updated,
        }) => {
            if let Some(account) = updated {
                fake.webhooks().send("account.updated", account.to_json());
            }
            Redirect::to(&return_url).into_response()
        }
    }
}
