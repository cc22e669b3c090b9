//! The deployment files agree with the code and with each other. No cluster and no
//! Docker engine are needed: each kustomize overlay is rendered with the pinned
//! kubectl, checked against the Kubernetes API schemas with `kubernetes-validate`, by
//! hadolint and checkov, and by reading what it renders.

mod databases;
mod dockerfiles;
mod environment;
mod ingress;
mod linked_crates;
mod linters;
mod namespace;
mod nats;
mod network;
mod observability;
mod pod_security;
mod rollout;
mod schemas;
mod secrets;
mod services;
mod skaffold;

use std::{path::PathBuf, sync::OnceLock};

use deploy_check::{OVERLAYS, Overlay, Value, manifests_dir};
use testkit::tools::Tool;

pub use deploy_check::name_of;

/// Every overlay, rendered once per test binary by `kubectl kustomize`.
/// The settings ingress-nginx's controller is given: the data of the patch of its
/// ConfigMap in `infra/ingress-nginx/kustomization.yaml`.
fn ingress_controller_settings() -> Value {
    let path = deploy_check::repo_root().join("infra/ingress-nginx/kustomization.yaml");
    let kustomization = &deploy_check::read_documents(&path)[0];
    let patch = kustomization["patches"]
        .as_sequence()
        .into_iter()
        .flatten()
        .find(|patch| patch["target"]["name"] == "ingress-nginx-controller")
        .expect("a patch of the controller's ConfigMap");
    let config: Value = serde_yaml_ng::from_str(patch["patch"].as_str().unwrap()).unwrap();
    config["data"].clone()
}

/// Where ingress-nginx's controller exports its spans: the Service's name (in the
/// namespace `ticketing`) and port that its settings name.
fn ingress_controller_trace_exporter() -> (String, u64) {
    let settings = ingress_controller_settings();
    assert_eq!(settings["enable-opentelemetry"], "true");
    let host = settings["otlp-collector-host"].as_str().unwrap();
    let (service, rest) = host.split_once('.').expect("a cluster host name");
    assert_eq!(
        rest, "ticketing.svc.cluster.local",
        "{host} is not a Service of the namespace ticketing"
    );
    let port = settings["otlp-collector-port"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    (service.to_owned(), port)
}

fn overlays() -> &'static [Overlay] {
    static RENDERED: OnceLock<Vec<Overlay>> = OnceLock::new();
    RENDERED.get_or_init(|| OVERLAYS.iter().map(|name| render(name)).collect())
}

fn overlay(name: &str) -> &'static Overlay {
    overlays()
        .iter()
        .find(|overlay| overlay.name == name)
        .unwrap_or_else(|| panic!("no overlay {name}"))
}

fn render(name: &'static str) -> Overlay {
    let dir = manifests_dir().join("overlays").join(name);
    let output = Tool::Kubectl
        .command()
        .arg("kustomize")
        .arg(&dir)
        .output()
        .expect("run kubectl kustomize");
    assert!(
        output.status.success(),
        "kubectl kustomize {} failed:\n{}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    Overlay::from_yaml(name, String::from_utf8(output.stdout).expect("UTF-8 YAML"))
}

/// The rendered overlay as a file, for the tools that read files.
fn rendered_file(overlay: &Overlay) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("rendered");
    std::fs::create_dir_all(&dir).expect("create the rendered manifests' directory");
    let path = dir.join(format!("{}.yaml", overlay.name));
    std::fs::write(&path, &overlay.yaml).expect("write the rendered manifests");
    path
}

/// The workspace services that are deployed, by Deployment container name (the same
/// in every overlay).
fn deployments() -> Vec<&'static Value> {
    service_deployments(overlay("local"))
}

/// The Deployments of an overlay that run a workspace service: every one but those
/// labelled as telemetry (the OpenTelemetry Collector), which run a program of others.
fn service_deployments(overlay: &Overlay) -> Vec<&Value> {
    overlay
        .of_kind("Deployment")
        .into_iter()
        .filter(|deployment| !is_telemetry(deployment))
        .collect()
}

/// Whether a workload is labelled `app.kubernetes.io/component: telemetry`.
fn is_telemetry(workload: &Value) -> bool {
    workload["metadata"]["labels"]["app.kubernetes.io/component"] == "telemetry"
}

fn pod_spec(workload: &Value) -> &Value {
    &workload["spec"]["template"]["spec"]
}

/// The one container of a workload's pod (init containers and sidecars aside).
fn container(workload: &Value) -> &Value {
    let containers = pod_spec(workload)["containers"]
        .as_sequence()
        .expect("a pod template with containers");
    assert_eq!(containers.len(), 1, "one container per pod");
    &containers[0]
}

/// Every container of a workload's pod: init containers, sidecars and containers.
fn all_containers(workload: &Value) -> Vec<&Value> {
    let spec = pod_spec(workload);
    ["initContainers", "containers"]
        .iter()
        .filter_map(|field| spec[field].as_sequence())
        .flatten()
        .collect()
}

/// The names of the Secrets a container reads (env and mounted volumes).
fn secret_names_of(workload: &Value) -> Vec<&str> {
    let from_env = all_containers(workload).into_iter().flat_map(|container| {
        container["env"]
            .as_sequence()
            .into_iter()
            .flatten()
            .filter_map(|variable| variable["valueFrom"]["secretKeyRef"]["name"].as_str())
    });
    let from_volumes = pod_spec(workload)["volumes"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter_map(|volume| volume["secret"]["secretName"].as_str());
    let mut names: Vec<&str> = from_env.chain(from_volumes).collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// Whether a label selector (`matchLabels` form) selects the pods of `workload`.
fn selects(match_labels: &Value, workload: &Value) -> bool {
    let labels = &workload["spec"]["template"]["metadata"]["labels"];
    match_labels.as_mapping().is_some_and(|wanted| {
        wanted
            .iter()
            .all(|(key, value)| labels.get(key) == Some(value))
    })
}

/// A duration or quantity field as a number.
fn number(value: &Value) -> u64 {
    value
        .as_u64()
        .unwrap_or_else(|| panic!("{value:?} is not a number"))
}
