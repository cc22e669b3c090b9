//! One Dockerfile per service, all from one template: multi-stage, dependencies cached
//! with cargo-chef, a distroless runtime, a non-root user.

use deploy_check::repo_root;

/// The template every service's Dockerfile is rendered from (`{service}` replaced).
const TEMPLATE: &str = r#"# The {service} service. Build context: the repository root (see skaffold.yaml).
# Generated from one template; crates/deploy-check tests that every service's
# Dockerfile still matches it.

FROM rust:1.95-slim-bookworm AS chef
RUN cargo install cargo-chef --locked --version 0.1.78
WORKDIR /app

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /app/recipe.json recipe.json
# Dependencies only: this layer is reused until Cargo.toml or Cargo.lock change.
RUN cargo chef cook --release --recipe-path recipe.json --package {service}
COPY . .
RUN cargo build --release --package {service} --bin {service}

# No shell, no package manager. A numeric user and group (distroless' nonroot), so
# the kubelet can tell that runAsNonRoot holds; the pods set the same ids.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=builder /app/target/release/{service} /usr/local/bin/{service}
USER 65532:65532
EXPOSE 3000
ENTRYPOINT ["/usr/local/bin/{service}"]
"#;

#[test]
fn every_deployed_service_has_a_dockerfile_rendered_from_the_template() {
    for deployment in crate::deployments() {
        let service = crate::container(deployment)["name"].as_str().unwrap();
        let path = repo_root()
            .join("services")
            .join(service)
            .join("Dockerfile");
        let actual = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{} is missing", path.display()));
        let expected = TEMPLATE.replace("{service}", service);
        assert_eq!(
            actual,
            expected,
            "{} drifted from the template; expected:\n{expected}",
            path.display()
        );
    }
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
    for deployment in crate::deployments() {
        let service = crate::container(deployment)["name"].as_str().unwrap();
        let path = repo_root()
            .join("services")
            .join(service)
            .join("Dockerfile");
        let text = std::fs::read_to_string(&path).unwrap();
        // The kubelet checks runAsNonRoot against the final stage's user; a name
        // (`nonroot`) cannot be checked, so the container would never start.
        let user = text
            .lines()
            .filter_map(|line| line.strip_prefix("USER "))
            .next_back()
            .unwrap_or_else(|| panic!("{} sets no USER", path.display()));
        let ids = user
            .trim()
            .split_once(':')
            .and_then(|(uid, gid)| Some((uid.parse::<u64>().ok()?, gid.parse::<u64>().ok()?)));
        assert_eq!(
            ids,
            Some(APP_UID_GID),
            "{}: USER {user} must be the numeric {APP_UID_GID:?}",
            path.display()
        );
    }
}
