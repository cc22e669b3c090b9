//! What one purchase's trace must hold: each step's span, in the service that does it,
//! and the span it is a child of (docs/operations.md, "Following one purchase").

/// A span the trace must contain.
pub struct Step {
    pub service: &'static str,
    /// The span's name: `<method> <route>` for a request, `process <event>` for a
    /// listener's handling, `stripe <operation>` for a call to Stripe.
    pub name: &'static str,
    pub parent: Parent,
}

pub enum Parent {
    /// The buyer's own span, whose `traceparent` the buyer's requests carry.
    Buyer,
    /// An earlier step of [`PURCHASE`], by its index.
    Step(usize),
}

/// The reservation and the payment are the buyer's two requests. Each event's
/// handling is a child of the span that staged the event: a request's, or another
/// handling's.
pub const PURCHASE: [Step; 8] = [
    Step {
        service: "orders",
        name: "POST /api/orders",
        parent: Parent::Buyer,
    },
    Step {
        service: "tickets",
        name: "process order:created",
        parent: Parent::Step(0),
    },
    Step {
        service: "payments",
        name: "process order:created",
        parent: Parent::Step(0),
    },
    Step {
        service: "expiration",
        name: "process order:created",
        parent: Parent::Step(0),
    },
    Step {
        service: "payments",
        name: "POST /api/payments",
        parent: Parent::Buyer,
    },
    Step {
        service: "payments",
        name: "stripe create_payment_intent",
        parent: Parent::Step(4),
    },
    Step {
        service: "orders",
        name: "process payment:created",
        parent: Parent::Step(4),
    },
    Step {
        service: "tickets",
        name: "process order:completed",
        parent: Parent::Step(6),
    },
];

use super::receiver::ReceivedSpan;

/// What of [`PURCHASE`] the spans of `trace_id` lack; empty when the trace is whole.
/// A request the buyer retried (a 404 before the service knew the ticket) has several
/// spans of one name; a step is there when any of its spans has the right parent.
pub fn missing(spans: &[ReceivedSpan], trace_id: &str, buyer_span_id: &str) -> Vec<String> {
    let in_trace: Vec<&ReceivedSpan> = spans
        .iter()
        .filter(|span| span.trace_id == trace_id)
        .collect();
    let mut found: Vec<Vec<&str>> = Vec::new();
    let mut problems = Vec::new();
    for step in &PURCHASE {
        let parents: Vec<&str> = match step.parent {
            Parent::Buyer => vec![buyer_span_id],
            Parent::Step(index) => found[index].clone(),
        };
        let matching: Vec<&str> = in_trace
            .iter()
            .filter(|span| span.service == step.service && span.name == step.name)
            .filter(|span| parents.contains(&span.parent_span_id.as_str()))
            .map(|span| span.span_id.as_str())
            .collect();
        if matching.is_empty() {
            let parent = match step.parent {
                Parent::Buyer => "the buyer's span".to_owned(),
                Parent::Step(index) => format!(
                    "\"{}\" in {}",
                    PURCHASE[index].name, PURCHASE[index].service
                ),
            };
            problems.push(format!(
                "no \"{}\" span from {} as a child of {parent}",
                step.name, step.service
            ));
        }
        found.push(matching);
    }
    problems
}

/// The spans of `trace_id` as an indented tree, each with its service and how long
/// it took after the trace began, children in the order they started.
pub fn tree(spans: &[ReceivedSpan], trace_id: &str) -> String {
    let mut in_trace: Vec<&ReceivedSpan> = spans
        .iter()
        .filter(|span| span.trace_id == trace_id)
        .collect();
    in_trace.sort_by_key(|span| span.start_unix_nano);
    let began = in_trace.first().map_or(0, |span| span.start_unix_nano);
    let known = |id: &str| in_trace.iter().any(|span| span.span_id == id);
    let mut out = String::new();
    let roots: Vec<&ReceivedSpan> = in_trace
        .iter()
        .filter(|span| !known(&span.parent_span_id))
        .copied()
        .collect();
    for root in roots {
        branch(&mut out, &in_trace, root, began, 0);
    }
    out
}

fn branch(
    out: &mut String,
    spans: &[&ReceivedSpan],
    span: &ReceivedSpan,
    began: u64,
    depth: usize,
) {
    let ms = |nanos: u64| nanos.saturating_sub(began) as f64 / 1e6;
    out.push_str(&format!(
        "    {:indent$}{} [{}] {:.1}–{:.1} ms\n",
        "",
        span.name,
        span.service,
        ms(span.start_unix_nano),
        ms(span.end_unix_nano),
        indent = depth * 2
    ));
    for child in spans
        .iter()
        .filter(|child| child.parent_span_id == span.span_id)
    {
        branch(out, spans, child, began, depth + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
    const BUYER: &str = "00f067aa0ba902b7";

    fn span(step: usize, parent: &str) -> ReceivedSpan {
        ReceivedSpan {
            service: PURCHASE[step].service.to_owned(),
            name: PURCHASE[step].name.to_owned(),
            trace_id: TRACE.to_owned(),
            span_id: format!("{step:016x}"),
            parent_span_id: parent.to_owned(),
            start_unix_nano: 0,
            end_unix_nano: 0,
        }
    }

    /// The whole purchase, each span with its documented parent.
    fn whole() -> Vec<ReceivedSpan> {
        PURCHASE
            .iter()
            .enumerate()
            .map(|(step, expected)| match expected.parent {
                Parent::Buyer => span(step, BUYER),
                Parent::Step(parent) => span(step, &format!("{parent:016x}")),
            })
            .collect()
    }

    #[test]
    fn the_tree_shows_each_child_under_its_parent() {
        let tree = tree(&whole(), TRACE);
        let lines: Vec<&str> = tree.lines().collect();
        assert!(
            lines[0].starts_with("    POST /api/orders [orders]"),
            "{tree}"
        );
        assert!(
            lines[1].starts_with("      process order:created [tickets]"),
            "{tree}"
        );
        assert!(
            lines
                .iter()
                .any(|line| line.starts_with("        process order:completed [tickets]")),
            "{tree}"
        );
    }

    #[test]
    fn a_whole_purchase_lacks_nothing() {
        assert_eq!(missing(&whole(), TRACE, BUYER), Vec::<String>::new());
    }

    #[test]
    fn a_step_missing_is_named_and_so_are_the_steps_under_it() {
        let mut spans = whole();
        spans.retain(|span| span.name != "process payment:created");
        let problems = missing(&spans, TRACE, BUYER);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("process payment:created"));
        assert!(problems[1].contains("process order:completed"));
    }

    #[test]
    fn a_handling_with_another_parent_or_in_another_trace_does_not_count() {
        let mut spans = whole();
        spans[1].parent_span_id = BUYER.to_owned();
        spans[3].trace_id = "0".repeat(32);
        let problems = missing(&spans, TRACE, BUYER);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("tickets"), "{problems:?}");
        assert!(problems[1].contains("expiration"), "{problems:?}");
    }

    #[test]
    fn a_retried_request_counts_once_any_of_its_spans_has_the_right_children() {
        let mut spans = whole();
        let mut refused = span(4, BUYER);
        refused.span_id = "ffffffffffffffff".to_owned();
        spans.insert(0, refused);
        assert_eq!(missing(&spans, TRACE, BUYER), Vec::<String>::new());
    }
}
