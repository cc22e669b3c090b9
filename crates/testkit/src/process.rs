//! Servers that tell which port they listen on in their log.

use std::{
    fs::File,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::Duration,
};

use crate::{supervised::Supervised, wait::wait_for};

/// How long a server may take to print the line that says it listens.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A running server. Dropping it kills the server (SIGKILL) and waits for it.
pub struct ServerProcess {
    name: &'static str,
    process: Supervised,
    port: u16,
    log: PathBuf,
}

impl ServerProcess {
    /// Runs `binary args… <home>/data` with `env` added, logging to
    /// `<home>/<name>.log`, and waits for the log line `<listening_marker><port>`.
    /// Panics with the log's tail if the server exits or does not start in time.
    pub fn spawn_with_env(
        name: &'static str,
        binary: &Path,
        args: &[&str],
        env: &[(String, String)],
        home: &Home,
        listening_marker: &str,
    ) -> Self {
        let data_dir = home.path.join("data");
        std::fs::create_dir_all(&data_dir).expect("create the server's data directory");
        let log = home.path.join(format!("{name}.log"));
        let log_file = File::create(&log).expect("create the server's log file");
        let mut command = Command::new(binary);
        command
            .args(args)
            .arg(&data_dir)
            .envs(env.iter().map(|(name, value)| (name, value)))
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("duplicate the log file handle"))
            .stderr(log_file);
        let process = Supervised::spawn(&mut command, home.temporary.then_some(&home.path))
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", binary.display()));
        let mut server = Self {
            name,
            process,
            port: 0,
            log,
        };
        server.port = server.wait_for_port(listening_marker);
        server
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    fn wait_for_port(&mut self, marker: &str) -> u16 {
        let log = self.log.clone();
        let started = wait_for(format!("{} to listen", self.name), START_TIMEOUT)
            .every(Duration::from_millis(20))
            .blocking_until_some(|| {
                let output = std::fs::read_to_string(&log).unwrap_or_default();
                match listening_port(&output, marker) {
                    Some(port) => Some(Ok(port)),
                    None => self.process.exited().map(Err),
                }
            });
        let why = match started {
            Ok(Ok(port)) => return port,
            Ok(Err(status)) => status.to_string(),
            Err(timed_out) => timed_out.to_string(),
        };
        let output = std::fs::read_to_string(&self.log).unwrap_or_default();
        let tail: Vec<_> = output.lines().rev().take(20).collect();
        let tail: Vec<_> = tail.into_iter().rev().collect();
        panic!(
            "{} did not start ({why}); its log {}:\n{}",
            self.name,
            self.log.display(),
            tail.join("\n")
        );
    }
}

/// The port in the log line `<marker><port>`, once the server printed it.
fn listening_port(output: &str, marker: &str) -> Option<u16> {
    output.lines().find_map(|line| {
        let (_, rest) = line.split_once(marker)?;
        rest.trim()
            .split(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()
    })
}

/// The directory a server keeps its data and log in.
pub struct Home {
    path: PathBuf,
    temporary: bool,
}

impl Home {
    /// A directory that outlives the server, for data kept between runs.
    pub fn kept(path: PathBuf) -> Self {
        Self {
            path,
            temporary: false,
        }
    }

    /// A fresh directory under the system temp dir, deleted when dropped.
    pub fn temporary(kind: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "ticketing-test-{}-{kind}-{:08x}",
            std::process::id(),
            rand::random::<u32>()
        ));
        Self {
            path,
            temporary: true,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        if self.temporary {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}
