//! Who may do what on the event bus, derived from the event table
//! ([`Subject::publisher`], [`Subject::consumers`]) and written out as the NATS
//! server's `authorization` block.
//!
//! Each service connects as the user of its name and may publish only the events it
//! announces, plus exactly the JetStream API requests its stream, its durable
//! consumers and their acks need. It subscribes only to its own inbox prefix, where
//! JetStream answers its requests and delivers its pulled messages, so it cannot
//! read another service's replies. Nobody but the operator may update, purge or
//! delete the stream, delete a consumer, or publish on a subject the table does not
//! give them; there is no anonymous user. The same text configures the servers of
//! the tests, `cargo xtask dev` and `cargo xtask chaos`, and Kubernetes.

use std::fmt::Write;

use super::subjects::{ServiceName, Subject, durable_name};

/// The user for people and tools that manage the stream (and for tests that play
/// another service). It may do everything; services never connect as it.
pub const OPERATOR_USER: &str = "operator";

/// What one user may publish and subscribe to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permissions {
    pub publish: Vec<String>,
    pub subscribe: Vec<String>,
}

/// The inbox prefix a service's connection uses for replies. Each service has its
/// own, so no service can subscribe to another's answers.
pub fn inbox_prefix(user: &str) -> String {
    format!("_INBOX_{user}")
}

/// The environment variable the NATS server reads a user's password from, e.g.
/// `NATS_PASSWORD_TICKETS`.
pub fn password_variable(user: &str) -> String {
    format!("NATS_PASSWORD_{}", user.to_ascii_uppercase())
}

/// What `service` may do in `namespace` (the stream and subject prefix; the tests'
/// servers pass `*`, one token of any value, since every test world has a namespace
/// of its own).
pub fn permissions(service: ServiceName, namespace: &str) -> Permissions {
    let stream = namespace;
    let mut publish = vec![
        // Looked up, and created if missing, by every service as it starts.
        format!("$JS.API.STREAM.INFO.{stream}"),
        format!("$JS.API.STREAM.CREATE.{stream}"),
    ];
    for subject in Subject::ALL {
        if subject.publisher() == service {
            publish.push(format!("{namespace}.{subject}"));
        }
    }
    for subject in Subject::ALL {
        if !subject.consumers().contains(&service) {
            continue;
        }
        let consumer = durable_name(service.as_str(), subject);
        publish.extend([
            format!("$JS.API.CONSUMER.INFO.{stream}.{consumer}"),
            // The create subject names the filter; the server refuses a consumer whose
            // filter differs, so this allows exactly this subject's consumer.
            format!("$JS.API.CONSUMER.CREATE.{stream}.{consumer}.{namespace}.{subject}"),
            format!("$JS.API.CONSUMER.MSG.NEXT.{stream}.{consumer}"),
            format!("$JS.ACK.{stream}.{consumer}.>"),
            // Where the listener keeps a copy of an event it gives up on.
            format!("{namespace}.deadletter.{subject}"),
        ]);
    }
    Permissions {
        publish,
        subscribe: vec![format!("{}.>", inbox_prefix(service.as_str()))],
    }
}

/// The server's `authorization` block for `namespace`: one user per service plus the
/// operator, each password read from the server's environment
/// ([`password_variable`]), so the text itself holds no secret.
pub fn authorization_conf(namespace: &str) -> String {
    let mut text = String::from(
        "# Generated from the event table in crates/marketplace/src/events (access.rs);\n\
         # do not edit. Passwords come from the server's environment.\n\
         authorization {\n  users: [\n",
    );
    for service in ServiceName::ALL {
        let permissions = permissions(service, namespace);
        write_user(&mut text, service.as_str(), Some(&permissions));
    }
    write_user(&mut text, OPERATOR_USER, None);
    text.push_str("  ]\n}\n");
    text
}

/// One entry of the users list; `None` permissions: everything.
fn write_user(text: &mut String, user: &str, permissions: Option<&Permissions>) {
    let _ = writeln!(text, "    {{");
    let _ = writeln!(text, "      user: \"{user}\"");
    let _ = writeln!(text, "      password: ${}", password_variable(user));
    if let Some(permissions) = permissions {
        let _ = writeln!(text, "      permissions: {{");
        write_list(text, "publish", &permissions.publish);
        write_list(text, "subscribe", &permissions.subscribe);
        let _ = writeln!(text, "      }}");
    }
    let _ = writeln!(text, "    }}");
}

fn write_list(text: &mut String, direction: &str, subjects: &[String]) {
    let _ = writeln!(text, "        {direction}: {{ allow: [");
    for subject in subjects {
        let _ = writeln!(text, "          \"{subject}\"");
    }
    let _ = writeln!(text, "        ] }}");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn publishes(service: ServiceName, subject: &str) -> bool {
        permissions(service, "ticketing")
            .publish
            .iter()
            .any(|allowed| allowed == subject)
    }

    #[test]
    fn a_service_may_publish_its_own_events_and_no_one_elses() {
        assert!(publishes(
            ServiceName::Payments,
            "ticketing.payment:created"
        ));
        assert!(!publishes(
            ServiceName::Tickets,
            "ticketing.payment:created"
        ));
        assert!(!publishes(
            ServiceName::Orders,
            "ticketing.expiration:complete"
        ));
    }

    #[test]
    fn no_service_may_delete_purge_or_update_the_stream() {
        for service in ServiceName::ALL {
            for allowed in permissions(service, "ticketing").publish {
                for forbidden in ["DELETE", "PURGE", "UPDATE", "MSG.DELETE"] {
                    assert!(
                        !allowed.contains(&format!("STREAM.{forbidden}")),
                        "{service} may {allowed}"
                    );
                }
                assert!(!allowed.contains('*') && !allowed.ends_with("API.>"));
            }
        }
    }

    #[test]
    fn a_consumer_may_create_and_pull_only_its_own_durable_consumers() {
        let orders = permissions(ServiceName::Orders, "ticketing").publish;
        assert!(
            orders
                .contains(&"$JS.API.CONSUMER.MSG.NEXT.ticketing.orders-payment-created".to_owned())
        );
        assert!(
            !orders
                .iter()
                .any(|allowed| allowed.contains("tickets-order-created"))
        );
    }

    #[test]
    fn every_user_has_a_password_variable_and_the_operator_has_no_limits() {
        let conf = authorization_conf("ticketing");
        for service in ServiceName::ALL {
            assert!(conf.contains(&format!(
                "password: ${}",
                password_variable(service.as_str())
            )));
        }
        let operator = conf.split("user: \"operator\"").nth(1).unwrap();
        assert!(!operator.contains("permissions"));
    }
}
