//! Metrics and traces. Every service serves its metrics on a port of its own, which its
//! pod's annotations name for Prometheus and which no Service exposes, so no Ingress
//! path reaches them. Every service names itself and sends its traces to the
//! OpenTelemetry Collector, which receives OTLP over HTTP on the port its Service
//! targets and passes every trace through a memory limit to an exporter. The network
//! policies let both through, and nothing else reach the collector.

use std::collections::BTreeSet;

use deploy_check::{Overlay, Value, name_of};

use crate::{
    all_containers, container,
    environment::env_of,
    is_telemetry,
    network::{Allowed, Peer, container_port, tcp, through_service, workload},
    number, overlays, pod_spec, service_deployments,
};

/// The name of the container port a service serves `GET /metrics` on.
const METRICS_PORT_NAME: &str = "metrics";

/// The collector's Deployment and Service.
const COLLECTOR: &str = "otel-collector";

/// Where Kubernetes mounts the collector's configuration, and the file in it.
const COLLECTOR_CONFIG_FILE: &str = "config.yaml";

fn metrics_port(deployment: &Value) -> u64 {
    container_port(deployment, &Value::from(METRICS_PORT_NAME))
}

fn collector(overlay: &Overlay) -> &Value {
    overlay
        .named("Deployment", COLLECTOR)
        .unwrap_or_else(|| panic!("{}: no Deployment {COLLECTOR}", overlay.name))
}

/// The collector's configuration, from the ConfigMap it mounts where its `--config`
/// argument points.
fn collector_config(overlay: &Overlay) -> Value {
    let deployment = collector(overlay);
    let container = container(deployment);
    let mount = container["volumeMounts"]
        .as_sequence()
        .and_then(|mounts| mounts.first())
        .expect("the collector mounts its configuration");
    let config_argument = format!(
        "--config={}/{COLLECTOR_CONFIG_FILE}",
        mount["mountPath"].as_str().unwrap()
    );
    assert_eq!(
        container["args"],
        Value::from(vec![config_argument]),
        "{}: the collector reads the file it mounts",
        overlay.name
    );
    let volume = pod_spec(deployment)["volumes"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|volume| volume["name"] == mount["name"])
        .expect("the mounted volume");
    let map_name = volume["configMap"]["name"].as_str().expect("a ConfigMap");
    let text = overlay
        .named("ConfigMap", map_name)
        .unwrap_or_else(|| panic!("{}: no ConfigMap {map_name}", overlay.name))["data"]
        [COLLECTOR_CONFIG_FILE]
        .as_str()
        .unwrap_or_else(|| panic!("{map_name} has no {COLLECTOR_CONFIG_FILE}"));
    serde_yaml_ng::from_str(text).expect("the collector's configuration is YAML")
}

/// The port of a `host:port` endpoint listening on every interface.
fn port_on_every_interface(endpoint: &Value) -> u64 {
    endpoint
        .as_str()
        .and_then(|endpoint| endpoint.strip_prefix("0.0.0.0:"))
        .and_then(|port| port.parse().ok())
        .unwrap_or_else(|| panic!("{endpoint:?} is not 0.0.0.0:<port>"))
}

/// The port of the collector's Service that reaches its OTLP/HTTP receiver.
fn collector_otlp_service_port(overlay: &Overlay) -> u64 {
    let receiver = port_on_every_interface(
        &collector_config(overlay)["receivers"]["otlp"]["protocols"]["http"]["endpoint"],
    );
    let service = overlay
        .named("Service", COLLECTOR)
        .unwrap_or_else(|| panic!("{}: no Service {COLLECTOR}", overlay.name));
    service["spec"]["ports"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|port| number(&port["port"]))
        .find(|&port| through_service(overlay, COLLECTOR, port).1 == receiver)
        .unwrap_or_else(|| {
            panic!(
                "{}: no port of Service {COLLECTOR} reaches the OTLP/HTTP receiver on {receiver}",
                overlay.name
            )
        })
}

#[test]
fn every_service_serves_its_metrics_on_a_port_of_its_own_that_its_annotations_name() {
    for overlay in overlays() {
        for deployment in service_deployments(overlay) {
            let name = format!("{}: {}", overlay.name, name_of(deployment));
            let metrics = metrics_port(deployment);
            let env = env_of(container(deployment));
            assert_eq!(
                env.get("METRICS_PORT"),
                Some(&metrics.to_string()),
                "{name}: METRICS_PORT is the `{METRICS_PORT_NAME}` port"
            );
            assert_ne!(
                env.get("PORT"),
                env.get("METRICS_PORT"),
                "{name}: the metrics share the API's port"
            );
            let annotations = &deployment["spec"]["template"]["metadata"]["annotations"];
            assert_eq!(annotations["prometheus.io/scrape"], "true", "{name}");
            assert_eq!(
                annotations["prometheus.io/port"],
                metrics.to_string().as_str(),
                "{name}: Prometheus scrapes the metrics port"
            );
            assert_eq!(annotations["prometheus.io/path"], "/metrics", "{name}");
        }
    }
}

#[test]
fn no_service_exposes_a_metrics_port() {
    for overlay in overlays() {
        for service in overlay.of_kind("Service") {
            for port in service["spec"]["ports"].as_sequence().unwrap() {
                let (target, pod_port) =
                    through_service(overlay, name_of(service), number(&port["port"]));
                let serves_metrics_there = all_containers(target)
                    .into_iter()
                    .flat_map(|container| container["ports"].as_sequence().into_iter().flatten())
                    .any(|declared| {
                        declared["name"] == METRICS_PORT_NAME
                            && number(&declared["containerPort"]) == pod_port
                    });
                assert!(
                    !serves_metrics_there,
                    "{}: Service {} exposes the metrics port {pod_port} of {}",
                    overlay.name,
                    name_of(service),
                    name_of(target)
                );
            }
        }
    }
}

#[test]
fn no_ingress_path_reaches_a_port_that_serves_metrics() {
    for overlay in overlays() {
        for ingress in overlay.of_kind("Ingress") {
            let paths = ingress["spec"]["rules"]
                .as_sequence()
                .unwrap()
                .iter()
                .flat_map(|rule| rule["http"]["paths"].as_sequence().unwrap());
            for path in paths {
                let backend = &path["backend"]["service"];
                let (target, pod_port) = through_service(
                    overlay,
                    backend["name"].as_str().unwrap(),
                    number(&backend["port"]["number"]),
                );
                // A service serves its metrics on METRICS_PORT only: what the Ingress
                // reaches must be another port.
                let metrics = env_of(container(target)).get("METRICS_PORT").cloned();
                assert_ne!(
                    Some(pod_port.to_string()),
                    metrics,
                    "{}: {} reaches the port {} serves its metrics on",
                    overlay.name,
                    path["path"].as_str().unwrap(),
                    name_of(target)
                );
            }
        }
    }
}

#[test]
fn every_service_names_itself_and_sends_its_traces_to_the_collector_over_otlp_http() {
    for overlay in overlays() {
        let endpoint = format!(
            "http://{COLLECTOR}:{}",
            collector_otlp_service_port(overlay)
        );
        for deployment in service_deployments(overlay) {
            let name = format!("{}: {}", overlay.name, name_of(deployment));
            let app = deployment["spec"]["template"]["metadata"]["labels"]["app"]
                .as_str()
                .unwrap();
            let env = env_of(container(deployment));
            assert_eq!(
                env.get("OTEL_SERVICE_NAME").map(String::as_str),
                Some(app),
                "{name}"
            );
            assert_eq!(
                env.get("OTEL_EXPORTER_OTLP_ENDPOINT"),
                Some(&endpoint),
                "{name}"
            );
            assert_eq!(
                env.get("OTEL_EXPORTER_OTLP_PROTOCOL").map(String::as_str),
                Some("http/protobuf"),
                "{name}"
            );
        }
    }
}

#[test]
fn the_collector_passes_every_trace_it_receives_through_its_memory_limit_to_an_exporter() {
    for overlay in overlays() {
        let config = collector_config(overlay);
        let traces = &config["service"]["pipelines"]["traces"];
        let names = |field: &str| -> Vec<&str> {
            traces[field]
                .as_sequence()
                .unwrap_or_else(|| panic!("the traces pipeline has no {field}"))
                .iter()
                .map(|name| name.as_str().unwrap())
                .collect()
        };
        assert_eq!(names("receivers"), ["otlp"], "{}", overlay.name);
        let processors = names("processors");
        assert_eq!(
            processors.first(),
            Some(&"memory_limiter"),
            "{}: the memory limit comes first, before anything holds data",
            overlay.name
        );
        assert!(processors.contains(&"batch"), "{}", overlay.name);
        let exporters = names("exporters");
        assert!(!exporters.is_empty(), "{}", overlay.name);
        for (section, used) in [("processors", &processors), ("exporters", &exporters)] {
            for component in used.iter() {
                assert!(
                    config[section].get(component).is_some(),
                    "{}: the pipeline names {component}, which {section} does not configure",
                    overlay.name
                );
            }
        }
    }
}

#[test]
fn the_collectors_probes_ask_its_health_check_extension() {
    for overlay in overlays() {
        let config = collector_config(overlay);
        let enabled = config["service"]["extensions"].as_sequence();
        assert!(
            enabled.is_some_and(|enabled| enabled.iter().any(|name| name == "health_check")),
            "{}: the health_check extension is not enabled",
            overlay.name
        );
        let extension = &config["extensions"]["health_check"];
        let port = port_on_every_interface(&extension["endpoint"]);
        let path = extension["path"].as_str().unwrap_or("/");
        let deployment = collector(overlay);
        for probe in ["readinessProbe", "livenessProbe"] {
            let get = &container(deployment)[probe]["httpGet"];
            assert_eq!(
                container_port(deployment, &get["port"]),
                port,
                "{}: the collector's {probe} asks another port",
                overlay.name
            );
            assert_eq!(get["path"], path, "{}: {probe}", overlay.name);
        }
    }
}

/// ingress-nginx starts the trace of a request that came without one; its spans must
/// reach the collector's OTLP/gRPC receiver through the Service its settings name.
#[test]
fn ingress_nginx_exports_its_spans_to_the_collectors_grpc_receiver() {
    let (service, port) = crate::ingress_controller_trace_exporter();
    assert_eq!(service, COLLECTOR);
    let settings = crate::ingress_controller_settings();
    assert_eq!(
        settings["opentelemetry-trust-incoming-span"], "true",
        "a caller's trace is continued"
    );
    for overlay in overlays() {
        let receiver = port_on_every_interface(
            &collector_config(overlay)["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"],
        );
        let (_, pod_port) = through_service(overlay, COLLECTOR, port);
        assert_eq!(
            pod_port, receiver,
            "{}: port {port} of Service {COLLECTOR} does not reach the OTLP/gRPC receiver",
            overlay.name
        );
    }
}

#[test]
fn the_policies_let_every_service_reach_the_collector_and_prometheus_its_metrics_port() {
    for overlay in overlays() {
        let allowed = Allowed::of(overlay);
        let collector_port =
            through_service(overlay, COLLECTOR, collector_otlp_service_port(overlay)).1;
        let collector = workload(collector(overlay));
        let mut services = BTreeSet::new();
        for deployment in service_deployments(overlay) {
            let service = workload(deployment);
            for edge in [
                tcp(service.clone(), collector.clone(), collector_port),
                tcp(Peer::Prometheus, service.clone(), metrics_port(deployment)),
            ] {
                assert!(
                    allowed.lets_through(&edge),
                    "{}: the policies block {edge}",
                    overlay.name
                );
            }
            services.insert(service);
        }
        let mut senders: BTreeSet<&Peer> = services.iter().collect();
        senders.insert(&Peer::IngressController);
        assert_eq!(
            allowed.sources_of(&collector),
            senders,
            "{}: only the services and ingress-nginx's controller may reach the collector",
            overlay.name
        );
    }
}

#[test]
fn only_the_collector_is_told_apart_from_the_services() {
    for overlay in overlays() {
        for workload in overlay.workloads().into_iter().filter(|w| is_telemetry(w)) {
            let image = container(workload)["image"].as_str().unwrap();
            assert!(
                name_of(workload) == COLLECTOR
                    && image.starts_with("otel/opentelemetry-collector:"),
                "{}: {} runs {image} and is labelled as telemetry, so no service check \
                 applies to it",
                overlay.name,
                name_of(workload)
            );
        }
    }
}
