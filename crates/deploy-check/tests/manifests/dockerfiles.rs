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

# No shell, no package manager; runs as the unprivileged user 65532.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=builder /app/target/release/{service} /usr/local/bin/{service}
USER nonroot:nonroot
EXPOSE 3000
ENTRYPOINT ["/usr/local/bin/{service}"]
"#;

#[test]
fn every_deployed_service_has_a_dockerfile_rendered_from_the_template() {
    for deployment in crate::deployments() {
        let service = crate::container(&deployment)["name"].as_str().unwrap();
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
