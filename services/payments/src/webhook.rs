//! Stripe's events, as its webhooks deliver them: the signature that proves an event
//! came from Stripe, and the two events this service acts on.
//!
//! Stripe signs `"<t>.<body>"` with HMAC-SHA256 keyed by the endpoint's secret and
//! sends `Stripe-Signature: t=<t>,v1=<hex>` (more than one `v1` while a secret is
//! being rolled). An event older than five minutes is refused, so a captured one
//! cannot be replayed later.

use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::Value;
use sha2::Sha256;

/// How far an event's timestamp may be from now, as Stripe's own libraries allow.
pub(crate) const TOLERANCE_SECONDS: i64 = 300;

/// Why an event was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum SignatureRefused {
    #[error("the Stripe-Signature header is missing or malformed")]
    Malformed,
    #[error("the event was signed more than five minutes from now")]
    OutOfTolerance,
    #[error("no signature in Stripe-Signature matches the endpoint's secret")]
    NoMatch,
}

/// Checks `header` against `body` at `now` (Unix seconds).
pub(crate) fn verify(
    secret: &str,
    header: &str,
    body: &[u8],
    now: i64,
) -> Result<(), SignatureRefused> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => signatures.push(value),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureRefused::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureRefused::Malformed);
    }
    if (now - timestamp).abs() > TOLERANCE_SECONDS {
        return Err(SignatureRefused::OutOfTolerance);
    }
    let matches = signatures.iter().any(|signature| {
        let Ok(expected) = hex::decode(signature) else {
            return false;
        };
        let mut mac = signer(secret);
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        // Compared in constant time.
        mac.verify_slice(&expected).is_ok()
    });
    if matches {
        Ok(())
    } else {
        Err(SignatureRefused::NoMatch)
    }
}

fn signer(secret: &str) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length")
}

/// What an event says, of the events this service acts on.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum StripeEvent {
    /// A charge was refunded in full (by support, or by this service itself).
    ChargeRefunded {
        payment_intent: String,
        refund_id: Option<String>,
    },
    /// A charge was refunded in part: left to support, who decide what the seller keeps.
    ChargePartlyRefunded { payment_intent: String },
    /// A connected account changed, perhaps finishing onboarding. Only its id is
    /// taken: the service asks Stripe for the account itself.
    AccountUpdated { account_id: String },
    /// Any other event: acknowledged and ignored.
    Other(String),
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: String,
    data: EventData,
}

#[derive(Deserialize)]
struct EventData {
    object: Value,
}

/// Reads a verified event's body.
pub(crate) fn parse(body: &[u8]) -> Result<StripeEvent, serde_json::Error> {
    let Envelope { kind, data } = serde_json::from_slice(body)?;
    let object = data.object;
    let text = |field: &str| object.get(field).and_then(Value::as_str).map(str::to_owned);
    Ok(match kind.as_str() {
        "charge.refunded" => {
            let payment_intent = text("payment_intent").unwrap_or_default();
            if object.get("refunded").and_then(Value::as_bool) == Some(true) {
                let refund_id = object
                    .pointer("/refunds/data/0/id")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                StripeEvent::ChargeRefunded {
                    payment_intent,
                    refund_id,
                }
            } else {
                StripeEvent::ChargePartlyRefunded { payment_intent }
            }
        }
        "account.updated" => StripeEvent::AccountUpdated {
            account_id: text("id").unwrap_or_default(),
        },
        _ => StripeEvent::Other(kind),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";

    fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
        let mut mac = signer(secret);
        mac.update(format!("{timestamp}.").as_bytes());
        mac.update(body);
        let signature = hex::encode(mac.finalize().into_bytes());
        format!("t={timestamp},v1={signature}")
    }

    #[test]
    fn a_signature_made_with_the_secret_is_accepted_and_any_change_refused() {
        let body = br#"{"type":"charge.refunded"}"#;
        let header = sign(SECRET, 1_000, body);
        assert_eq!(verify(SECRET, &header, body, 1_010), Ok(()));
        assert_eq!(
            verify(SECRET, &header, br#"{"type":"charge.refunded "}"#, 1_010),
            Err(SignatureRefused::NoMatch)
        );
        assert_eq!(
            verify("whsec_other", &header, body, 1_010),
            Err(SignatureRefused::NoMatch)
        );
        let other_time = header.replace("t=1000", "t=1001");
        assert_eq!(
            verify(SECRET, &other_time, body, 1_010),
            Err(SignatureRefused::NoMatch)
        );
    }

    #[test]
    fn an_old_or_malformed_signature_is_refused_and_a_rolled_secret_still_matches() {
        let body = b"{}";
        let header = sign(SECRET, 1_000, body);
        assert_eq!(
            verify(SECRET, &header, body, 1_000 + TOLERANCE_SECONDS + 1),
            Err(SignatureRefused::OutOfTolerance)
        );
        for malformed in ["", "t=1000", "v1=abcd", "t=x,v1=ab"] {
            assert_eq!(
                verify(SECRET, malformed, body, 1_000),
                Err(SignatureRefused::Malformed),
                "{malformed}"
            );
        }
        let rolled = format!("{},v1=00ff", sign(SECRET, 1_000, body));
        assert_eq!(verify(SECRET, &rolled, body, 1_000), Ok(()));
    }

    #[test]
    fn a_full_refund_a_partial_one_and_other_events_read_apart() {
        let full = br#"{"type":"charge.refunded","data":{"object":{"payment_intent":"pi_1","refunded":true,"refunds":{"data":[{"id":"re_1"}]}}}}"#;
        assert_eq!(
            parse(full).unwrap(),
            StripeEvent::ChargeRefunded {
                payment_intent: "pi_1".to_owned(),
                refund_id: Some("re_1".to_owned())
            }
        );
        let partial = br#"{"type":"charge.refunded","data":{"object":{"payment_intent":"pi_1","refunded":false}}}"#;
        assert!(matches!(
            parse(partial).unwrap(),
            StripeEvent::ChargePartlyRefunded { .. }
        ));
        let other = br#"{"type":"customer.created","data":{"object":{}}}"#;
        assert_eq!(
            parse(other).unwrap(),
            StripeEvent::Other("customer.created".to_owned())
        );
    }
}
