use crate::helpers::TestApp;

#[tokio::test]
async fn the_openapi_document_lists_exactly_the_routes_served() {
    let app = TestApp::spawn().await;

    testkit::fuzz::assert_documented_routes(
        &app.service.url(""),
        "/api/payments/openapi.json",
        &[
            "GET /api/payouts",
            "GET /api/payouts/account",
            "POST /api/payments",
            "POST /api/payments/webhooks/stripe",
            "POST /api/payouts/account",
        ],
    )
    .await;
}
