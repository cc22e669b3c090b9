use std::collections::BTreeSet;

use deploy_check::{repo_root, skaffold};

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
    let raw: Vec<_> = config["manifests"]["rawYaml"]
        .as_sequence()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(raw, ["infra/k8s/*"]);
    assert!(config["deploy"]["kubectl"].is_mapping());
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
        .iter()
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
        .iter()
        .map(|deployment| container(deployment)["name"].as_str().unwrap().to_owned())
        .collect();

    assert_eq!(
        deployed, packages,
        "each package under services/ runs as one Deployment whose container is named after it"
    );
}
