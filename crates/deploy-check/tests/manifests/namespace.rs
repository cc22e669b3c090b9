//! Every object lives in the `ticketing` namespace, which enforces the restricted Pod
//! Security Standard, and which the operator creates (not skaffold).

use deploy_check::{NAMESPACE, name_of, read_documents};

use crate::overlays;

#[test]
fn the_namespace_enforces_audits_and_warns_the_restricted_pod_security_standard() {
    let path = deploy_check::manifests_dir().join("namespace.yaml");
    let documents = read_documents(&path);
    assert_eq!(documents.len(), 1, "{}", path.display());
    let namespace = &documents[0];
    assert_eq!(namespace["kind"], "Namespace");
    assert_eq!(name_of(namespace), NAMESPACE);
    let labels = &namespace["metadata"]["labels"];
    for mode in ["enforce", "audit", "warn"] {
        assert_eq!(
            labels[format!("pod-security.kubernetes.io/{mode}").as_str()],
            "restricted",
            "{mode}"
        );
    }
}

#[test]
fn every_object_of_every_overlay_lives_in_the_namespace() {
    for overlay in overlays() {
        for object in &overlay.objects {
            assert_eq!(
                object["metadata"]["namespace"].as_str(),
                Some(NAMESPACE),
                "{}: {} {}",
                overlay.name,
                object["kind"].as_str().unwrap_or("?"),
                name_of(object)
            );
        }
    }
}

/// skaffold deletes what it deployed when `skaffold dev` stops; a deleted namespace
/// takes the operator's Secrets with it.
#[test]
fn no_overlay_deploys_the_namespace_itself() {
    for overlay in overlays() {
        assert!(
            overlay.of_kind("Namespace").is_empty(),
            "{}: the namespace is created once by the operator (docs/operations.md), not by skaffold",
            overlay.name
        );
    }
}
