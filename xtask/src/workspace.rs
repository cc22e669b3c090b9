//! The workspace the commands work in: its root, where cargo builds, and the cargo
//! that runs us.

use std::path::{Path, PathBuf};

/// A command for the cargo that runs us, so a pinned toolchain stays pinned.
///
/// `cargo run` hands us variables that describe the xtask package (`CARGO_PKG_NAME`,
/// `CARGO_MANIFEST_DIR`, …). Build scripts such as ring's watch some of them, so a
/// nested build that inherited them would rebuild those crates, and the next plain
/// `cargo build` would rebuild them back. They are removed.
pub fn cargo() -> std::process::Command {
    let program = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = std::process::Command::new(program);
    for (name, _) in std::env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        let describes_xtask = name.starts_with("CARGO_PKG_")
            || name.starts_with("CARGO_MANIFEST_")
            || matches!(
                name,
                "CARGO_CRATE_NAME" | "CARGO_BIN_NAME" | "CARGO_PRIMARY_PACKAGE"
            );
        if describes_xtask {
            command.env_remove(name);
        }
    }
    command
}

/// The workspace root (the parent of this crate).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}

/// Where cargo puts what it builds.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from)
}
