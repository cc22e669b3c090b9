//! Each Deployment's env is exactly what its service's configuration needs: the
//! service's own `Config` reads it (so every required variable is there and valid),
//! and every variable set is one the configuration asked for.

use std::collections::BTreeMap;

use deploy_check::Value;
use settings::{ConfigError, Env};

use crate::{container, name_of, overlays, service_deployments};

/// Runs the service's real configuration reader on `env`.
fn read_config(service: &str, env: &Env) -> Result<(), ConfigError> {
    match service {
        "auth" => auth::Config::from(env).map(drop),
        "tickets" => tickets::Config::from(env).map(drop),
        "orders" => orders::Config::from(env).map(drop),
        "expiration" => expiration::Config::from(env, "expiration").map(drop),
        "payments" => payments::Config::from(env).map(drop),
        "client" => client::Config::from(env).map(drop),
        other => panic!("deployment of an unknown service {other}: add its Config here"),
    }
}

/// The container's env, with each secret and field reference standing for a value: a
/// secret as a long random-looking string (as infra/create-secrets.sh makes them, long
/// enough for the production checks on JWT_KEY), a field as its path.
pub fn env_of(container: &Value) -> BTreeMap<String, String> {
    container["env"]
        .as_sequence()
        .expect("an env list")
        .iter()
        .map(|variable| {
            let name = variable["name"].as_str().unwrap().to_owned();
            let source = &variable["valueFrom"];
            let value = match variable["value"].as_str() {
                Some(value) => value.to_owned(),
                None if source["secretKeyRef"].is_mapping() => {
                    let secret = &source["secretKeyRef"];
                    format!(
                        "secret-{}-{}-{}",
                        secret["name"].as_str().unwrap(),
                        secret["key"].as_str().unwrap(),
                        "5f3c".repeat(16)
                    )
                }
                None if source["fieldRef"].is_mapping() => {
                    format!(
                        "field-{}",
                        source["fieldRef"]["fieldPath"].as_str().unwrap()
                    )
                }
                None => panic!("{name} has neither a value nor a secret or field reference"),
            };
            (name, value)
        })
        .collect()
}

/// What every service process reads apart from its `Config`: as whom and where it
/// sends its traces, the OpenTelemetry variables, which its tracing set-up
/// (crates/telemetry) and the OTLP exporter read from the process's environment.
/// observability.rs checks their values.
pub const OTEL_VARIABLES: [&str; 3] = [
    "OTEL_SERVICE_NAME",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_PROTOCOL",
];

#[test]
fn every_deployment_sets_what_its_service_requires_and_nothing_it_does_not_read() {
    for deployment in overlays().iter().flat_map(service_deployments) {
        let container = container(deployment);
        let service = container["name"].as_str().unwrap();
        let variables = env_of(container);
        let env = Env::from_map(variables.clone());

        let read = read_config(service, &env);

        assert!(
            read.is_ok(),
            "{}: {}",
            name_of(deployment),
            read.unwrap_err()
        );
        let names_read = env.names_read();
        for name in variables.keys() {
            assert!(
                names_read.contains(name.as_str()) || OTEL_VARIABLES.contains(&name.as_str()),
                "{} sets {name}, which {service} never reads",
                name_of(deployment)
            );
        }
    }
}

/// Every variable that holds a secret, and the one (Secret, key) it comes from, with
/// `{service}` standing for the Deployment's service: each service reads its own
/// database credentials and its own NATS password, never another's. Pinning the key
/// per variable also keeps Stripe's secret key out of the web client, which puts the
/// publishable key into its pages. docs/operations.md lists these Secrets, and
/// infra/create-secrets.sh makes them.
const SECRET_VARIABLES: &[(&str, &str, &str)] = &[
    ("JWT_KEY", "jwt-secret", "JWT_KEY"),
    ("MONGO_URL", "{service}-mongo-credentials", "MONGO_URL"),
    ("NATS_PASSWORD", "nats-credentials", "{service}"),
    ("STRIPE_SECRET_KEY", "stripe-secret", "STRIPE_KEY"),
    (
        "STRIPE_WEBHOOK_SECRET",
        "stripe-secret",
        "STRIPE_WEBHOOK_SECRET",
    ),
    (
        "STRIPE_PUBLISHABLE_KEY",
        "stripe-secret",
        "STRIPE_PUBLISHABLE_KEY",
    ),
];

#[test]
fn each_secret_variable_comes_from_its_documented_secret_and_the_services_own_key() {
    for deployment in overlays()
        .iter()
        .flat_map(|overlay| overlay.of_kind("Deployment"))
    {
        let container = container(deployment);
        let service = container["name"].as_str().unwrap();
        for variable in container["env"].as_sequence().unwrap() {
            let name = variable["name"].as_str().unwrap();
            let secret = &variable["valueFrom"]["secretKeyRef"];
            let documented = SECRET_VARIABLES
                .iter()
                .find(|(variable, _, _)| *variable == name);
            match documented {
                Some((_, secret_name, key)) => {
                    let secret_name = secret_name.replace("{service}", service);
                    let key = key.replace("{service}", service);
                    assert_eq!(
                        (secret["name"].as_str(), secret["key"].as_str()),
                        (Some(secret_name.as_str()), Some(key.as_str())),
                        "{} must read {name} from Secret {secret_name}, key {key}",
                        name_of(deployment)
                    );
                }
                None => assert!(
                    secret.is_null(),
                    "{} reads {name} from an undocumented secret {secret:?}",
                    name_of(deployment)
                ),
            }
        }
    }
}

/// `host` and `port` of a URL such as `mongodb://auth-mongo-srv:27017/?x=y`, when the
/// host is a cluster-local name (no dot).
pub fn cluster_address(value: &str) -> Option<(&str, u64)> {
    let (_, rest) = value.split_once("://")?;
    let authority = rest.split(['/', '?']).next()?;
    let (host, port) = authority.rsplit_once(':')?;
    if host.contains('.') {
        return None;
    }
    Some((host, port.parse().ok()?))
}

#[test]
fn every_cluster_address_in_an_env_is_a_service_and_one_of_its_ports() {
    for overlay in overlays() {
        check_cluster_addresses(overlay);
    }
}

fn check_cluster_addresses(overlay: &deploy_check::Overlay) {
    let services = overlay.of_kind("Service");
    for deployment in overlay.of_kind("Deployment") {
        for (name, value) in env_of(container(deployment)) {
            let Some((host, port)) = cluster_address(&value) else {
                continue;
            };
            let service = services
                .iter()
                .find(|service| service["metadata"]["name"].as_str() == Some(host))
                .unwrap_or_else(|| {
                    panic!(
                        "{} sets {name} to {value}, but there is no Service {host}",
                        name_of(deployment)
                    )
                });
            let ports = service["spec"]["ports"].as_sequence().unwrap();
            assert!(
                ports
                    .iter()
                    .any(|declared| declared["port"].as_u64() == Some(port)),
                "{} sets {name} to {value}, but Service {host} has no port {port}",
                name_of(deployment)
            );
        }
    }
}
