use crate::helpers::TestApp;

#[tokio::test]
async fn the_openapi_document_lists_exactly_the_routes_served() {
    let app = TestApp::spawn().await;

    testkit::fuzz::assert_documented_routes(
        &app.url(""),
        "/api/tickets/openapi.json",
        &[
            "GET /api/tickets",
            "GET /api/tickets/mine",
            "GET /api/tickets/{id}",
            "POST /api/tickets",
            "PUT /api/tickets/{id}",
        ],
    )
    .await;
}
