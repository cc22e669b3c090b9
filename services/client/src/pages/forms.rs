//! Showing an API's refusal next to the form that caused it: messages that name a
//! field go under that field, the rest above the submit button.

use axum::http::StatusCode;
use httpkit::FieldError;
use maud::{Markup, html};

use super::error::PageError;
use crate::api::ApiError;

/// The messages a refused form shows. An API that is down is not the form's fault,
/// so that stays a [`PageError`], unless it said what cannot be done just now
/// (payments, when Stripe cannot be reached): that is shown beside the form to try
/// again.
pub(crate) fn refusal(error: ApiError) -> Result<Vec<FieldError>, PageError> {
    match error {
        ApiError::Refused {
            status: StatusCode::UNAUTHORIZED,
            ..
        } => Err(PageError::SignInFirst),
        ApiError::Refused { errors, .. } => Ok(errors),
        ApiError::Unavailable { detail, said } if !said.is_empty() => {
            tracing::warn!(%detail, "an API cannot do what a form asked just now");
            Ok(said)
        }
        unavailable @ ApiError::Unavailable { .. } => Err(unavailable.into()),
    }
}

/// The messages about `field`, to put right under its input.
pub(crate) fn field_errors(errors: &[FieldError], field: &str) -> Markup {
    html! {
        @for error in errors.iter().filter(|error| error.field.as_deref() == Some(field)) {
            p.field-error role="alert" { (error.message) }
        }
    }
}

/// The messages about none of `fields`: the form as a whole.
pub(crate) fn form_errors(errors: &[FieldError], fields: &[&str]) -> Markup {
    let general: Vec<_> = errors
        .iter()
        .filter(|error| {
            error
                .field
                .as_deref()
                .is_none_or(|field| !fields.contains(&field))
        })
        .collect();
    html! {
        @if !general.is_empty() {
            ul.form-errors role="alert" {
                @for error in general { li { (error.message) } }
            }
        }
    }
}
