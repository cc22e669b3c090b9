//! What a service's reads cost the database, from the database itself: the reads
//! its profiler recorded, and the plan `explain` gives each of them.

use futures::TryStreamExt;
use mongodb::{
    Database,
    bson::{Bson, Document, doc},
};

/// The `find` commands run on `collection` while `database`'s profiler was on
/// (`{ profile: 2 }`): each one's filter, sort and limit, as the service sent them.
pub async fn profiled_finds(database: &Database, collection: &str) -> Vec<Document> {
    let namespace = format!("{}.{collection}", database.name());
    database
        .collection::<Document>("system.profile")
        .find(doc! { "ns": namespace, "op": "query" })
        .await
        .expect("read the profiler's entries")
        .try_collect::<Vec<Document>>()
        .await
        .expect("read the profiler's entries")
        .into_iter()
        .filter_map(|entry| entry.get_document("command").ok().cloned())
        .filter(|command| command.contains_key("find"))
        .collect()
}

/// What the plan of a read does.
#[derive(Debug)]
pub struct Plan {
    /// The stages that read the collection: `IXSCAN` (an index) or `COLLSCAN`.
    pub scans: Vec<String>,
    /// Whether the plan sorts in memory (a `SORT` stage), instead of reading an
    /// index in order.
    pub sorts_in_memory: bool,
    pub docs_examined: i64,
    pub keys_examined: i64,
}

/// The plan of `find` (a command the profiler recorded) on `collection`, run with
/// `executionStats` and without its `limit`: what the read's own bounds hold, which
/// is what a store that reads every match before it limits reads (the test server
/// is one), where MongoDB would stop at the limit.
pub async fn explain_unlimited_find(
    database: &Database,
    collection: &str,
    find: &Document,
) -> Plan {
    let mut query = doc! { "find": collection };
    for field in ["filter", "sort", "hint"] {
        if let Some(value) = find.get(field) {
            query.insert(field, value.clone());
        }
    }
    let explained = database
        .run_command(doc! { "explain": query, "verbosity": "executionStats" })
        .await
        .expect("explain the read");
    let winning = explained
        .get_document("queryPlanner")
        .and_then(|planner| planner.get_document("winningPlan"))
        .expect("a winning plan");
    let mut stages = Vec::new();
    collect_stages(winning, &mut stages);
    let stats = explained
        .get_document("executionStats")
        .expect("execution stats");
    let count = |name: &str| stats.get(name).and_then(Bson::as_i64_lossy).unwrap_or(-1);
    Plan {
        scans: stages
            .iter()
            .filter(|stage| stage.ends_with("SCAN"))
            .cloned()
            .collect(),
        sorts_in_memory: stages.iter().any(|stage| stage == "SORT"),
        docs_examined: count("totalDocsExamined"),
        keys_examined: count("totalKeysExamined"),
    }
}

fn collect_stages(stage: &Document, into: &mut Vec<String>) {
    if let Ok(name) = stage.get_str("stage") {
        into.push(name.to_owned());
    }
    if let Ok(input) = stage.get_document("inputStage") {
        collect_stages(input, into);
    }
    if let Ok(inputs) = stage.get_array("inputStages") {
        for input in inputs.iter().filter_map(Bson::as_document) {
            collect_stages(input, into);
        }
    }
}

trait LossyInteger {
    fn as_i64_lossy(&self) -> Option<i64>;
}

impl LossyInteger for Bson {
    /// Counts come back as whichever integer (or double) type the server chose.
    fn as_i64_lossy(&self) -> Option<i64> {
        match self {
            Bson::Int32(n) => Some(i64::from(*n)),
            Bson::Int64(n) => Some(*n),
            Bson::Double(n) => Some(*n as i64),
            _ => None,
        }
    }
}
