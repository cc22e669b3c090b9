//! Random inputs for "never a 5xx" tests: arbitrary JSON, huge and odd strings; and
//! holding a service's OpenAPI document to the routes it serves.

use rand::{Rng, seq::IndexedRandom};
use serde_json::{Map, Number, Value};

/// Strings that have broken parsers and databases before.
const NASTY: &[&str] = &[
    "",
    " ",
    "\u{0}",
    "$where",
    "{\"$gt\": \"\"}",
    "🎟️ Concert 演唱会 Konzert",
    "\u{202e}reversed",
    "a\nb\r\nc",
    "5f0000000000000000000000",
    "zzzzzzzzzzzzzzzzzzzzzzzz",
    "-1",
    "1e309",
    "NaN",
    "null",
];

/// A random string: nasty, unicode, or very long.
pub fn string(rng: &mut impl Rng) -> String {
    match rng.random_range(0..4) {
        0 => NASTY.choose(rng).copied().unwrap_or_default().to_owned(),
        1 => "é🎟".repeat(rng.random_range(1..200)),
        2 => "x".repeat(rng.random_range(1..20_000)),
        _ => (0..rng.random_range(1..40))
            .map(|_| char::from_u32(rng.random_range(0x20..0x2FFF)).unwrap_or('?'))
            .collect(),
    }
}

/// A random JSON value, nested up to `depth`.
pub fn json(rng: &mut impl Rng, depth: u32) -> Value {
    let pick = if depth == 0 {
        rng.random_range(0..5)
    } else {
        rng.random_range(0..7)
    };
    match pick {
        0 => Value::Null,
        1 => Value::Bool(rng.random()),
        2 => number(rng),
        3 | 4 => Value::String(string(rng)),
        5 => Value::Array(
            (0..rng.random_range(0..4))
                .map(|_| json(rng, depth - 1))
                .collect(),
        ),
        _ => Value::Object(object(rng, depth - 1, &[])),
    }
}

/// A random object that mostly uses `fields` (the route's real field names), with
/// random values, so validation gets exercised, not just the JSON parser.
pub fn object(rng: &mut impl Rng, depth: u32, fields: &[&str]) -> Map<String, Value> {
    let mut map = Map::new();
    for _ in 0..rng.random_range(0..5) {
        let key = match fields.choose(rng) {
            Some(field) if rng.random_bool(0.8) => (*field).to_owned(),
            _ => string(rng),
        };
        map.insert(key, json(rng, depth));
    }
    map
}

fn number(rng: &mut impl Rng) -> Value {
    match rng.random_range(0..5) {
        0 => Value::Number(rng.random::<i64>().into()),
        1 => Value::Number(rng.random_range(-5..5_i64).into()),
        2 => Number::from_f64(rng.random_range(-1e12..1e12)).map_or(Value::Null, Value::Number),
        3 => Number::from_f64(rng.random::<f64>() * 100.0).map_or(Value::Null, Value::Number),
        _ => Value::Number(u64::MAX.into()),
    }
}

/// A random string, percent-encoded to fit in a URL path segment.
pub fn url_segment(rng: &mut impl Rng) -> String {
    string(rng)
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' => char::from(byte).to_string(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// Sends `cases` random JSON bodies to every route (`{random}` in a path becomes a
/// random segment each time) and asserts that none gets a 5xx. Bodies are mostly
/// objects with the route's real `fields`, so validation is exercised, not just the
/// JSON parser. The seed is printed on failure to replay a case.
pub async fn assert_no_server_errors(
    client: &reqwest::Client,
    base_url: &str,
    routes: &[(reqwest::Method, &str)],
    fields: &[&str],
    cases: usize,
) {
    use rand::SeedableRng;
    let seed = rand::random();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    for case in 0..cases {
        let body = if rng.random_bool(0.7) {
            Value::Object(object(&mut rng, 2, fields))
        } else {
            json(&mut rng, 3)
        };
        for (method, template) in routes {
            let path = template.replace("{random}", &url_segment(&mut rng));
            let response = client
                .request(method.clone(), format!("{base_url}{path}"))
                .json(&body)
                .send()
                .await
                .expect("the service answers");
            assert!(
                !response.status().is_server_error(),
                "case {case} (seed {seed}): {method} {path} with {body} gave {}",
                response.status()
            );
        }
    }
}

/// Fetches the OpenAPI document at `document_path` and asserts that it lists exactly
/// the `expected` operations (`"POST /api/tickets"`, …, sorted), and that each one,
/// sent with no body, no session and `not-an-id` for every path parameter, answers
/// with a status the document gives for it, and not with the 404 of an unknown route
/// (no such request reaches a lookup). So the document lists every route the service
/// serves, and the service serves every route the document lists.
pub async fn assert_documented_routes(base_url: &str, document_path: &str, expected: &[&str]) {
    let response = reqwest::get(format!("{base_url}{document_path}"))
        .await
        .expect("the service answers");
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let document: Value = response.json().await.expect("the document is JSON");
    let mut listed = Vec::new();
    for (path, item) in document["paths"].as_object().expect("a `paths` object") {
        for (method, operation) in item.as_object().expect("a path item") {
            listed.push(format!("{} {path}", method.to_uppercase()));
            let url = format!("{base_url}{}", with_bad_ids(path));
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes())
                .expect("an HTTP method");
            let status = reqwest::Client::new()
                .request(method, url)
                .send()
                .await
                .expect("the service answers")
                .status();
            let documented = operation["responses"].get(status.as_str()).is_some();
            assert!(
                documented && status != reqwest::StatusCode::NOT_FOUND,
                "{path}: a bare request got {status}"
            );
        }
    }
    listed.sort();
    assert_eq!(listed, expected);
}

/// `path` with `not-an-id` for each `{parameter}`.
fn with_bad_ids(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "not-an-id"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}
