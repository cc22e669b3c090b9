//! CPU time per process, from `/proc/<pid>/stat`: what one purchase costs each part of
//! the stack, and so how many purchases a second the machine's cores allow at most.

use std::collections::BTreeMap;

use anyhow::Context;

use crate::stack::Stack;

/// Every process whose CPU counts: the services, the servers and this tool (the
/// gateway and the load run inside it), by what they are. Replicas of a service count
/// together.
pub struct Processes(Vec<(String, u32)>);

/// Seconds of CPU (user and system) each group of processes had used at one moment.
pub struct CpuSnapshot(BTreeMap<String, f64>);

impl Processes {
    pub fn of(stack: &Stack) -> Self {
        let mut processes = stack.processes();
        processes.push(("xtask (gateway, load)".to_owned(), std::process::id()));
        Self(processes)
    }

    pub fn snapshot(&self) -> anyhow::Result<CpuSnapshot> {
        let ticks_per_second = clock_ticks_per_second()?;
        let mut seconds = BTreeMap::new();
        for (name, pid) in &self.0 {
            *seconds.entry(name.clone()).or_insert(0.0) +=
                cpu_ticks(*pid)? as f64 / ticks_per_second;
        }
        Ok(CpuSnapshot(seconds))
    }
}

impl CpuSnapshot {
    /// The CPU each group used since `earlier`, in milliseconds per `purchases`,
    /// most first.
    pub fn per_purchase_since(&self, earlier: &Self, purchases: usize) -> Vec<(String, f64)> {
        let mut costs: Vec<(String, f64)> = self
            .0
            .iter()
            .map(|(name, now)| {
                let before = earlier.0.get(name).copied().unwrap_or(0.0);
                (name.clone(), (now - before) * 1000.0 / purchases as f64)
            })
            .collect();
        costs.sort_by(|a, b| b.1.total_cmp(&a.1));
        costs
    }
}

/// `utime + stime` of a process, its threads included, in clock ticks: fields 14 and
/// 15 of `/proc/<pid>/stat`, counted after the command name, which may hold spaces.
fn cpu_ticks(pid: u32) -> anyhow::Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("read the CPU time of process {pid}"))?;
    let after_name = stat
        .rsplit_once(") ")
        .with_context(|| format!("/proc/{pid}/stat has no command name"))?
        .1;
    // After the name, field 3 (the state) comes first: utime is the 12th, stime the 13th.
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let field = |index: usize| -> anyhow::Result<u64> {
        fields
            .get(index)
            .and_then(|value| value.parse().ok())
            .with_context(|| format!("/proc/{pid}/stat is shorter than expected"))
    };
    Ok(field(11)? + field(12)?)
}

/// The unit of `/proc/<pid>/stat`'s times, `getconf CLK_TCK` (100 on Linux).
fn clock_ticks_per_second() -> anyhow::Result<f64> {
    let output = std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .context("run getconf CLK_TCK")?;
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .context("getconf CLK_TCK printed no number")
}
