//! Sign up, sign in and sign out. The auth API sets or clears the session cookie; the
//! page passes its `Set-Cookie` on to the browser with the redirect.

use axum::{
    Form,
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Redirect, Response},
};
use httpkit::FieldError;
use maud::{Markup, html};
use serde::Deserialize;

use super::{
    error::PageError,
    forms::{field_errors, form_errors, refusal},
    layout::page,
    visitor::Visitor,
};
use crate::state::AppState;

#[derive(Default, Deserialize)]
pub(crate) struct Credentials {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// Which of the two forms.
#[derive(Clone, Copy)]
enum Action {
    SignUp,
    SignIn,
}

impl Action {
    fn api_action(self) -> &'static str {
        match self {
            Self::SignUp => "signup",
            Self::SignIn => "signin",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Self::SignUp => "Sign up",
            Self::SignIn => "Sign in",
        }
    }
}

pub(crate) async fn signup_page(visitor: Visitor) -> Markup {
    form_page(Action::SignUp, &visitor, &Credentials::default(), &[])
}

pub(crate) async fn signin_page(visitor: Visitor) -> Markup {
    form_page(Action::SignIn, &visitor, &Credentials::default(), &[])
}

pub(crate) async fn signup(
    state: State<AppState>,
    visitor: Visitor,
    Form(credentials): Form<Credentials>,
) -> Result<Response, PageError> {
    authenticate(Action::SignUp, state, visitor, credentials).await
}

pub(crate) async fn signin(
    state: State<AppState>,
    visitor: Visitor,
    Form(credentials): Form<Credentials>,
) -> Result<Response, PageError> {
    authenticate(Action::SignIn, state, visitor, credentials).await
}

async fn authenticate(
    action: Action,
    State(state): State<AppState>,
    visitor: Visitor,
    credentials: Credentials,
) -> Result<Response, PageError> {
    let answer = state
        .api
        .authenticate(
            visitor.caller(),
            action.api_action(),
            &credentials.email,
            &credentials.password,
        )
        .await;
    match answer {
        Ok(answer) => Ok(redirect_with_cookies("/", answer.set_cookies)),
        Err(error) => {
            let status = error.status();
            let errors = refusal(error)?;
            // The password is not sent back into the page.
            let typed = Credentials {
                email: credentials.email,
                password: String::new(),
            };
            Ok((status, form_page(action, &visitor, &typed, &errors)).into_response())
        }
    }
}

pub(crate) async fn signout(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    let answer = state.api.sign_out(visitor.caller()).await?;
    Ok(redirect_with_cookies("/", answer.set_cookies))
}

fn redirect_with_cookies(to: &str, cookies: Vec<HeaderValue>) -> Response {
    let mut response = Redirect::to(to).into_response();
    for cookie in cookies {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

fn form_page(
    action: Action,
    visitor: &Visitor,
    typed: &Credentials,
    errors: &[FieldError],
) -> Markup {
    let path = format!("/auth/{}", action.api_action());
    let (other_prompt, other_link, other_label) = match action {
        Action::SignUp => ("Already have an account?", "/auth/signin", "Sign in"),
        Action::SignIn => ("New here?", "/auth/signup", "Sign up"),
    };
    let body = html! {
        h1 { (action.title()) }
        form.card method="post" action=(path) {
            label for="email" { "Email" }
            input #email type="email" name="email" autocomplete="email" required value=(typed.email);
            (field_errors(errors, "email"))
            label for="password" { "Password" }
            input #password type="password" name="password" required
                autocomplete=(match action { Action::SignUp => "new-password", Action::SignIn => "current-password" });
            (field_errors(errors, "password"))
            (form_errors(errors, &["email", "password"]))
            button type="submit" { (action.title()) }
        }
        p { (other_prompt) " " a href=(other_link) { (other_label) } }
    };
    page(action.title(), visitor.user.as_ref(), body)
}
