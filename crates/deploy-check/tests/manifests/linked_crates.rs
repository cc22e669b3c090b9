//! The crates with no database and no events build neither the MongoDB driver nor the
//! NATS client: what `cargo build --package <crate>` (a Dockerfile's build) compiles
//! for them, as `cargo tree` lists it.

use std::process::Command;

/// Crates that serve HTTP only: the dev gateway and the web client.
const WITHOUT_DATABASE_OR_EVENTS: [&str; 2] = ["gateway", "client"];

/// What those crates must not link.
const DRIVERS: [&str; 2] = ["mongodb", "async-nats"];

#[test]
fn the_gateway_and_the_web_client_link_neither_the_database_driver_nor_the_nats_client() {
    for package in WITHOUT_DATABASE_OR_EVENTS {
        let linked = linked_packages(package);
        assert!(
            linked.iter().any(|name| name == "httpkit"),
            "{package}: cargo tree did not list its dependencies: {linked:?}"
        );
        for driver in DRIVERS {
            assert!(
                !linked.iter().any(|name| name == driver),
                "{package} links {driver}; see `cargo tree --package {package} --edges normal,build --invert {driver}`"
            );
        }
    }
}

/// The names of the packages `package` builds with, tests left out. Without the
/// dev-dependencies, cargo also resolves features as a build of `package` alone does,
/// so a feature that only the database crates enable does not count.
fn linked_packages(package: &str) -> Vec<String> {
    let output = Command::new(env!("CARGO"))
        .args(["tree", "--offline", "--package", package])
        .args([
            "--edges",
            "normal,build",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo tree");
    assert!(
        output.status.success(),
        "cargo tree --package {package} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}
