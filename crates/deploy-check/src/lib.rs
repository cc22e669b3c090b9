//! Reads the deployment files of the repository: the Kubernetes manifests under
//! `infra/k8s`, `skaffold.yaml` and the services' Dockerfiles. The tests of this crate
//! check them against the code (the gateway's routes, what each service's
//! configuration reads) and against each other.

use std::path::{Path, PathBuf};

use serde::Deserialize;
pub use serde_yaml_ng::Value;

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/deploy-check lives two levels below the root")
        .to_path_buf()
}

/// Every manifest file under `infra/k8s`, sorted.
pub fn manifest_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo_root().join("infra/k8s"))
        .expect("infra/k8s exists")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .collect();
    files.sort();
    files
}

/// Every Kubernetes object of every manifest, in file order.
pub fn manifest_objects() -> Vec<Value> {
    manifest_files()
        .iter()
        .flat_map(|path| read_documents(path))
        .collect()
}

/// The objects of `kind`.
pub fn objects_of_kind(kind: &str) -> Vec<Value> {
    manifest_objects()
        .into_iter()
        .filter(|object| object["kind"].as_str() == Some(kind))
        .collect()
}

/// The YAML documents of one file.
pub fn read_documents(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    serde_yaml_ng::Deserializer::from_str(&text)
        .map(|document| {
            Value::deserialize(document)
                .unwrap_or_else(|error| panic!("{} is not valid YAML: {error}", path.display()))
        })
        .filter(|value| !value.is_null())
        .collect()
}

/// `skaffold.yaml`, parsed.
pub fn skaffold() -> Value {
    let path = repo_root().join("skaffold.yaml");
    read_documents(&path)
        .into_iter()
        .next()
        .expect("skaffold.yaml has a document")
}
