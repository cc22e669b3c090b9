use crate::helpers::TestApp;

#[tokio::test]
async fn the_openapi_document_lists_exactly_the_routes_served() {
    let app = TestApp::spawn().await;

    testkit::fuzz::assert_documented_routes(
        &app.url(""),
        "/api/users/openapi.json",
        &[
            "GET /api/users/currentuser",
            "POST /api/users/signin",
            "POST /api/users/signout",
            "POST /api/users/signup",
        ],
    )
    .await;
}
