//! A child process stopped by its PID when dropped, or by a watchdog when the process
//! that started it dies without dropping it: [`Supervised`] for a `std` child (the
//! test servers, started where nothing can await), [`AsyncSupervised`] for a `tokio`
//! child (the local stack's services, which a fault kills and waits for while the
//! load goes on).

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

/// A running `tokio` child. Dropping it kills the child (SIGKILL) and reaps it.
pub struct AsyncSupervised {
    child: tokio::process::Child,
    pid: u32,
    watchdog: Watchdog,
}

impl AsyncSupervised {
    /// Spawns `command`. If our process dies without dropping the guard, the watchdog
    /// kills the child.
    pub fn spawn(command: &mut tokio::process::Command) -> io::Result<Self> {
        let child = command.spawn()?;
        let pid = child
            .id()
            .ok_or_else(|| io::Error::other("the child exited before it was watched"))?;
        let watchdog = Watchdog::guard(pid, None)?;
        Ok(Self {
            child,
            pid,
            watchdog,
        })
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The exit status, if the child has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Waits until the child exits by itself.
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        self.child.wait().await
    }

    /// Kills the child (SIGKILL, like a crash) and waits until it is gone, without
    /// holding up the runtime's other tasks.
    pub async fn kill(mut self) {
        self.watchdog.disarm();
        let _ = self.child.kill().await;
    }
}

impl Drop for AsyncSupervised {
    fn drop(&mut self) {
        // As for `Supervised`: the watchdog goes before the PID can be reused.
        self.watchdog.disarm();
        if self.child.start_kill().is_err() {
            return;
        }
        // A SIGKILLed process is gone within milliseconds; reap it here rather than
        // leave a zombie until tokio gets to it.
        for _ in 0..200 {
            if self.exited().is_some() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
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

    /// Stops the watchdog; again is harmless.
    fn disarm(&mut self) {
        let _ = self.shell.kill();
        let _ = self.shell.wait();
    }
}
