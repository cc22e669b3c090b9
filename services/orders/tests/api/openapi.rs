use crate::helpers::TestApp;

#[tokio::test]
async fn the_openapi_document_lists_exactly_the_routes_served() {
    let app = TestApp::spawn().await;

    testkit::fuzz::assert_documented_routes(
        &app.url(""),
        "/api/orders/openapi.json",
        &[
            "DELETE /api/orders/{id}",
            "GET /api/orders",
            "GET /api/orders/{id}",
            "POST /api/orders",
        ],
    )
    .await;
}
