//! The event bus: three NATS servers with JetStream, clustered through their routes,
//! an acknowledged event on disk, a store that fits its volume, a server recovering its
//! stream left alone, lame-duck shutdown, and each service's credentials from one
//! Secret. The server configuration is checked by the pinned nats-server itself.

use std::collections::BTreeSet;

use deploy_check::{Overlay, Value, manifests_dir, name_of};
use marketplace::events::{
    ServiceName,
    access::{OPERATOR_USER, authorization_conf, password_variable},
};
use settings::{Env, EventsConfig};
use testkit::tools::Tool;

use crate::{container, environment::env_of, number, overlays, pod_spec};

/// What each event service reads of its Deployment's env: its stream's bound and
/// namespace.
fn events_configs(overlay: &Overlay) -> Vec<EventsConfig> {
    overlay
        .of_kind("Deployment")
        .into_iter()
        .map(container)
        .filter(|app| env_of(app).contains_key("NATS_URL"))
        .map(|app| {
            let env = Env::from_map(env_of(app));
            EventsConfig::from(&env, app["name"].as_str().unwrap())
                .expect("an event service's configuration")
        })
        .collect()
}

/// What the servers' volume must keep free beyond `max_file_store`: filesystem
/// overhead, and room for JetStream to refuse writes before the disk is full.
const VOLUME_HEADROOM: f64 = 0.2;

fn nats(overlay: &Overlay) -> &Value {
    overlay
        .named("StatefulSet", "nats")
        .unwrap_or_else(|| panic!("{}: no nats StatefulSet", overlay.name))
}

/// The files of the ConfigMap the servers mount (nats.conf, permissions.conf).
fn config_map(overlay: &Overlay) -> &Value {
    let volume = pod_spec(nats(overlay))["volumes"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|volume| volume["configMap"].is_mapping())
        .expect("the servers mount their configuration");
    let name = volume["configMap"]["name"].as_str().unwrap();
    assert!(
        name.starts_with("nats-config"),
        "the configuration is the ConfigMap nats-config, not {name}"
    );
    &overlay
        .named("ConfigMap", name)
        .expect("the mounted ConfigMap")["data"]
}

fn nats_conf(overlay: &Overlay) -> &str {
    config_map(overlay)["nats.conf"]
        .as_str()
        .expect("nats-config has nats.conf")
}

/// The value of `key: value` in a NATS configuration (comments ignored).
fn setting<'a>(conf: &'a str, key: &str) -> Option<&'a str> {
    conf.lines()
        .map(|line| line.split('#').next().unwrap().trim())
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            (name.trim() == key).then(|| value.trim().trim_matches('"'))
        })
}

/// `2GiB`, `512MB`, `3Gi`, ... in bytes.
fn bytes(size: &str) -> u64 {
    let digits: String = size.chars().take_while(char::is_ascii_digit).collect();
    let unit = &size[digits.len()..];
    let factor: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "ki" | "kib" | "kb" => 1 << 10,
        "mi" | "mib" | "mb" => 1 << 20,
        "gi" | "gib" | "gb" => 1 << 30,
        "k" => 1000,
        "m" => 1_000_000,
        "g" => 1_000_000_000,
        other => panic!("unknown size unit {other} in {size}"),
    };
    digits.parse::<u64>().unwrap() * factor
}

/// `30s`, `2m` in seconds.
fn seconds(duration: &str) -> u64 {
    let (value, factor) = match duration.strip_suffix('m') {
        Some(minutes) => (minutes, 60),
        None => (duration.strip_suffix('s').unwrap_or(duration), 1),
    };
    value.parse::<u64>().unwrap() * factor
}

fn data_volume_bytes(set: &Value) -> u64 {
    let claim = &set["spec"]["volumeClaimTemplates"][0];
    bytes(
        claim["spec"]["resources"]["requests"]["storage"]
            .as_str()
            .unwrap(),
    )
}

fn port_named(workload: &Value, name: &str) -> u64 {
    container(workload)["ports"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|port| port["name"] == name)
        .map(|port| number(&port["containerPort"]))
        .unwrap_or_else(|| panic!("{} has no port {name}", name_of(workload)))
}

#[test]
fn the_event_bus_is_three_servers_clustered_through_routes_to_each_of_them() {
    for overlay in overlays() {
        let set = nats(overlay);
        let replicas = number(&set["spec"]["replicas"]);
        assert_eq!(
            replicas, 3,
            "{}: three servers, for three stream replicas",
            overlay.name
        );
        // A server is healthy only once the cluster has a JetStream leader, which takes
        // two servers: started one by one, the first would never become ready.
        assert_eq!(
            set["spec"]["podManagementPolicy"], "Parallel",
            "{}",
            overlay.name
        );
        let conf = nats_conf(overlay);
        let cluster_port = port_named(set, "cluster");
        assert_eq!(
            setting(conf, "port").map(str::to_owned),
            Some(port_named(set, "client").to_string()),
            "{}: the client port",
            overlay.name
        );
        let headless = set["spec"]["serviceName"].as_str().unwrap();
        let routes: BTreeSet<&str> = conf
            .lines()
            .map(str::trim)
            .filter(|line| line.starts_with("nats://"))
            .collect();
        let expected: BTreeSet<String> = (0..replicas)
            .map(|i| format!("nats://nats-{i}.{headless}:{cluster_port}"))
            .collect();
        assert_eq!(
            routes,
            expected.iter().map(String::as_str).collect(),
            "{}: a route to every server, by its stable name",
            overlay.name
        );
        let service = overlay.named("Service", headless).unwrap();
        assert!(
            service["spec"]["ports"]
                .as_sequence()
                .unwrap()
                .iter()
                .any(|port| number(&port["port"]) == cluster_port),
            "{}: {headless} carries the route port",
            overlay.name
        );
        for env in overlay
            .of_kind("Deployment")
            .into_iter()
            .map(|d| env_of(container(d)))
        {
            if let Some(replicas_wanted) = env.get("EVENTS_STREAM_REPLICAS") {
                assert_eq!(replicas_wanted.parse::<u64>().unwrap(), replicas);
            }
        }
    }
}

#[test]
fn the_pinned_nats_server_accepts_the_configuration() {
    for overlay in overlays() {
        let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("nats-config-{}", overlay.name));
        std::fs::create_dir_all(&dir).unwrap();
        for (file, text) in config_map(overlay).as_mapping().unwrap() {
            std::fs::write(dir.join(file.as_str().unwrap()), text.as_str().unwrap()).unwrap();
        }
        let server = container(nats(overlay));
        let mut command = Tool::NatsServer.command();
        command.arg("-t").arg("-c").arg(dir.join("nats.conf"));
        // The pod's env, secrets standing for values; the pod name is a real one.
        for (name, value) in env_of(server) {
            command.env(&name, value);
        }
        command.env("POD_NAME", "nats-0");
        let output = command.output().expect("run nats-server -t");
        assert!(
            output.status.success(),
            "{}: nats-server refuses nats.conf:\n{}{}",
            overlay.name,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn an_acknowledged_event_is_on_disk_and_the_store_fits_its_volume() {
    for overlay in overlays() {
        let conf = nats_conf(overlay);
        assert_eq!(
            setting(conf, "sync_interval"),
            Some("always"),
            "{}: JetStream must sync each write before acknowledging it",
            overlay.name
        );
        let store = bytes(setting(conf, "max_file_store").expect("max_file_store"));
        let volume = data_volume_bytes(nats(overlay));
        // JetStream reserves the stream's max_bytes on every server with a copy.
        for events in events_configs(overlay) {
            let stream = u64::try_from(events.stream_max_bytes).unwrap();
            assert!(
                store > stream,
                "{}: max_file_store {store} cannot hold the stream ({stream})",
                overlay.name
            );
        }
        assert!(
            store as f64 <= volume as f64 * (1.0 - VOLUME_HEADROOM),
            "{}: max_file_store {store} leaves too little of the {volume}-byte volume",
            overlay.name
        );
        let store_dir = setting(conf, "store_dir").expect("store_dir");
        let on_volume = container(nats(overlay))["volumeMounts"]
            .as_sequence()
            .unwrap()
            .iter()
            .any(|mount| {
                mount["name"] == "data"
                    && store_dir.starts_with(mount["mountPath"].as_str().unwrap())
            });
        assert!(
            on_volume,
            "{}: store_dir {store_dir} is not on the volume",
            overlay.name
        );
    }
}

#[test]
fn a_recovering_server_is_left_alone_and_a_stopping_one_hands_over_in_lame_duck_mode() {
    for overlay in overlays() {
        let set = nats(overlay);
        let server = container(set);
        let conf = nats_conf(overlay);
        let startup = &server["startupProbe"];
        let budget = number(&startup["periodSeconds"]) * number(&startup["failureThreshold"]);
        assert!(
            budget >= 600,
            "{}: a server recovering JetStream gets {budget} s before liveness may kill it",
            overlay.name
        );
        let pid_file = setting(conf, "pid_file").expect("pid_file");
        let command: Vec<&str> = server["lifecycle"]["preStop"]["exec"]["command"]
            .as_sequence()
            .expect("a preStop exec")
            .iter()
            .map(|part| part.as_str().unwrap())
            .collect();
        assert_eq!(
            command.last().copied(),
            Some(format!("ldm={pid_file}").as_str()),
            "{}: preStop must signal lame-duck mode through the server's pid file",
            overlay.name
        );
        let lame_duck = seconds(setting(conf, "lame_duck_grace_period").expect("grace period"))
            + seconds(setting(conf, "lame_duck_duration").expect("lame_duck_duration"));
        let grace = number(&pod_spec(set)["terminationGracePeriodSeconds"]);
        assert!(
            grace >= lame_duck + 10,
            "{}: terminationGracePeriodSeconds {grace} cuts lame-duck mode ({lame_duck} s) short",
            overlay.name
        );
    }
}

#[test]
fn the_go_runtime_collects_before_the_memory_limit() {
    for overlay in overlays() {
        let server = container(nats(overlay));
        let limit = bytes(server["resources"]["limits"]["memory"].as_str().unwrap());
        let soft = env_of(server)
            .get("GOMEMLIMIT")
            .map(|value| bytes(value))
            .unwrap_or_else(|| panic!("{}: no GOMEMLIMIT", overlay.name));
        assert!(
            soft < limit,
            "{}: GOMEMLIMIT {soft} ≥ limit {limit}",
            overlay.name
        );
    }
}

/// Set to write infra/k8s/base/permissions.conf anew from the event table.
const BLESS: &str = "DEPLOY_CHECK_BLESS";

#[test]
fn the_permissions_are_the_event_tables_in_their_own_file_which_the_configuration_includes() {
    let path = manifests_dir().join("base/permissions.conf");
    for overlay in overlays() {
        assert!(
            nats_conf(overlay)
                .lines()
                .any(|line| line.trim() == r#"include "permissions.conf""#),
            "{}: nats.conf must include permissions.conf",
            overlay.name
        );
        for events in events_configs(overlay) {
            let generated = authorization_conf(&events.namespace);
            if std::env::var_os(BLESS).is_some() {
                std::fs::write(&path, &generated).unwrap();
                continue;
            }
            assert_eq!(
                config_map(overlay)["permissions.conf"].as_str(),
                Some(generated.as_str()),
                "{}: permissions.conf is not what the event table generates; write it \
                 anew with `{BLESS}=1 cargo test -p deploy-check permissions`",
                overlay.name
            );
        }
    }
}

#[test]
fn every_users_password_reaches_the_servers_from_the_nats_credentials_secret() {
    for overlay in overlays() {
        let clients: BTreeSet<String> = overlay
            .of_kind("Deployment")
            .into_iter()
            .map(container)
            .filter(|app| env_of(app).contains_key("NATS_PASSWORD"))
            .map(|app| app["name"].as_str().unwrap().to_owned())
            .collect();
        let services: BTreeSet<String> = ServiceName::ALL
            .iter()
            .map(|service| service.as_str().to_owned())
            .collect();
        assert_eq!(
            clients, services,
            "{}: every event service, auth too",
            overlay.name
        );
        let users = services.iter().map(String::as_str).chain([OPERATOR_USER]);
        let server = container(nats(overlay));
        let variables: Vec<&Value> = server["env"]
            .as_sequence()
            .unwrap()
            .iter()
            .filter(|variable| {
                variable["name"]
                    .as_str()
                    .is_some_and(|name| name.starts_with("NATS_PASSWORD_"))
            })
            .collect();
        let mut expected = 0;
        for user in users {
            expected += 1;
            let name = password_variable(user);
            let variable = variables
                .iter()
                .find(|variable| variable["name"] == name.as_str())
                .unwrap_or_else(|| panic!("{}: the servers get no {name}", overlay.name));
            let secret = &variable["valueFrom"]["secretKeyRef"];
            assert_eq!(
                (secret["name"].as_str(), secret["key"].as_str()),
                (Some("nats-credentials"), Some(user)),
                "{}: {name}",
                overlay.name
            );
        }
        assert_eq!(
            variables.len(),
            expected,
            "{}: a password nobody uses",
            overlay.name
        );
    }
}
