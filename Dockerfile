# Every service's image: `SERVICE` names the package under services/ to build
# (skaffold.yaml passes it as a build argument). Build context: the repository root.

FROM rust:1.95-slim-bookworm AS chef
RUN cargo install cargo-chef --locked --version 0.1.78
WORKDIR /app

# Shared by every service: the recipe is the workspace's, whichever one is built.
FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
ARG SERVICE
RUN : "${SERVICE:?pass --build-arg SERVICE=<a package under services/>}"
COPY --from=planner /app/recipe.json recipe.json
# Dependencies only: this layer is reused until Cargo.toml or Cargo.lock change.
RUN cargo chef cook --release --recipe-path recipe.json --package "$SERVICE"
COPY . .
# One fixed path for the runtime stage, whose exec-form ENTRYPOINT expands no argument.
RUN cargo build --release --package "$SERVICE" --bin "$SERVICE" \
    && cp "target/release/$SERVICE" /app/service

# No shell, no package manager. A numeric user and group (distroless' nonroot), so
# the kubelet can tell that runAsNonRoot holds; the pods set the same ids.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=builder /app/service /usr/local/bin/service
USER 65532:65532
EXPOSE 3000
ENTRYPOINT ["/usr/local/bin/service"]
