//! Each service's MongoDB: a replica set with access control (a keyfile between
//! members, a root user, the service's own user), members with stable names, probes
//! that suit mongosh, three members on three nodes in production and one locally.

use std::process::Command;

use deploy_check::{Overlay, Value, manifests_dir, name_of};

use crate::{all_containers, environment::env_of, number, overlay, overlays, pod_spec, selects};

/// The databases: StatefulSets labelled as such.
fn databases(overlay: &Overlay) -> Vec<&Value> {
    let databases: Vec<&Value> = overlay
        .of_kind("StatefulSet")
        .into_iter()
        .filter(|set| set["metadata"]["labels"]["app.kubernetes.io/component"] == "database")
        .collect();
    assert!(!databases.is_empty(), "{}: no databases", overlay.name);
    databases
}

/// The service a database belongs to (`auth-mongo` → `auth`).
fn service_of(database: &Value) -> &str {
    name_of(database)
        .strip_suffix("-mongo")
        .expect("databases are named <service>-mongo")
}

fn named_container<'a>(workload: &'a Value, name: &str) -> &'a Value {
    all_containers(workload)
        .into_iter()
        .find(|container| container["name"] == name)
        .unwrap_or_else(|| panic!("{} has no container {name}", name_of(workload)))
}

fn args(container: &Value) -> Vec<&str> {
    container["args"]
        .as_sequence()
        .into_iter()
        .flatten()
        .map(|arg| arg.as_str().unwrap())
        .collect()
}

/// The value of `--name=value` among mongod's arguments.
fn flag<'a>(container: &'a Value, name: &str) -> Option<&'a str> {
    let prefix = format!("--{name}=");
    args(container)
        .into_iter()
        .find_map(|arg| arg.strip_prefix(prefix.as_str()))
}

/// The volume a container mounts at the directory holding `path`.
fn volume_at<'a>(workload: &'a Value, container: &Value, path: &str) -> (&'a Value, bool) {
    let mount = container["volumeMounts"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter(|mount| path.starts_with(mount["mountPath"].as_str().unwrap()))
        .max_by_key(|mount| mount["mountPath"].as_str().unwrap().len())
        .unwrap_or_else(|| panic!("{}: nothing is mounted at {path}", name_of(workload)));
    let volume = pod_spec(workload)["volumes"]
        .as_sequence()
        .into_iter()
        .flatten()
        .find(|volume| volume["name"] == mount["name"])
        .unwrap_or_else(|| panic!("{}: no volume {:?}", name_of(workload), mount["name"]));
    (volume, mount["readOnly"] == true)
}

/// The (Secret, key) an env variable of a container comes from.
fn secret_of<'a>(container: &'a Value, variable: &str) -> (&'a str, &'a str) {
    let reference = container["env"]
        .as_sequence()
        .into_iter()
        .flatten()
        .find(|entry| entry["name"] == variable)
        .map(|entry| &entry["valueFrom"]["secretKeyRef"])
        .unwrap_or_else(|| panic!("{:?} has no {variable}", container["name"]));
    (
        reference["name"].as_str().expect("a Secret"),
        reference["key"].as_str().expect("a key"),
    )
}

#[test]
fn every_mongod_requires_authentication_with_a_keyfile_only_its_owner_can_read() {
    for overlay in overlays() {
        for database in databases(overlay) {
            let name = format!("{}: {}", overlay.name, name_of(database));
            let mongod = named_container(database, "mongo");
            assert!(
                args(mongod).contains(&"--auth"),
                "{name}: mongod without --auth"
            );
            let keyfile = flag(mongod, "keyFile").unwrap_or_else(|| panic!("{name}: no --keyFile"));
            let (volume, _) = volume_at(database, mongod, keyfile);
            assert!(
                volume["emptyDir"].is_mapping(),
                "{name}: mongod must read its keyfile from the copy in an emptyDir, not from the \
                 Secret volume, whose files the kubelet makes group-readable"
            );
            // An init container (not a sidecar) writes the copy before mongod starts.
            let copier = pod_spec(database)["initContainers"]
                .as_sequence()
                .into_iter()
                .flatten()
                .find(|init| init["restartPolicy"].is_null() && !init["command"].is_null())
                .unwrap_or_else(|| panic!("{name}: nothing copies the keyfile"));
            let command: Vec<&str> = copier["command"]
                .as_sequence()
                .unwrap()
                .iter()
                .map(|part| part.as_str().unwrap())
                .collect();
            let [program, "-m", "0400", source, target] = command[..] else {
                panic!(
                    "{name}: the keyfile must be copied with `install -m 0400 <secret> <copy>`, not {command:?}"
                );
            };
            assert_eq!((program, target), ("install", keyfile), "{name}");
            let (source_volume, _) = volume_at(database, copier, source);
            assert_eq!(
                source_volume["secret"]["secretName"],
                format!("{}-mongo-root", service_of(database)).as_str(),
                "{name}: the keyfile comes from the database's root Secret"
            );
            let (target_volume, read_only) = volume_at(database, copier, target);
            assert_eq!(target_volume["name"], volume["name"], "{name}");
            assert!(
                !read_only,
                "{name}: the copy's volume is read-only for the copier"
            );
        }
    }
}

#[test]
fn every_database_creates_its_root_user_and_its_services_user_from_the_services_secrets() {
    for overlay in overlays() {
        for database in databases(overlay) {
            let service = service_of(database);
            let name = format!("{}: {}", overlay.name, name_of(database));
            let init = named_container(database, "mongo-init");
            assert_eq!(
                init["restartPolicy"], "Always",
                "{name}: mongo-init is a sidecar beside mongod"
            );
            let env = env_of(init);
            assert_eq!(env["APP_DATABASE"], service, "{name}: its own database");
            assert_eq!(env["APP_USER"], service, "{name}");
            assert_eq!(
                env["GOVERNING_SERVICE"],
                database["spec"]["serviceName"].as_str().unwrap(),
                "{name}: members are named through the governing Service"
            );
            assert_eq!(
                Some(env["REPLICA_SET"].as_str()),
                flag(named_container(database, "mongo"), "replSet"),
                "{name}"
            );
            let credentials = format!("{service}-mongo-credentials");
            assert_eq!(
                secret_of(init, "APP_PASSWORD"),
                (credentials.as_str(), "password"),
                "{name}"
            );
            assert_eq!(
                secret_of(init, "ROOT_PASSWORD"),
                (format!("{service}-mongo-root").as_str(), "password"),
                "{name}"
            );
            // The service connects with the URL in the same Secret as the password
            // its user is created with.
            let deployment = overlay
                .named("Deployment", &format!("{service}-depl"))
                .unwrap_or_else(|| panic!("{name}: no Deployment {service}-depl"));
            let app = &pod_spec(deployment)["containers"][0];
            assert_eq!(
                secret_of(app, "MONGO_URL"),
                (credentials.as_str(), "MONGO_URL"),
                "{name}"
            );
        }
    }
}

/// Runs the mongo-init script's scenarios (mongo_converge_scenarios.js) under Node.js
/// against a fake mongod: initiating only an uninitialised set, "already initialized"
/// counting as done, other errors retried, no second set beside a running one, members
/// joining, the root user through the localhost exception and the service's user with
/// readWrite on its own database only.
#[test]
fn the_init_script_initiates_joins_and_creates_least_privilege_users() {
    let scenarios = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/manifests/mongo_converge_scenarios.js");
    let script = manifests_dir().join("base/mongo-converge.js");
    let output = Command::new("node")
        .arg(&scenarios)
        .arg(&script)
        .output()
        .expect("run node (Node.js 18 or later, see the README's quick start)");
    let report = String::from_utf8_lossy(&output.stdout) + String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{report}");
    assert!(report.contains("scenarios passed"), "{report}");

    let wrapper = manifests_dir().join("base/mongo-init.sh");
    let syntax = Command::new("bash")
        .arg("-n")
        .arg(&wrapper)
        .output()
        .unwrap();
    assert!(
        syntax.status.success(),
        "{}",
        String::from_utf8_lossy(&syntax.stderr)
    );
}

/// The commands of every probe of a container.
fn exec_probes(container: &Value) -> Vec<&Value> {
    ["startupProbe", "readinessProbe", "livenessProbe"]
        .iter()
        .map(|probe| &container[*probe])
        .filter(|probe| probe["exec"].is_mapping())
        .collect()
}

fn runs_mongosh(command: &Value) -> bool {
    command.as_sequence().is_some_and(|parts| {
        parts.iter().any(|part| {
            part == "mongosh" || part.as_str().is_some_and(|part| part.contains("mongosh "))
        })
    })
}

#[test]
fn mongosh_gets_seconds_to_answer_and_a_writable_home() {
    for overlay in overlays() {
        for database in databases(overlay) {
            for container in all_containers(database) {
                let name = format!(
                    "{}: {} of {}",
                    overlay.name,
                    container["name"].as_str().unwrap(),
                    name_of(database)
                );
                let probes = exec_probes(container);
                let mongosh_probes: Vec<_> = probes
                    .iter()
                    .filter(|probe| runs_mongosh(&probe["exec"]["command"]))
                    .collect();
                for probe in &mongosh_probes {
                    // Node.js starts slowly: the default of 1 s fails a healthy member.
                    assert!(
                        probe["timeoutSeconds"].as_u64().unwrap_or(1) >= 5,
                        "{name}: a mongosh probe needs a timeout of seconds"
                    );
                }
                let script = container["command"].as_sequence().is_some_and(|command| {
                    command.iter().any(|part| {
                        part.as_str()
                            .is_some_and(|part| part.contains("mongo-init"))
                    })
                });
                if mongosh_probes.is_empty() && !script {
                    continue;
                }
                // mongosh writes its log under $HOME, and the root filesystem is
                // read-only.
                let home = env_of(container)
                    .get("HOME")
                    .cloned()
                    .unwrap_or_else(|| panic!("{name} runs mongosh without a HOME"));
                let (volume, read_only) = volume_at(database, container, &home);
                assert!(
                    volume["emptyDir"].is_mapping() && !read_only,
                    "{name}: HOME ({home}) must be a writable emptyDir"
                );
            }
            let mongod = named_container(database, "mongo");
            assert!(
                mongod["startupProbe"].is_mapping(),
                "{}: {}: mongod may take minutes to recover its journal; only a startup \
                 probe keeps liveness from killing it meanwhile",
                overlay.name,
                name_of(database)
            );
        }
    }
}

#[test]
fn every_stateful_set_names_its_members_through_a_headless_service_published_before_ready() {
    for overlay in overlays() {
        for set in overlay.of_kind("StatefulSet") {
            let governing = set["spec"]["serviceName"].as_str().unwrap();
            let name = format!("{}: {}", overlay.name, name_of(set));
            let service = overlay
                .named("Service", governing)
                .unwrap_or_else(|| panic!("{name}: no Service {governing}"));
            assert_eq!(
                service["spec"]["clusterIP"], "None",
                "{name}: {governing} must be headless, for one DNS name per member"
            );
            // A member (a NATS server) becomes ready only after it has found the
            // others by these names: published only when ready, none would ever be.
            assert_eq!(
                service["spec"]["publishNotReadyAddresses"], true,
                "{name}: {governing} must publish members before they are ready"
            );
            assert!(selects(&service["spec"]["selector"], set), "{name}");
        }
    }
}

#[test]
fn production_runs_three_members_on_three_nodes_and_a_local_cluster_one() {
    for database in databases(overlay("production")) {
        let name = name_of(database);
        assert_eq!(number(&database["spec"]["replicas"]), 3, "{name}");
        // Member 0 initiates the set before member 1 starts (mongo-converge.js).
        assert_eq!(
            database["spec"]["podManagementPolicy"], "OrderedReady",
            "{name}"
        );
        crate::rollout::assert_one_per_node(database);
    }
    for database in databases(overlay("local")) {
        assert_eq!(
            number(&database["spec"]["replicas"]),
            1,
            "{}: one member on a one-node cluster",
            name_of(database)
        );
    }
}
