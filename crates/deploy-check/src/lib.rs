//! Reads the deployment files of the repository: the Kubernetes manifests under
//! `infra/k8s` (a kustomize base and its overlays, rendered by the tests with the pinned
//! kubectl), `skaffold.yaml` and the services' Dockerfiles. The tests of this crate
//! check them against the code (the gateway's routes, what each service's
//! configuration reads) and against each other.

use std::path::{Path, PathBuf};

use serde::Deserialize;
pub use serde_yaml_ng::Value;

/// The kustomize overlays under `infra/k8s/overlays`, each a complete deployment.
pub const OVERLAYS: [&str; 2] = ["local", "production"];

/// The namespace every object lives in.
pub const NAMESPACE: &str = "ticketing";

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/deploy-check lives two levels below the root")
        .to_path_buf()
}

/// `infra/k8s`.
pub fn manifests_dir() -> PathBuf {
    repo_root().join("infra/k8s")
}

/// One overlay, rendered: every object it deploys.
#[derive(Debug, Clone)]
pub struct Overlay {
    pub name: &'static str,
    /// The rendered YAML, as `kubectl kustomize` printed it.
    pub yaml: String,
    pub objects: Vec<Value>,
}

impl Overlay {
    pub fn from_yaml(name: &'static str, yaml: String) -> Self {
        let objects = parse_documents(&yaml, name);
        Self {
            name,
            yaml,
            objects,
        }
    }

    /// The objects of `kind`.
    pub fn of_kind(&self, kind: &str) -> Vec<&Value> {
        self.objects
            .iter()
            .filter(|object| object["kind"].as_str() == Some(kind))
            .collect()
    }

    /// The object of `kind` named `name`.
    pub fn named(&self, kind: &str, name: &str) -> Option<&Value> {
        self.of_kind(kind)
            .into_iter()
            .find(|object| name_of(object) == name)
    }

    /// Deployments and StatefulSets: whatever has a pod template.
    pub fn workloads(&self) -> Vec<&Value> {
        self.objects
            .iter()
            .filter(|object| object["spec"]["template"]["spec"]["containers"].is_sequence())
            .collect()
    }
}

/// An object's `metadata.name`.
pub fn name_of(object: &Value) -> &str {
    object["metadata"]["name"].as_str().expect("a named object")
}

/// The YAML documents of a text; `origin` names it in errors.
pub fn parse_documents(text: &str, origin: &str) -> Vec<Value> {
    serde_yaml_ng::Deserializer::from_str(text)
        .map(|document| {
            Value::deserialize(document)
                .unwrap_or_else(|error| panic!("{origin} is not valid YAML: {error}"))
        })
        .filter(|value| !value.is_null())
        .collect()
}

/// The YAML documents of one file.
pub fn read_documents(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    parse_documents(&text, &path.display().to_string())
}

/// `skaffold.yaml`, parsed.
pub fn skaffold() -> Value {
    let path = repo_root().join("skaffold.yaml");
    read_documents(&path)
        .into_iter()
        .next()
        .expect("skaffold.yaml has a document")
}
