//! A child process stopped by its PID when dropped, or by a watchdog when the process
//! that started it dies without dropping it.

use std::{
    io,
    path::Path,
    process::{Child, ChildStdin, Command, ExitStatus, Stdio},
};

/// A running child. Dropping it kills the child (SIGKILL) and reaps it.
pub struct Supervised {
    child: Child,
    watchdog: Watchdog,
}

impl Supervised {
    /// Spawns `command`. If our process dies without dropping the guard, the watchdog
    /// kills the child and deletes `temporary_dir`.
    pub fn spawn(command: &mut Command, temporary_dir: Option<&Path>) -> io::Result<Self> {
        let child = command.spawn()?;
        let watchdog = Watchdog::guard(child.id(), temporary_dir)?;
        Ok(Self { child, watchdog })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The exit status, if the child has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }
}

impl Drop for Supervised {
    fn drop(&mut self) {
        // Stop the watchdog first: once the child is reaped its PID may be reused,
        // and the watchdog must not kill whoever gets it.
        self.watchdog.disarm();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `sh` that waits for its stdin to close, then kills the guarded PID (and deletes
/// a temporary directory). We hold the pipe's only write end; the kernel closes it
/// when our process exits in any way (panic, abort, SIGKILL).
struct Watchdog {
    shell: Child,
    _pipe: Option<ChildStdin>,
}

impl Watchdog {
    fn guard(pid: u32, temporary_dir: Option<&Path>) -> io::Result<Self> {
        let script = r#"while read -r _; do :; done; kill -9 "$0" 2>/dev/null; [ -n "$1" ] && sleep 1 && rm -rf "$1""#;
        let mut shell = Command::new("sh")
            .args(["-c", script])
            .arg(pid.to_string())
            .arg(temporary_dir.map(Path::as_os_str).unwrap_or_default())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let pipe = shell.stdin.take();
        Ok(Self { shell, _pipe: pipe })
    }

    fn disarm(&mut self) {
        let _ = self.shell.kill();
        let _ = self.shell.wait();
    }
}
