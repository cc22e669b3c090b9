use std::collections::BTreeSet;

use deploy_check::{OVERLAYS, Value, repo_root, skaffold};

use crate::{container, deployments};

/// The images skaffold builds.
fn artifact_images() -> BTreeSet<String> {
    skaffold()["build"]["artifacts"]
        .as_sequence()
        .expect("build.artifacts")
        .iter()
        .map(|artifact| artifact["image"].as_str().expect("an image").to_owned())
        .collect()
}

/// The kustomize paths of a skaffold `manifests` section.
fn kustomize_paths(manifests: &Value) -> Vec<&str> {
    manifests["kustomize"]["paths"]
        .as_sequence()
        .expect("manifests.kustomize.paths")
        .iter()
        .map(|path| path.as_str().unwrap())
        .collect()
}

#[test]
fn skaffold_yaml_uses_the_current_schema_builds_locally_and_deploys_the_manifests() {
    let config = skaffold();

    assert!(
        config["apiVersion"]
            .as_str()
            .unwrap()
            .starts_with("skaffold/v4beta")
    );
    assert_eq!(config["kind"], "Config");
    assert_eq!(
        config["build"]["local"]["push"], false,
        "local builds are not pushed"
    );
    assert!(config["deploy"]["kubectl"].is_mapping());
}

#[test]
fn skaffold_dev_deploys_the_local_overlay_and_the_production_profile_the_production_one() {
    let config = skaffold();

    assert_eq!(
        kustomize_paths(&config["manifests"]),
        ["infra/k8s/overlays/local"],
        "`skaffold dev` (no profile) is the local cluster's command"
    );
    let production = config["profiles"]
        .as_sequence()
        .into_iter()
        .flatten()
        .find(|profile| profile["name"] == "production")
        .expect("a production profile");
    assert_eq!(
        kustomize_paths(&production["manifests"]),
        ["infra/k8s/overlays/production"]
    );
    for overlay in OVERLAYS {
        assert!(
            repo_root()
                .join(format!("infra/k8s/overlays/{overlay}/kustomization.yaml"))
                .is_file()
        );
    }
}

#[test]
fn every_artifact_has_its_dockerfile_and_builds_from_the_repository_root() {
    for artifact in skaffold()["build"]["artifacts"].as_sequence().unwrap() {
        let dockerfile = artifact["docker"]["dockerfile"]
            .as_str()
            .expect("a Dockerfile path");
        assert!(
            repo_root().join(dockerfile).is_file(),
            "{dockerfile} is missing"
        );
        assert_eq!(
            artifact["context"], ".",
            "the workspace is the build context"
        );
    }
}

#[test]
fn every_deployment_image_is_built_by_skaffold_and_every_artifact_is_deployed() {
    let deployed: BTreeSet<String> = deployments()
        .into_iter()
        .map(|deployment| container(deployment)["image"].as_str().unwrap().to_owned())
        .collect();

    assert_eq!(deployed, artifact_images());
}

#[test]
fn every_workspace_service_has_a_deployment() {
    let packages: BTreeSet<String> = std::fs::read_dir(repo_root().join("services"))
        .expect("services/ exists")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.join("Cargo.toml").is_file())
        .map(|path| path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let deployed: BTreeSet<String> = deployments()
        .into_iter()
        .map(|deployment| container(deployment)["name"].as_str().unwrap().to_owned())
        .collect();

    assert_eq!(
        deployed, packages,
        "each package under services/ runs as one Deployment whose container is named after it"
    );
}

/// A third-party image names a release: `name:1.2` or `name:1.2.3`, never `latest` or
/// no tag (checkov's own tag check is skipped, for skaffold's untagged images).
fn is_pinned_release(image: &str) -> bool {
    image.split_once(':').is_some_and(|(_, tag)| {
        let mut parts = tag.split('.');
        parts.clone().count() >= 2
            && parts.all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
    })
}

#[test]
fn every_image_is_built_by_skaffold_or_pinned_to_a_release() {
    let ours = artifact_images();
    for overlay in crate::overlays() {
        for workload in overlay.workloads() {
            for container in crate::all_containers(workload) {
                let image = container["image"].as_str().unwrap();
                assert!(
                    ours.contains(image) || is_pinned_release(image),
                    "{}: {} runs {image}, neither built by skaffold nor pinned to a release",
                    overlay.name,
                    deploy_check::name_of(workload)
                );
            }
        }
    }
}
