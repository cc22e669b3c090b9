use reqwest::StatusCode;

use crate::helpers::{Site, email};

#[tokio::test]
async fn signing_up_signs_the_browser_in_and_the_header_changes() {
    let site = Site::start().await;
    let visitor = site.visitor();

    let signed_out = visitor.get("/").await;
    signed_out.assert_shows(">Sign up</a>");
    signed_out.assert_shows(">Sign in</a>");

    visitor.sign_up(&email()).await;

    let home = visitor.get("/").await;
    home.assert_shows(">Sell tickets</a>");
    home.assert_shows(">My orders</a>");
    home.assert_shows(">Sign out</button>");
    assert!(!home.html.contains(">Sign in</a>"));
}

#[tokio::test]
async fn signing_out_and_back_in_works_through_the_forms() {
    let site = Site::start().await;
    let visitor = site.visitor();
    let address = email();
    visitor.sign_up(&address).await;

    visitor
        .post("/auth/signout", &[])
        .await
        .assert_redirects_to("/");
    visitor.get("/").await.assert_shows(">Sign in</a>");

    visitor
        .post(
            "/auth/signin",
            &[("email", address.as_str()), ("password", "password1")],
        )
        .await
        .assert_redirects_to("/");
    visitor.get("/").await.assert_shows(">Sign out</button>");
}

#[tokio::test]
async fn a_refused_sign_up_shows_each_message_under_its_field_and_signs_nobody_in() {
    let site = Site::start().await;
    let visitor = site.visitor();

    let page = visitor
        .post(
            "/auth/signup",
            &[("email", "not-an-email"), ("password", "")],
        )
        .await;

    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    page.assert_error_under("email", "Email must be valid");
    page.assert_error_under("password", "Password must be between 4 and 30 characters");
    page.assert_shows("value=\"not-an-email\"");
    visitor.get("/").await.assert_shows(">Sign in</a>");
}

#[tokio::test]
async fn wrong_credentials_are_reported_on_the_sign_in_form() {
    let site = Site::start().await;
    let visitor = site.visitor();

    let page = visitor
        .post(
            "/auth/signin",
            &[("email", "nobody@example.com"), ("password", "password1")],
        )
        .await;

    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    page.assert_shows("<li>Invalid credentials</li>");
    assert!(
        !page.html.contains("password1"),
        "the password is not echoed"
    );
}
