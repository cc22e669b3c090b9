//! Each Deployment's env is exactly what its service's configuration needs: the
//! service's own `Config` reads it (so every required variable is there and valid),
//! and every variable set is one the configuration asked for.

use std::collections::BTreeMap;

use common::config::{ConfigError, Env};
use deploy_check::{Value, objects_of_kind};

use crate::{container, deployments, name_of};

/// Runs the service's real configuration reader on `env`.
fn read_config(service: &str, env: &Env) -> Result<(), ConfigError> {
    match service {
        "auth" => auth::Config::from(env).map(drop),
        "tickets" => tickets::Config::from(env, "tickets").map(drop),
        "orders" => orders::Config::from(env).map(drop),
        "expiration" => expiration::Config::from(env, "expiration").map(drop),
        "payments" => payments::Config::from(env).map(drop),
        "client" => client::Config::from(env).map(drop),
        other => panic!("deployment of an unknown service {other}: add its Config here"),
    }
}

/// The container's env, with each secret reference standing for a value.
fn env_of(container: &Value) -> BTreeMap<String, String> {
    container["env"]
        .as_sequence()
        .expect("an env list")
        .iter()
        .map(|variable| {
            let name = variable["name"].as_str().unwrap().to_owned();
            let value = match variable["value"].as_str() {
                Some(value) => value.to_owned(),
                None => {
                    let secret = &variable["valueFrom"]["secretKeyRef"];
                    assert!(
                        secret.is_mapping(),
                        "{name} has neither a value nor a secret"
                    );
                    format!("from-secret-{}", secret["name"].as_str().unwrap())
                }
            };
            (name, value)
        })
        .collect()
}

#[test]
fn every_deployment_sets_what_its_service_requires_and_nothing_it_does_not_read() {
    for deployment in deployments() {
        let container = container(&deployment);
        let service = container["name"].as_str().unwrap();
        let variables = env_of(container);
        let env = Env::from_map(variables.clone());

        let read = read_config(service, &env);

        assert!(
            read.is_ok(),
            "{}: {}",
            name_of(&deployment),
            read.unwrap_err()
        );
        let names_read = env.names_read();
        for name in variables.keys() {
            assert!(
                names_read.contains(name.as_str()),
                "{} sets {name}, which {service} never reads",
                name_of(&deployment)
            );
        }
    }
}

/// Every variable that holds a secret, and the one (Secret, key) it comes from: the
/// two Secrets the README tells the operator to create. Pinning the key per variable
/// keeps Stripe's secret key out of the web client, which puts the publishable key
/// into its pages.
const SECRET_VARIABLES: &[(&str, &str, &str)] = &[
    ("JWT_KEY", "jwt-secret", "JWT_KEY"),
    ("STRIPE_SECRET_KEY", "stripe-secret", "STRIPE_KEY"),
    (
        "STRIPE_PUBLISHABLE_KEY",
        "stripe-secret",
        "STRIPE_PUBLISHABLE_KEY",
    ),
];

#[test]
fn secrets_come_from_the_two_documented_kubernetes_secrets() {
    for deployment in deployments() {
        for variable in container(&deployment)["env"].as_sequence().unwrap() {
            let name = variable["name"].as_str().unwrap();
            let secret = &variable["valueFrom"]["secretKeyRef"];
            let documented = SECRET_VARIABLES
                .iter()
                .find(|(variable, _, _)| *variable == name);
            match documented {
                Some((_, secret_name, key)) => {
                    assert_eq!(
                        (secret["name"].as_str(), secret["key"].as_str()),
                        (Some(*secret_name), Some(*key)),
                        "{} must read {name} from Secret {secret_name}, key {key}",
                        name_of(&deployment)
                    );
                }
                None => assert!(
                    secret.is_null(),
                    "{} reads {name} from an undocumented secret {secret:?}",
                    name_of(&deployment)
                ),
            }
        }
    }
}

/// `host` and `port` of a URL such as `mongodb://auth-mongo-srv:27017/?x=y`, when the
/// host is a cluster-local name (no dot).
fn cluster_address(value: &str) -> Option<(&str, u64)> {
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
    let services = objects_of_kind("Service");
    for deployment in deployments() {
        for (name, value) in env_of(container(&deployment)) {
            let Some((host, port)) = cluster_address(&value) else {
                continue;
            };
            let service = services
                .iter()
                .find(|service| service["metadata"]["name"].as_str() == Some(host))
                .unwrap_or_else(|| {
                    panic!(
                        "{} sets {name} to {value}, but there is no Service {host}",
                        name_of(&deployment)
                    )
                });
            let ports = service["spec"]["ports"].as_sequence().unwrap();
            assert!(
                ports
                    .iter()
                    .any(|declared| declared["port"].as_u64() == Some(port)),
                "{} sets {name} to {value}, but Service {host} has no port {port}",
                name_of(&deployment)
            );
        }
    }
}
