//! infra/create-secrets.sh makes every Secret the manifests read, with the keys they
//! read, and values that work together: each MONGO_URL names its database's members,
//! user and password; and docs/operations.md lists every Secret. The script runs here
//! against a stand-in kubectl that records what it is asked to create.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
    process::Command,
};

use deploy_check::{NAMESPACE, Overlay, name_of, repo_root};

use crate::{all_containers, ingress::TLS_SECRET, number, overlays, pod_spec};

/// A kubectl that answers `get secret` with "not found" and, for `create secret
/// generic NAME --from-file=KEY=PATH...`, copies each file to `$RECORD/NAME/KEY`.
const FAKE_KUBECTL: &str = r#"#!/usr/bin/env bash
set -euo pipefail
echo "$*" >>"$RECORD/calls"
[[ " $* " == *" get secret "* ]] && exit 1
name=
previous=
for arg in "$@"; do
    [[ $previous == generic ]] && name=$arg
    previous=$arg
done
mkdir -p "$RECORD/$name"
for arg in "$@"; do
    if [[ $arg == --from-file=* ]]; then
        pair=${arg#--from-file=}
        cp "${pair#*=}" "$RECORD/$name/${pair%%=*}"
    fi
done
"#;

/// Every (Secret, key) the script created, with its value; and its kubectl calls.
fn run_script(members: u64) -> (BTreeMap<(String, String), String>, String) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("create-secrets-{members}"));
    let _ = std::fs::remove_dir_all(&dir);
    let record = dir.join("record");
    std::fs::create_dir_all(&record).unwrap();
    let kubectl = dir.join("kubectl");
    std::fs::write(&kubectl, FAKE_KUBECTL).unwrap();
    Command::new("chmod")
        .arg("+x")
        .arg(&kubectl)
        .status()
        .unwrap();

    let output = Command::new("bash")
        .arg(repo_root().join("infra/create-secrets.sh"))
        .args(["--members", &members.to_string()])
        .args(["--stripe-secret-key", "sk_test_from_arguments"])
        .args(["--stripe-webhook-secret", "whsec_test_from_arguments"])
        .env("STRIPE_PUBLISHABLE_KEY", "pk_test_from_env")
        .env("KUBECTL", &kubectl)
        .env("RECORD", &record)
        .output()
        .expect("run infra/create-secrets.sh");
    assert!(
        output.status.success(),
        "create-secrets.sh failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let mut created = BTreeMap::new();
    for secret in std::fs::read_dir(&record).unwrap() {
        let secret = secret.unwrap().path();
        if !secret.is_dir() {
            continue;
        }
        for key in std::fs::read_dir(&secret).unwrap() {
            let key = key.unwrap().path();
            created.insert(
                (file_name(&secret), file_name(&key)),
                std::fs::read_to_string(&key).unwrap(),
            );
        }
    }
    let calls = std::fs::read_to_string(record.join("calls")).unwrap();
    (created, calls)
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// Every (Secret, key) the workloads of an overlay read, and the Ingress' certificate.
fn referenced(overlay: &Overlay) -> BTreeSet<(String, String)> {
    let mut references = BTreeSet::new();
    for workload in overlay.workloads() {
        for container in all_containers(workload) {
            for variable in container["env"].as_sequence().into_iter().flatten() {
                let secret = &variable["valueFrom"]["secretKeyRef"];
                if let (Some(name), Some(key)) = (secret["name"].as_str(), secret["key"].as_str()) {
                    references.insert((name.to_owned(), key.to_owned()));
                }
            }
        }
        for volume in pod_spec(workload)["volumes"]
            .as_sequence()
            .into_iter()
            .flatten()
        {
            if let Some(name) = volume["secret"]["secretName"].as_str() {
                for item in volume["secret"]["items"]
                    .as_sequence()
                    .expect("secret items")
                {
                    references.insert((name.to_owned(), item["key"].as_str().unwrap().to_owned()));
                }
            }
        }
    }
    references
}

fn members_of(overlay: &Overlay, database: &str) -> u64 {
    number(&overlay.named("StatefulSet", database).unwrap()["spec"]["replicas"])
}

#[test]
fn the_script_creates_every_secret_key_the_manifests_read_with_values_that_fit_together() {
    for overlay in overlays() {
        let members = members_of(overlay, "auth-mongo");
        let (created, calls) = run_script(members);
        assert!(
            calls
                .lines()
                .all(|call| call.starts_with(&format!("--namespace {NAMESPACE} "))),
            "every kubectl call names the namespace:\n{calls}"
        );
        for call in calls.lines() {
            assert!(
                !created
                    .values()
                    .any(|value| value.len() > 8 && call.contains(value.as_str())),
                "a secret value on kubectl's command line: {call}"
            );
        }
        for (secret, key) in referenced(overlay) {
            if secret == TLS_SECRET {
                continue; // The certificate step of docs/operations.md makes it.
            }
            assert!(
                created.contains_key(&(secret.clone(), key.clone())),
                "{}: the manifests read key {key} of Secret {secret}, which the script does not create",
                overlay.name
            );
        }
        let value = |secret: &str, key: &str| created[&(secret.to_owned(), key.to_owned())].clone();
        assert!(
            value("jwt-secret", "JWT_KEY").len() >= 32,
            "JWT_KEY of 32 bytes or more"
        );
        assert_eq!(
            value("stripe-secret", "STRIPE_KEY"),
            "sk_test_from_arguments"
        );
        assert_eq!(
            value("stripe-secret", "STRIPE_PUBLISHABLE_KEY"),
            "pk_test_from_env"
        );
        assert_eq!(
            value("stripe-secret", "STRIPE_WEBHOOK_SECRET"),
            "whsec_test_from_arguments"
        );

        for database in overlay
            .of_kind("StatefulSet")
            .into_iter()
            .filter(|set| set["metadata"]["labels"]["app.kubernetes.io/component"] == "database")
        {
            let service = name_of(database).strip_suffix("-mongo").unwrap();
            let credentials = format!("{service}-mongo-credentials");
            let password = value(&credentials, "password");
            let hosts: Vec<String> = (0..members_of(overlay, name_of(database)))
                .map(|i| {
                    format!(
                        "{}-{i}.{}:27017",
                        name_of(database),
                        database["spec"]["serviceName"].as_str().unwrap()
                    )
                })
                .collect();
            let expected = format!(
                "mongodb://{service}:{password}@{}/{service}?replicaSet=rs0&authSource={service}",
                hosts.join(",")
            );
            assert_eq!(
                value(&credentials, "MONGO_URL"),
                expected,
                "{}: {credentials}",
                overlay.name
            );
            let keyfile = value(&format!("{service}-mongo-root"), "keyfile");
            assert!(
                (6..=1024).contains(&keyfile.len())
                    && keyfile
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)),
                "{service}: a keyfile is 6 to 1024 base64 characters"
            );
        }
        let passwords: Vec<&String> = created
            .iter()
            .filter(|((secret, key), _)| secret == "nats-credentials" || key == "password")
            .map(|(_, value)| value)
            .collect();
        let distinct: BTreeSet<_> = passwords.iter().collect();
        assert_eq!(distinct.len(), passwords.len(), "every password is its own");
    }
}

#[test]
fn the_operations_guide_names_every_secret_the_manifests_read() {
    let guide = std::fs::read_to_string(repo_root().join("docs/operations.md")).unwrap();
    let deploy = guide
        .split("## Deploy (Kubernetes)")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("a Deploy (Kubernetes) section");
    let services: Vec<_> = crate::deployments()
        .into_iter()
        .map(|deployment| crate::container(deployment)["name"].as_str().unwrap())
        .collect();
    for overlay in overlays() {
        for (secret, _) in referenced(overlay) {
            // A per-service Secret may be written once as <service>-….
            let generic = services
                .iter()
                .find_map(|service| secret.strip_prefix(&format!("{service}-")))
                .map(|rest| format!("<service>-{rest}"));
            assert!(
                deploy.contains(&format!("`{secret}`"))
                    || generic.is_some_and(|generic| deploy.contains(&format!("`{generic}`"))),
                "the Deploy section of docs/operations.md does not name Secret {secret}"
            );
        }
    }
}
