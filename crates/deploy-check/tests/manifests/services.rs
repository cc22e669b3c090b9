use deploy_check::{Value, manifest_objects, objects_of_kind};

use crate::{container, name_of};

/// Deployments and StatefulSets: whatever has a pod template.
fn workloads() -> Vec<Value> {
    manifest_objects()
        .into_iter()
        .filter(|object| object["spec"]["template"]["spec"]["containers"].is_sequence())
        .collect()
}

fn selects(selector: &Value, workload: &Value) -> bool {
    let labels = &workload["spec"]["template"]["metadata"]["labels"];
    selector.as_mapping().is_some_and(|wanted| {
        wanted
            .iter()
            .all(|(key, value)| labels.get(key) == Some(value))
    })
}

#[test]
fn every_service_selects_a_pod_template_and_targets_a_port_it_has() {
    let workloads = workloads();
    for service in objects_of_kind("Service") {
        let selector = &service["spec"]["selector"];
        let workload = workloads
            .iter()
            .find(|workload| selects(selector, workload))
            .unwrap_or_else(|| panic!("Service {} selects no pod template", name_of(&service)));
        let ports = container(workload)["ports"]
            .as_sequence()
            .expect("container ports");
        for port in service["spec"]["ports"].as_sequence().unwrap() {
            let target = &port["targetPort"];
            let exists = ports.iter().any(|declared| {
                declared["name"] == *target || declared["containerPort"] == *target
            });
            assert!(
                exists,
                "Service {} targets {target:?}, which {} does not expose",
                name_of(&service),
                name_of(workload)
            );
        }
    }
}

#[test]
fn every_deployment_selects_its_own_pods_and_has_probes_and_resources() {
    for deployment in objects_of_kind("Deployment") {
        let name = name_of(&deployment);
        assert!(
            selects(&deployment["spec"]["selector"]["matchLabels"], &deployment),
            "{name}"
        );
        let container = container(&deployment);
        assert_eq!(
            container["livenessProbe"]["httpGet"]["path"], "/healthz",
            "{name}"
        );
        assert_eq!(
            container["readinessProbe"]["httpGet"]["path"], "/readyz",
            "{name}"
        );
        assert!(
            container["resources"]["requests"].is_mapping(),
            "{name} requests"
        );
        assert!(
            container["resources"]["limits"].is_mapping(),
            "{name} limits"
        );
    }
}

#[test]
fn every_database_and_the_event_stream_keep_their_data_on_a_volume() {
    for stateful in objects_of_kind("StatefulSet") {
        let claims = stateful["spec"]["volumeClaimTemplates"].as_sequence();
        assert!(
            claims.is_some_and(|claims| !claims.is_empty()),
            "{}",
            name_of(&stateful)
        );
    }
}
