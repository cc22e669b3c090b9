//! The deployment files agree with the code and with each other. No cluster and no
//! Docker engine are needed: manifests are checked against the Kubernetes API schemas
//! with `kubernetes-validate`, the rest by reading the files.

mod dockerfiles;
mod environment;
mod ingress;
mod schemas;
mod services;
mod skaffold;

use deploy_check::{Value, objects_of_kind};

/// The workspace services that are deployed, by Deployment container name.
fn deployments() -> Vec<Value> {
    objects_of_kind("Deployment")
}

/// The one container of a workload's pod template.
fn container(workload: &Value) -> &Value {
    let containers = workload["spec"]["template"]["spec"]["containers"]
        .as_sequence()
        .expect("a pod template with containers");
    assert_eq!(containers.len(), 1, "one container per pod");
    &containers[0]
}

fn name_of(object: &Value) -> &str {
    object["metadata"]["name"].as_str().expect("a named object")
}
