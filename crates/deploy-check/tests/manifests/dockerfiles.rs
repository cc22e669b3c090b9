//! One Dockerfile for every service, which takes the service as a build argument:
//! multi-stage, dependencies cached with cargo-chef, a distroless runtime, a non-root
//! user.

use std::path::PathBuf;

use deploy_check::{repo_root, skaffold};

use crate::{container, deployments};

/// The Dockerfile every image is built from.
pub fn dockerfile() -> PathBuf {
    repo_root().join("Dockerfile")
}

fn dockerfile_text() -> String {
    std::fs::read_to_string(dockerfile()).expect("the Dockerfile at the repository root")
}

/// The instructions of the stage named `name` (`FROM … AS name` up to the next `FROM`),
/// or of the last stage when `name` is `None`.
fn stage(text: &str, name: Option<&str>) -> Vec<String> {
    let mut stages: Vec<(Option<String>, Vec<String>)> = Vec::new();
    for line in text.lines().map(str::trim) {
        if let Some(from) = line.strip_prefix("FROM ") {
            let alias = from.split_once(" AS ").map(|(_, alias)| alias.to_owned());
            stages.push((alias, vec![line.to_owned()]));
        } else if let Some((_, lines)) = stages.last_mut()
            && !line.is_empty()
            && !line.starts_with('#')
        {
            lines.push(line.to_owned());
        }
    }
    let found = match name {
        Some(name) => stages
            .into_iter()
            .find(|(alias, _)| alias.as_deref() == Some(name)),
        None => stages.pop(),
    };
    found
        .map(|(_, lines)| lines)
        .unwrap_or_else(|| panic!("no stage {name:?}"))
}

#[test]
fn every_deployed_service_is_built_from_the_one_dockerfile_with_its_name_as_argument() {
    let config = skaffold();
    let artifacts = config["build"]["artifacts"].as_sequence().unwrap();
    for deployment in deployments() {
        let service = container(deployment)["name"].as_str().unwrap();
        let image = container(deployment)["image"].as_str().unwrap();
        let artifact = artifacts
            .iter()
            .find(|artifact| artifact["image"] == image)
            .unwrap_or_else(|| panic!("skaffold builds no {image}"));
        assert_eq!(artifact["docker"]["dockerfile"], "Dockerfile", "{image}");
        assert_eq!(
            artifact["docker"]["buildArgs"]["SERVICE"], service,
            "{image} must be built with SERVICE={service}"
        );
    }
    let per_service: Vec<String> = std::fs::read_dir(repo_root().join("services"))
        .unwrap()
        .map(|entry| entry.unwrap().path().join("Dockerfile"))
        .filter(|path| path.exists())
        .map(|path| path.display().to_string())
        .collect();
    assert!(
        per_service.is_empty(),
        "the one Dockerfile replaced these: {per_service:?}"
    );
}

#[test]
fn the_dockerfile_caches_dependencies_and_builds_the_service_it_is_given() {
    let text = dockerfile_text();
    let builder = stage(&text, Some("builder"));
    let position = |prefix: &str| {
        builder
            .iter()
            .position(|line| line.starts_with(prefix))
            .unwrap_or_else(|| panic!("the builder stage has no `{prefix}`: {builder:#?}"))
    };
    let argument = position("ARG SERVICE");
    let cook =
        position("RUN cargo chef cook --release --recipe-path recipe.json --package \"$SERVICE\"");
    let sources = position("COPY . .");
    let build = position("RUN cargo build --release --package \"$SERVICE\" --bin \"$SERVICE\"");
    assert!(
        argument < cook && cook < sources && sources < build,
        "the argument, then the dependencies without the sources (so that layer stays \
         cached), then the sources and the build: {builder:#?}"
    );
    assert!(
        stage(&text, Some("planner"))
            .iter()
            .any(|line| line.starts_with("RUN cargo chef prepare")),
        "the planner stage makes the recipe"
    );
}

#[test]
fn the_runtime_is_distroless_and_runs_the_service_built() {
    let runtime = stage(&dockerfile_text(), None);
    assert_eq!(runtime[0], "FROM gcr.io/distroless/cc-debian12:nonroot");
    assert!(
        runtime.contains(&"COPY --from=builder /app/service /usr/local/bin/service".to_owned()),
        "{runtime:#?}"
    );
    assert_eq!(
        runtime.last().map(String::as_str),
        Some(r#"ENTRYPOINT ["/usr/local/bin/service"]"#)
    );
}

#[test]
fn the_build_context_leaves_out_build_output_and_local_data() {
    let ignored =
        std::fs::read_to_string(repo_root().join(".dockerignore")).expect(".dockerignore");
    for entry in ["target/", ".dev-data/", ".git/"] {
        assert!(
            ignored.lines().any(|line| line.trim() == entry),
            "{entry} is not ignored"
        );
    }
}

/// The user and group every app image runs as; the pods' `runAsUser`/`runAsGroup`
/// (checked in `pod_security`) must be the same numbers.
pub const APP_UID_GID: (u64, u64) = (65532, 65532);

#[test]
fn every_image_runs_as_a_numeric_non_root_user_and_group() {
    let text = dockerfile_text();
    // The kubelet checks runAsNonRoot against the final stage's user; a name
    // (`nonroot`) cannot be checked, so the container would never start.
    let user = text
        .lines()
        .filter_map(|line| line.strip_prefix("USER "))
        .next_back()
        .unwrap_or_else(|| panic!("{} sets no USER", dockerfile().display()));
    let ids = user
        .trim()
        .split_once(':')
        .and_then(|(uid, gid)| Some((uid.parse::<u64>().ok()?, gid.parse::<u64>().ok()?)));
    assert_eq!(
        ids,
        Some(APP_UID_GID),
        "{}: USER {user} must be the numeric {APP_UID_GID:?}",
        dockerfile().display()
    );
}
