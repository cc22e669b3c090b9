//! `cargo xtask chaos`: purchases and a reservation race through the gateway while
//! every service is killed with SIGKILL and restarted, each node of the three-node
//! NATS cluster is killed and restarted in turn and then all of them at once, and the
//! database is stopped for a few seconds. Support then refunds a few sales at Stripe,
//! paid out and not.
//! Then an audit of every database and of the Stripe fake's ledger: no ticket held by
//! two orders, every order ended, one charge per completed order, refunds for
//! cancelled ones, one transfer of the price less the fee to the seller of every sale
//! whose hold has passed (reversed if refunded, none for a cancelled order), replicas
//! caught up, and no server error outside the seconds a dependency was down. Exits non-zero on any
//! violation. With `--replicas N` a service fault kills one replica while the others
//! serve, and only the requests under way as it died, or held up in the database by
//! its unfinished transactions just after, may fail. `--short`, a run
//! of seconds with two replicas, is part of `cargo xtask test`.

mod audit;
mod load;
mod support;

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::bail;

use crate::{
    install, progress,
    stack::{Profile, Stack, StackOptions, build_services, free_port, no_per_user_limits},
    workspace,
};

#[derive(clap::Args)]
pub struct Options {
    /// A run of seconds, not minutes (debug builds, smaller load, faults close together).
    #[arg(long)]
    short: bool,
    /// Inject only these kinds of fault (repeatable); all of them by default. Narrows
    /// down which fault a violation follows.
    #[arg(long, value_enum)]
    only: Vec<FaultKind>,
    /// Run this many processes of every service. With more than one, a service fault
    /// kills one replica at a time while the others serve, and the only requests
    /// allowed to fail are those under way as it died (or held up by its unfinished
    /// transactions in the seconds after).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=8))]
    replicas: u16,
}

impl Options {
    /// The run the test command makes: every fault, seconds apart, with two replicas
    /// of every service as in Kubernetes.
    pub fn short() -> Self {
        Self {
            short: true,
            only: Vec::new(),
            replicas: 2,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum FaultKind {
    Services,
    Nats,
    Database,
}

/// The size and pace of a run.
struct Plan {
    profile: Profile,
    /// How long orders hold their tickets: short, so holds cut by faults expire.
    hold_seconds: u64,
    /// How long a sale is held before its seller is paid: short, so that most sales
    /// are paid out during the run and the last ones within the settling.
    payout_hold_seconds: u64,
    purchase_workers: usize,
    race_tickets: usize,
    race_buyers: usize,
    /// Time between faults, and how long after one a server error is still its doing.
    gap: Duration,
    grace: Duration,
    /// How long after a replica died a server error on the replica that stayed is
    /// still its doing: the database fails a transaction that waited on the dead
    /// process's unfinished ones after about 4.5 s (see docs/testing.md).
    replica_aftermath: Duration,
    /// How long a crashed service, NATS and the database stay down.
    service_down: Duration,
    nats_down: Duration,
    database_down: Duration,
    settle_patience: Duration,
}

const FULL: Plan = Plan {
    profile: Profile::Release,
    hold_seconds: 8,
    payout_hold_seconds: 10,
    purchase_workers: 8,
    race_tickets: 100,
    race_buyers: 20,
    gap: Duration::from_secs(8),
    grace: Duration::from_secs(5),
    replica_aftermath: Duration::from_secs(5),
    service_down: Duration::from_secs(1),
    nats_down: Duration::from_secs(3),
    database_down: Duration::from_secs(4),
    settle_patience: Duration::from_secs(90),
};

const SHORT: Plan = Plan {
    profile: Profile::Debug,
    hold_seconds: 4,
    payout_hold_seconds: 3,
    purchase_workers: 3,
    race_tickets: 10,
    race_buyers: 5,
    gap: Duration::from_secs(1),
    grace: Duration::from_secs(3),
    replica_aftermath: Duration::from_secs(5),
    service_down: Duration::from_millis(300),
    nats_down: Duration::from_secs(1),
    database_down: Duration::from_secs(2),
    settle_patience: Duration::from_secs(60),
};

/// The platform's share of each sale in the run, which the audit checks the
/// transfers against.
const PAYOUT_FEE_PERCENT: u8 = 10;

/// How many sales support refunds at Stripe after the load, as in the Dashboard, of
/// those paid out (their transfers are reversed) and of those not yet (never paid).
const SUPPORT_REFUNDS: i64 = 2;

/// The services killed, in order.
const CRASHED: [&str; 6] = [
    "tickets",
    "orders",
    "payments",
    "expiration",
    "auth",
    "client",
];

pub async fn run(options: Options) -> anyhow::Result<()> {
    let plan = if options.short { SHORT } else { FULL };
    install::ensure_tools()?;
    build_services(plan.profile)?;
    let data = workspace::target_dir().join("chaos");
    if data.exists() {
        std::fs::remove_dir_all(&data)?;
    }
    let mut stack = Stack::start(StackOptions {
        port: free_port()?,
        data: data.clone(),
        order_expiration_seconds: Some(plan.hold_seconds),
        profile: plan.profile,
        pin_services_to_core: None,
        service_env: [
            (
                "payments",
                "PAYOUT_HOLD_SECONDS",
                plan.payout_hold_seconds.to_string(),
            ),
            (
                "payments",
                "PAYOUT_FEE_PERCENT",
                PAYOUT_FEE_PERCENT.to_string(),
            ),
        ]
        .into_iter()
        .chain(no_per_user_limits())
        .collect(),
        nats_nodes: 3,
        replicas: options.replicas.into(),
        servers_from_env: false,
    })
    .await?;
    let gateway = stack.url().to_owned();
    let outcomes = load::Outcomes::default();

    progress::step(&format!(
        "Load: {} purchase workers and a race of {} buyers for {} tickets; faults every {}s",
        plan.purchase_workers,
        plan.race_buyers,
        plan.race_tickets,
        plan.gap.as_secs_f32()
    ));
    let stop_load = Arc::new(AtomicBool::new(false));
    let purchases = tokio::spawn({
        let (gateway, outcomes, stop) = (gateway.clone(), outcomes.clone(), stop_load.clone());
        async move { load::purchases(&gateway, plan.purchase_workers, stop, &outcomes).await }
    });
    let race = tokio::spawn({
        let (gateway, outcomes) = (gateway.clone(), outcomes.clone());
        async move {
            load::reservation_race(&gateway, plan.race_tickets, plan.race_buyers, &outcomes).await
        }
    });

    // When a failed request is the fault's doing: while a dependency is down and a
    // grace after; for a replica killed while another serves, as it dies and while
    // its unfinished transactions hold up the database.
    let mut fault_windows = Vec::new();
    let mut replica_windows = Vec::new();
    let replicas = stack.replicas();
    let nats_nodes = (0..stack.nats_nodes()).map(Fault::NatsNode);
    let faults = service_faults(replicas, options.short)
        .chain(nats_nodes)
        .chain([Fault::Nats, Fault::Database])
        .filter(|fault| options.only.is_empty() || options.only.contains(&fault.kind()));
    for fault in faults {
        tokio::time::sleep(plan.gap).await;
        let began = Instant::now();
        // When a replica died while the others served: the moment it was gone.
        let replica_gone = match fault {
            Fault::Service { name, replica } => {
                let gone = stack
                    .crash_and_restart(name, replica, plan.service_down)
                    .await?;
                (replicas > 1).then_some(gone)
            }
            Fault::NatsNode(node) => {
                stack
                    .crash_and_restart_nats_node(node, plan.nats_down)
                    .await?;
                None
            }
            Fault::Nats => {
                stack.crash_and_restart_nats(plan.nats_down).await?;
                None
            }
            Fault::Database => {
                stack.crash_and_restart_database(plan.database_down).await?;
                None
            }
        };
        match replica_gone {
            Some(gone) => replica_windows.push((began, gone + plan.replica_aftermath)),
            None => fault_windows.push((began, Instant::now() + plan.grace)),
        }
        progress::done(&format!(
            "{}: killed and back after {:.1}s",
            fault.describe(replicas),
            began.elapsed().as_secs_f32()
        ));
    }
    // The load runs on through the last fault's aftermath.
    tokio::time::sleep(plan.gap).await;
    stop_load.store(true, Ordering::Relaxed);
    let (attempted, completed) = purchases.await?;
    let race_won = race.await?;
    progress::done(&format!(
        "{completed} of {attempted} purchases completed; {race_won} reservations won the race for {} tickets",
        plan.race_tickets
    ));

    let (paid, held) = support::refund_paid_and_held_sales(
        stack.mongo_url(),
        stack.stripe_api_base(),
        stack.stripe_secret_key(),
        SUPPORT_REFUNDS,
    )
    .await?;
    progress::done(&format!(
        "Support refunded {paid} sales already paid out and {held} not yet, at Stripe"
    ));

    progress::step("Waiting for the system to settle, then auditing every database");
    let audit = audit::settle_and_audit(
        stack.mongo_url(),
        stack.stripe_api_base(),
        PAYOUT_FEE_PERCENT,
        plan.settle_patience,
    )
    .await?;
    let outcomes = outcomes.all();
    let failures = Failures::sort(&outcomes, &fault_windows, &replica_windows);

    let mut violations = audit.violations;
    if failures.outside > 0 {
        violations.push(format!(
            "{} requests failed (5xx or no answer) outside the fault windows",
            failures.outside
        ));
    }
    for line in &audit.summary {
        progress::done(line);
    }
    progress::done(&format!(
        "{} requests; {} failed as a replica died (in flight on it, or held up by its unfinished transactions), {} during other faults, {} outside",
        outcomes.len(),
        failures.as_a_replica_died,
        failures.during_faults,
        failures.outside
    ));
    drop(stack);
    if violations.is_empty() {
        progress::done("Audit passed: no invariant was broken");
        return Ok(());
    }
    for violation in &violations {
        eprintln!("!! {violation}");
    }
    bail!(
        "{} invariant violations; the logs are in {}",
        violations.len(),
        data.join("logs").display()
    )
}

/// The service crashes of a run. With one replica each service is killed whole; with
/// more, one replica at a time: every replica of every service in a full run, and in a
/// short one a different replica of each service in turn.
fn service_faults(replicas: usize, short: bool) -> impl Iterator<Item = Fault> {
    CRASHED.into_iter().enumerate().flat_map(move |(n, name)| {
        let killed = if short {
            n % replicas + 1..=n % replicas + 1
        } else {
            1..=replicas
        };
        killed.map(move |replica| Fault::Service { name, replica })
    })
}

/// The requests that failed (a 5xx or no answer), by when.
struct Failures {
    /// Under way while a replica was killed, or in its aftermath.
    as_a_replica_died: usize,
    /// Under way while a dependency was down, or within the grace after.
    during_faults: usize,
    /// Neither: each one is a violation.
    outside: usize,
}

impl Failures {
    /// A request counts against a fault if it was under way at any moment of its
    /// window.
    fn sort(
        outcomes: &[testkit::api::Exchange],
        fault_windows: &[(Instant, Instant)],
        replica_windows: &[(Instant, Instant)],
    ) -> Self {
        let under_way = |outcome: &testkit::api::Exchange, windows: &[(Instant, Instant)]| {
            windows
                .iter()
                .any(|(from, to)| outcome.sent <= *to && outcome.answered >= *from)
        };
        let mut failures = Self {
            as_a_replica_died: 0,
            during_faults: 0,
            outside: 0,
        };
        let failed = outcomes
            .iter()
            .filter(|outcome| outcome.status.is_none_or(|status| status.is_server_error()));
        for outcome in failed {
            if under_way(outcome, replica_windows) {
                failures.as_a_replica_died += 1;
            } else if under_way(outcome, fault_windows) {
                failures.during_faults += 1;
            } else {
                failures.outside += 1;
            }
        }
        failures
    }
}

#[derive(Clone, Copy)]
enum Fault {
    /// Replica `replica` (from 1) of a service.
    Service {
        name: &'static str,
        replica: usize,
    },
    /// One server of the three-node NATS cluster; the other two keep the stream.
    NatsNode(usize),
    /// Every NATS server at once.
    Nats,
    Database,
}

impl Fault {
    fn kind(self) -> FaultKind {
        match self {
            Self::Service { .. } => FaultKind::Services,
            Self::NatsNode(_) | Self::Nats => FaultKind::Nats,
            Self::Database => FaultKind::Database,
        }
    }

    /// What was killed, in a stack of `replicas` replicas of each service.
    fn describe(self, replicas: usize) -> String {
        match self {
            Self::Service { name, .. } if replicas == 1 => name.to_owned(),
            Self::Service { name, replica } => {
                format!("{name}-{replica} (of {replicas}, the others serving)")
            }
            Self::NatsNode(node) => format!("NATS node {}", node + 1),
            Self::Nats => "every NATS node".to_owned(),
            Self::Database => "the database".to_owned(),
        }
    }
}
