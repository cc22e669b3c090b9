//! Rollouts, drains and load drop no requests: a pod keeps serving until traffic has
//! left it and finishes what it has; disruption budgets let drains proceed one pod at a
//! time; replicas spread over nodes; the APIs and the client scale on CPU.

use deploy_check::{Overlay, Value, name_of};
use httpkit::http::REQUEST_TIMEOUT;

use crate::{container, number, overlays, pod_spec, selects};

/// Time to spare after the longest request, for the rest of a graceful shutdown.
const SHUTDOWN_MARGIN_SECONDS: u64 = 5;

/// The shortest preStop delay that outlasts the endpoint update reaching kube-proxy and
/// the ingress controller.
const MIN_PRE_STOP_SECONDS: u64 = 5;

#[test]
fn every_app_pod_keeps_serving_through_the_endpoint_update_and_finishes_its_requests() {
    for deployment in overlays()
        .iter()
        .flat_map(|overlay| overlay.of_kind("Deployment"))
    {
        let name = name_of(deployment);
        let pre_stop = &container(deployment)["lifecycle"]["preStop"];
        // The images have no shell, so no `exec: sleep`: the kubelet's own sleep.
        let delay = pre_stop["sleep"]["seconds"]
            .as_u64()
            .unwrap_or_else(|| panic!("{name}: no preStop sleep"));
        assert!(
            delay >= MIN_PRE_STOP_SECONDS,
            "{name}: preStop {delay} s is too short"
        );
        let grace = number(&pod_spec(deployment)["terminationGracePeriodSeconds"]);
        let needed = delay + REQUEST_TIMEOUT.as_secs() + SHUTDOWN_MARGIN_SECONDS;
        assert!(
            grace >= needed,
            "{name}: terminationGracePeriodSeconds {grace} < preStop {delay} + request \
             timeout {} + {SHUTDOWN_MARGIN_SECONDS}",
            REQUEST_TIMEOUT.as_secs()
        );
        assert_eq!(
            deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"], 0,
            "{name}: a rollout keeps every replica until its successor is ready"
        );
    }
}

/// The fewest replicas a workload runs with: its autoscaler's minimum, else its count.
fn min_replicas(overlay: &Overlay, workload: &Value) -> u64 {
    match autoscaler_of(overlay, workload) {
        Some(hpa) => number(&hpa["spec"]["minReplicas"]),
        None => workload["spec"]["replicas"].as_u64().unwrap_or(1),
    }
}

fn autoscaler_of<'a>(overlay: &'a Overlay, workload: &Value) -> Option<&'a Value> {
    let autoscalers: Vec<_> = overlay
        .of_kind("HorizontalPodAutoscaler")
        .into_iter()
        .filter(|hpa| {
            let target = &hpa["spec"]["scaleTargetRef"];
            target["kind"] == workload["kind"] && target["name"] == name_of(workload)
        })
        .collect();
    assert!(
        autoscalers.len() <= 1,
        "{} has two autoscalers",
        name_of(workload)
    );
    autoscalers.first().copied()
}

#[test]
fn every_workload_has_one_disruption_budget_that_lets_a_drain_evict_one_pod_at_a_time() {
    for overlay in overlays() {
        for workload in overlay.workloads() {
            let name = format!("{}: {}", overlay.name, name_of(workload));
            let budgets: Vec<_> = overlay
                .of_kind("PodDisruptionBudget")
                .into_iter()
                .filter(|pdb| selects(&pdb["spec"]["selector"]["matchLabels"], workload))
                .collect();
            assert_eq!(budgets.len(), 1, "{name}: one PodDisruptionBudget");
            let spec = &budgets[0]["spec"];
            let replicas = min_replicas(overlay, workload);
            // Budgets in absolute numbers: a percentage rounds differently per count.
            let allowed = match (
                spec["maxUnavailable"].as_u64(),
                spec["minAvailable"].as_u64(),
            ) {
                (Some(max_unavailable), None) => max_unavailable.min(replicas),
                (None, Some(min_available)) => replicas.saturating_sub(min_available),
                _ => panic!("{name}: set maxUnavailable or minAvailable as a number"),
            };
            assert!(allowed >= 1, "{name}: the budget blocks every drain");
            assert!(
                replicas == 1 || allowed < replicas,
                "{name}: the budget lets a drain take every replica"
            );
            assert_eq!(
                spec["unhealthyPodEvictionPolicy"], "AlwaysAllow",
                "{name}: a pod that is not ready must not block a drain"
            );
        }
    }
}

/// The topology spread constraint on node names that selects the workload's own pods.
fn spread_over_nodes(workload: &Value) -> Option<&Value> {
    pod_spec(workload)["topologySpreadConstraints"]
        .as_sequence()
        .into_iter()
        .flatten()
        .find(|constraint| {
            constraint["topologyKey"] == "kubernetes.io/hostname"
                && selects(&constraint["labelSelector"]["matchLabels"], workload)
        })
}

/// Replicas must be on different nodes (a database member or NATS server waits rather
/// than share one); nodes it may not run on do not count.
pub fn assert_one_per_node(workload: &Value) {
    let name = name_of(workload);
    let spread = spread_over_nodes(workload).unwrap_or_else(|| panic!("{name}: no spread"));
    assert_eq!(spread["maxSkew"], 1, "{name}");
    assert_eq!(spread["whenUnsatisfiable"], "DoNotSchedule", "{name}");
    // Tainted nodes (a control plane) would count as empty nodes and keep the second
    // replica Pending forever.
    assert_eq!(spread["nodeTaintsPolicy"], "Honor", "{name}");
}

#[test]
fn app_replicas_spread_over_nodes_without_blocking_a_one_node_cluster() {
    for deployment in overlays()
        .iter()
        .flat_map(|overlay| overlay.of_kind("Deployment"))
    {
        let name = name_of(deployment);
        let spread = spread_over_nodes(deployment)
            .unwrap_or_else(|| panic!("{name}: no topology spread over nodes"));
        assert_eq!(spread["maxSkew"], 1, "{name}");
        assert_eq!(spread["whenUnsatisfiable"], "ScheduleAnyway", "{name}");
    }
}

#[test]
fn the_event_bus_runs_one_server_per_node_in_every_overlay() {
    for overlay in overlays() {
        let nats = overlay
            .named("StatefulSet", "nats")
            .expect("a nats StatefulSet");
        assert_one_per_node(nats);
    }
}

/// The Deployments the Ingress routes to: the four APIs and the web client.
fn served_deployments(overlay: &Overlay) -> Vec<&Value> {
    let services = overlay.of_kind("Service");
    let backends: Vec<&str> = overlay
        .of_kind("Ingress")
        .into_iter()
        .flat_map(|ingress| ingress["spec"]["rules"].as_sequence().unwrap())
        .flat_map(|rule| rule["http"]["paths"].as_sequence().unwrap())
        .map(|path| path["backend"]["service"]["name"].as_str().unwrap())
        .collect();
    overlay
        .of_kind("Deployment")
        .into_iter()
        .filter(|deployment| {
            services.iter().any(|service| {
                backends.contains(&name_of(service))
                    && selects(&service["spec"]["selector"], deployment)
            })
        })
        .collect()
}

/// A CPU quantity in millicores.
fn millicores(quantity: &Value) -> u64 {
    match quantity {
        Value::Number(cores) => (cores.as_f64().unwrap() * 1000.0) as u64,
        Value::String(text) => match text.strip_suffix('m') {
            Some(milli) => milli.parse().unwrap(),
            None => (text.parse::<f64>().unwrap() * 1000.0) as u64,
        },
        other => panic!("{other:?} is not a CPU quantity"),
    }
}

#[test]
fn the_apis_and_the_client_scale_on_cpu_from_two_replicas_and_pin_no_replica_count() {
    for overlay in overlays() {
        let served = served_deployments(overlay);
        assert_eq!(
            served.len(),
            5,
            "{}: four APIs and the client",
            overlay.name
        );
        for deployment in served {
            let name = format!("{}: {}", overlay.name, name_of(deployment));
            let hpa = autoscaler_of(overlay, deployment)
                .unwrap_or_else(|| panic!("{name}: no HorizontalPodAutoscaler"));
            assert_eq!(hpa["apiVersion"], "autoscaling/v2", "{name}");
            assert!(
                number(&hpa["spec"]["minReplicas"]) >= 2,
                "{name}: minReplicas"
            );
            assert!(
                number(&hpa["spec"]["maxReplicas"]) > number(&hpa["spec"]["minReplicas"]),
                "{name}: room to scale"
            );
            // `kubectl apply` (skaffold) would reset a count in the manifest on every
            // deploy, undoing the autoscaler's scale-out.
            assert!(
                deployment["spec"]["replicas"].is_null(),
                "{name}: the autoscaler owns the replica count"
            );
            let metrics = hpa["spec"]["metrics"].as_sequence().unwrap();
            let cpu = metrics
                .iter()
                .find(|metric| metric["resource"]["name"] == "cpu")
                .unwrap_or_else(|| panic!("{name}: no CPU metric"));
            assert_eq!(cpu["resource"]["target"]["type"], "Utilization", "{name}");
            let target = number(&cpu["resource"]["target"]["averageUtilization"]);
            let resources = &container(deployment)["resources"];
            let request = millicores(&resources["requests"]["cpu"]);
            let limit = millicores(&resources["limits"]["cpu"]);
            // Utilization is a share of the request: it must stand for real load (well
            // above an idle service's few millicores) and be reachable under the limit.
            let threshold = request * target / 100;
            assert!(
                threshold >= 50,
                "{name}: scales out at {threshold}m, barely above idle"
            );
            assert!(
                threshold < limit,
                "{name}: {threshold}m is beyond the {limit}m limit"
            );
        }
    }
}

#[test]
fn workloads_without_an_autoscaler_run_two_replicas() {
    for overlay in overlays() {
        for deployment in overlay.of_kind("Deployment") {
            if autoscaler_of(overlay, deployment).is_none() {
                assert!(
                    deployment["spec"]["replicas"].as_u64().unwrap_or(1) >= 2,
                    "{}: {} runs one replica",
                    overlay.name,
                    name_of(deployment)
                );
            }
        }
    }
}
