use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, email, session_set_cookie};

#[tokio::test]
async fn signout_clears_the_session_cookie() {
    let app = TestApp::spawn().await;
    app.signup(&email(), PASSWORD).await;
    assert!(!app.current_user().await.is_null());

    let response = app
        .client
        .post(app.url("/api/users/signout"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    let cookie = session_set_cookie(&response).expect("the session cookie is overwritten");
    assert!(cookie.starts_with("session=;"), "emptied: {cookie}");
    assert!(cookie.contains("Max-Age=0"), "expired: {cookie}");
    assert_eq!(response.json::<Value>().await.unwrap(), json!({}));
    assert!(app.current_user().await.is_null());
}
