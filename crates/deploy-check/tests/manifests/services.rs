use std::time::Duration;

use deploy_check::Overlay;

use crate::{
    all_containers, container, environment::env_of, name_of, number, overlays, selects,
    service_deployments,
};

#[test]
fn every_service_selects_a_pod_template_and_targets_a_port_it_has() {
    for overlay in overlays() {
        check_services(overlay);
    }
}

fn check_services(overlay: &Overlay) {
    let workloads = overlay.workloads();
    for service in overlay.of_kind("Service") {
        let selector = &service["spec"]["selector"];
        let workload = workloads
            .iter()
            .find(|workload| selects(selector, workload))
            .unwrap_or_else(|| panic!("Service {} selects no pod template", name_of(service)));
        let ports: Vec<_> = all_containers(workload)
            .into_iter()
            .flat_map(|container| container["ports"].as_sequence().into_iter().flatten())
            .collect();
        for port in service["spec"]["ports"].as_sequence().unwrap() {
            let target = &port["targetPort"];
            let exists = ports.iter().any(|declared| {
                declared["name"] == *target || declared["containerPort"] == *target
            });
            assert!(
                exists,
                "Service {} targets {target:?}, which {} does not expose",
                name_of(service),
                name_of(workload)
            );
        }
    }
}

#[test]
fn every_workload_selects_its_own_pods() {
    for overlay in overlays() {
        for workload in overlay.workloads() {
            assert!(
                selects(&workload["spec"]["selector"]["matchLabels"], workload),
                "{}: {} does not select its pod template",
                overlay.name,
                name_of(workload)
            );
        }
    }
}

/// The collector's probes are checked with its configuration (observability.rs).
#[test]
fn every_service_probes_liveness_and_readiness() {
    for deployment in overlays().iter().flat_map(service_deployments) {
        let name = name_of(deployment);
        let container = container(deployment);
        assert_eq!(
            container["livenessProbe"]["httpGet"]["path"], "/healthz",
            "{name}"
        );
        assert_eq!(
            container["readinessProbe"]["httpGet"]["path"], "/readyz",
            "{name}"
        );
    }
}

/// A starting service waits for its database, then for its NATS connection and its
/// stream, before it listens. Until a startup probe answers, the kubelet runs neither
/// liveness nor readiness; without one, liveness would kill a pod still waiting.
#[test]
fn a_service_waiting_for_its_dependencies_is_given_the_time_by_its_startup_probe() {
    for deployment in overlays().iter().flat_map(service_deployments) {
        let name = name_of(deployment);
        let container = container(deployment);
        let env = env_of(container);
        let mut wait = Duration::ZERO;
        if env.contains_key("MONGO_URL") {
            wait += storage::mongo::STARTUP_PATIENCE;
        }
        if env.contains_key("NATS_URL") {
            wait += 2 * bus::SETUP_PATIENCE;
        }
        if wait.is_zero() {
            continue;
        }
        let startup = &container["startupProbe"];
        assert_eq!(startup["httpGet"]["path"], "/healthz", "{name}");
        let budget = number(&startup["periodSeconds"]) * number(&startup["failureThreshold"]);
        assert!(
            budget >= wait.as_secs(),
            "{name}: its startup probe gives {budget} s; it may wait {} s for its \
             database and NATS",
            wait.as_secs()
        );
    }
}

#[test]
fn every_container_requests_and_limits_cpu_and_memory() {
    for overlay in overlays() {
        for workload in overlay.workloads() {
            for container in all_containers(workload) {
                for (field, resource) in [
                    ("requests", "cpu"),
                    ("requests", "memory"),
                    ("limits", "cpu"),
                    ("limits", "memory"),
                ] {
                    assert!(
                        !container["resources"][field][resource].is_null(),
                        "{}: {} of {} sets no {field}.{resource}",
                        overlay.name,
                        container["name"].as_str().unwrap(),
                        name_of(workload)
                    );
                }
            }
        }
    }
}

#[test]
fn every_database_and_the_event_stream_keep_their_data_on_a_volume() {
    for overlay in overlays() {
        for stateful in overlay.of_kind("StatefulSet") {
            let claims = stateful["spec"]["volumeClaimTemplates"].as_sequence();
            assert!(
                claims.is_some_and(|claims| !claims.is_empty()),
                "{}",
                name_of(stateful)
            );
        }
    }
}
