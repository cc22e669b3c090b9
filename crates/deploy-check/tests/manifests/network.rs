//! The NetworkPolicies allow exactly the connections the system makes. Those are
//! derived from the manifests and the code, not listed by hand: the Ingress backends,
//! the cluster addresses in each Deployment's env, the Secret a Deployment shares with
//! its own database, the members of each StatefulSet talking to each other through
//! their governing Service, name lookups, Stripe's API for the service that holds its
//! key, and Prometheus scraping the port a pod's annotations name. A policy missing one
//! of them, or allowing anything else, fails.

use std::collections::BTreeSet;

use deploy_check::{Overlay, Value, name_of};
use settings::Env;

use crate::{
    all_containers,
    environment::{cluster_address, env_of},
    number, overlays, pod_spec, secret_names_of, selects,
};

/// One end of a connection.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Peer {
    /// The pods of a Deployment or StatefulSet of the namespace.
    Workload(String),
    /// ingress-nginx's controller, in the namespace `ingress-nginx`.
    IngressController,
    /// The cluster's DNS (CoreDNS, `k8s-app: kube-dns` in `kube-system`).
    Dns,
    /// Prometheus (`app.kubernetes.io/name: prometheus`, in the namespace
    /// `monitoring`), which scrapes the pods annotated `prometheus.io/scrape`.
    Prometheus,
    /// Public addresses outside the cluster.
    Internet,
}

impl Peer {
    fn is_in_namespace(&self) -> bool {
        matches!(self, Self::Workload(_))
    }
}

/// A connection: who opens it, to whom, on which port (of the pod it reaches).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    from: Peer,
    to: Peer,
    port: u64,
    protocol: String,
}

impl std::fmt::Display for Edge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:?} -> {:?} on {}/{}",
            self.from, self.to, self.port, self.protocol
        )
    }
}

pub fn workload(object: &Value) -> Peer {
    Peer::Workload(name_of(object).to_owned())
}

pub fn tcp(from: Peer, to: Peer, port: u64) -> Edge {
    Edge {
        from,
        to,
        port,
        protocol: "TCP".to_owned(),
    }
}

/// The port number a named or numbered port stands for on a workload's pods.
pub fn container_port(workload: &Value, port: &Value) -> u64 {
    if let Some(number) = port.as_u64() {
        return number;
    }
    all_containers(workload)
        .into_iter()
        .flat_map(|container| container["ports"].as_sequence().into_iter().flatten())
        .find(|declared| declared["name"] == *port)
        .map(|declared| number(&declared["containerPort"]))
        .unwrap_or_else(|| panic!("{} has no port {port:?}", name_of(workload)))
}

/// The workload a Service selects, and the pod port each of its ports reaches.
fn service_targets<'a>(overlay: &'a Overlay, service: &Value) -> (&'a Value, Vec<(u64, u64)>) {
    let target = overlay
        .workloads()
        .into_iter()
        .find(|workload| selects(&service["spec"]["selector"], workload))
        .unwrap_or_else(|| panic!("Service {} selects nothing", name_of(service)));
    let ports = service["spec"]["ports"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|port| {
            let target_port = if port["targetPort"].is_null() {
                &port["port"]
            } else {
                &port["targetPort"]
            };
            (number(&port["port"]), container_port(target, target_port))
        })
        .collect();
    (target, ports)
}

/// The pod port a connection to `port` of Service `name` reaches, and whose pod it is.
pub fn through_service<'a>(overlay: &'a Overlay, name: &str, port: u64) -> (&'a Value, u64) {
    let service = overlay
        .named("Service", name)
        .unwrap_or_else(|| panic!("no Service {name}"));
    let (target, ports) = service_targets(overlay, service);
    let pod_port = ports
        .iter()
        .find(|(service_port, _)| *service_port == port)
        .map(|(_, pod_port)| *pod_port)
        .unwrap_or_else(|| panic!("Service {name} has no port {port}"));
    (target, pod_port)
}

/// Stripe's API, where payments sends charges: its configuration's API base, which
/// the Deployment may set and the code defaults to the real Stripe.
fn stripe_api_base(container: &Value) -> String {
    let env = Env::from_map(env_of(container));
    payments::Config::from(&env)
        .expect("payments' configuration reads its Deployment's env")
        .stripe
        .api_base
}

/// Every connection the system makes, from the manifests and the code.
fn used_edges(overlay: &Overlay) -> BTreeSet<Edge> {
    let mut edges = BTreeSet::new();

    // The ingress controller reaches every backend of the Ingress.
    for ingress in overlay.of_kind("Ingress") {
        for rule in ingress["spec"]["rules"].as_sequence().unwrap() {
            for path in rule["http"]["paths"].as_sequence().unwrap() {
                let backend = &path["backend"]["service"];
                let (target, port) = through_service(
                    overlay,
                    backend["name"].as_str().unwrap(),
                    number(&backend["port"]["number"]),
                );
                edges.insert(tcp(Peer::IngressController, workload(target), port));
            }
        }
    }

    // It exports the spans it starts to the collector its settings name.
    let (collector, port) = crate::ingress_controller_trace_exporter();
    let (target, pod_port) = through_service(overlay, &collector, port);
    edges.insert(tcp(Peer::IngressController, workload(target), pod_port));

    let deployments = overlay.of_kind("Deployment");
    for deployment in &deployments {
        let container = &pod_spec(deployment)["containers"][0];
        // Every cluster address it is given (an API, NATS).
        for value in env_of(container).values() {
            if let Some((host, port)) = cluster_address(value) {
                let (target, pod_port) = through_service(overlay, host, port);
                edges.insert(tcp(workload(deployment), workload(target), pod_port));
            }
        }
        // Stripe, for the service that holds its secret key.
        if env_of(container).contains_key("STRIPE_SECRET_KEY") {
            let base = stripe_api_base(container);
            assert!(
                base.starts_with("https://") && cluster_address(&base).is_none(),
                "{}: Stripe's API is outside the cluster over HTTPS, not {base}",
                name_of(deployment)
            );
            edges.insert(tcp(workload(deployment), Peer::Internet, 443));
        }
    }

    // A Secret that only one Deployment reads and that a StatefulSet reads too is that
    // service's database credentials: the service connects to the database through
    // its governing Service (MONGO_URL, inside the Secret, names its members).
    for set in overlay.of_kind("StatefulSet") {
        let governing = set["spec"]["serviceName"].as_str().unwrap();
        let service = overlay
            .named("Service", governing)
            .unwrap_or_else(|| panic!("no Service {governing}"));
        let (_, ports) = service_targets(overlay, service);
        for secret in secret_names_of(set) {
            let readers: Vec<_> = deployments
                .iter()
                .filter(|deployment| secret_names_of(deployment).contains(&secret))
                .collect();
            if let [owner] = readers[..] {
                for (_, port) in &ports {
                    edges.insert(tcp(workload(owner), workload(set), *port));
                }
            }
        }
        // The members of a replica set (a database's, the NATS cluster's routes) talk
        // to each other by their names under the governing Service.
        for (_, port) in &ports {
            edges.insert(tcp(workload(set), workload(set), *port));
        }
    }

    // Prometheus scrapes every pod that asks for it, on the port it names.
    for pod in overlay.workloads() {
        let annotations = &pod["spec"]["template"]["metadata"]["annotations"];
        if annotations["prometheus.io/scrape"] == "true" {
            let port = annotations["prometheus.io/port"]
                .as_str()
                .and_then(|port| port.parse().ok())
                .unwrap_or_else(|| panic!("{}: no prometheus.io/port", name_of(pod)));
            edges.insert(tcp(Peer::Prometheus, workload(pod), port));
        }
    }

    // Every pod looks names up.
    for pod in overlay.workloads() {
        for protocol in ["UDP", "TCP"] {
            edges.insert(Edge {
                from: workload(pod),
                to: Peer::Dns,
                port: 53,
                protocol: protocol.to_owned(),
            });
        }
    }
    edges
}

/// The private ranges an ipBlock towards the internet must leave out.
const PRIVATE_RANGES: [&str; 4] = [
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "169.254.0.0/16",
];

/// The peers one `from`/`to` entry of a policy stands for.
fn peers_of(overlay: &Overlay, entry: &Value, policy: &str) -> Vec<Peer> {
    let namespace = &entry["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"];
    let pods = &entry["podSelector"]["matchLabels"];
    if let Some(block) = entry["ipBlock"].as_mapping() {
        let cidr = block.get("cidr").and_then(Value::as_str).unwrap_or("");
        let except: Vec<&str> = block
            .get("except")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let leaves_out_private = if cidr == "0.0.0.0/0" {
            PRIVATE_RANGES.iter().all(|range| except.contains(range))
        } else {
            cidr == "::/0" && except.contains(&"fc00::/7") && except.contains(&"fe80::/10")
        };
        assert!(
            leaves_out_private,
            "{policy}: ipBlock {cidr} except {except:?} reaches private addresses"
        );
        return vec![Peer::Internet];
    }
    match namespace.as_str() {
        None => {
            assert!(
                entry["namespaceSelector"].is_null(),
                "{policy}: a namespaceSelector must name one namespace"
            );
            overlay
                .workloads()
                .into_iter()
                .filter(|workload| {
                    pods.is_null() && entry["podSelector"].is_mapping() || selects(pods, workload)
                })
                .map(workload)
                .collect()
        }
        Some("ingress-nginx")
            if pods["app.kubernetes.io/name"] == "ingress-nginx"
                && pods["app.kubernetes.io/component"] == "controller" =>
        {
            vec![Peer::IngressController]
        }
        Some("kube-system") if pods["k8s-app"] == "kube-dns" => vec![Peer::Dns],
        Some("monitoring") if pods["app.kubernetes.io/name"] == "prometheus" => {
            vec![Peer::Prometheus]
        }
        Some(other) => panic!("{policy}: a peer in namespace {other} that no connection uses"),
    }
}

/// The (port, protocol) pairs of a rule, on the pods of `target`.
fn ports_of(rule: &Value, target: &Peer, overlay: &Overlay, policy: &str) -> Vec<(u64, String)> {
    let ports = rule["ports"]
        .as_sequence()
        .unwrap_or_else(|| panic!("{policy}: a rule without ports allows every port"));
    ports
        .iter()
        .map(|port| {
            let protocol = port["protocol"].as_str().unwrap_or("TCP").to_owned();
            let number = match target {
                Peer::Workload(name) => {
                    let pod = overlay
                        .workloads()
                        .into_iter()
                        .find(|w| name_of(w) == name)
                        .unwrap();
                    container_port(pod, &port["port"])
                }
                _ => number(&port["port"]),
            };
            (number, protocol)
        })
        .collect()
}

/// What the policies let through: each side's rules (ingress for the receiving pods,
/// egress for the opening ones), and the connections both sides allow.
pub struct Allowed {
    ingress: BTreeSet<Edge>,
    egress: BTreeSet<Edge>,
}

impl Allowed {
    pub fn of(overlay: &Overlay) -> Self {
        let mut allowed = Self {
            ingress: BTreeSet::new(),
            egress: BTreeSet::new(),
        };
        for policy in overlay.of_kind("NetworkPolicy") {
            let name = name_of(policy);
            let spec = &policy["spec"];
            let selected: Vec<Peer> = overlay
                .workloads()
                .into_iter()
                .filter(|workload| {
                    let labels = &spec["podSelector"]["matchLabels"];
                    labels.is_null() || selects(labels, workload)
                })
                .map(workload)
                .collect();
            for rule in spec["ingress"].as_sequence().into_iter().flatten() {
                let sources = rule["from"].as_sequence().unwrap_or_else(|| {
                    panic!("{name}: an ingress rule without `from` allows everyone")
                });
                for target in &selected {
                    for source in sources
                        .iter()
                        .flat_map(|entry| peers_of(overlay, entry, name))
                    {
                        for (port, protocol) in ports_of(rule, target, overlay, name) {
                            allowed.ingress.insert(Edge {
                                from: source.clone(),
                                to: target.clone(),
                                port,
                                protocol,
                            });
                        }
                    }
                }
            }
            for rule in spec["egress"].as_sequence().into_iter().flatten() {
                let destinations = rule["to"].as_sequence().unwrap_or_else(|| {
                    panic!("{name}: an egress rule without `to` allows everything")
                });
                for source in &selected {
                    for destination in destinations
                        .iter()
                        .flat_map(|entry| peers_of(overlay, entry, name))
                    {
                        for (port, protocol) in ports_of(rule, &destination, overlay, name) {
                            allowed.egress.insert(Edge {
                                from: source.clone(),
                                to: destination.clone(),
                                port,
                                protocol,
                            });
                        }
                    }
                }
            }
        }
        allowed
    }

    /// Who the policies let open a connection to `to`, on any port.
    pub fn sources_of(&self, to: &Peer) -> BTreeSet<&Peer> {
        self.ingress
            .iter()
            .filter(|edge| edge.to == *to)
            .map(|edge| &edge.from)
            .collect()
    }

    /// Whether a connection gets through: out of the opening pod (if it is ours) and
    /// into the receiving one (if it is ours).
    pub fn lets_through(&self, edge: &Edge) -> bool {
        (!edge.from.is_in_namespace() || self.egress.contains(edge))
            && (!edge.to.is_in_namespace() || self.ingress.contains(edge))
    }
}

#[test]
fn the_namespace_denies_all_traffic_in_and_out_by_default() {
    for overlay in overlays() {
        let denies_all = overlay.of_kind("NetworkPolicy").into_iter().any(|policy| {
            let spec = &policy["spec"];
            let types: BTreeSet<&str> = spec["policyTypes"]
                .as_sequence()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            spec["podSelector"]
                .as_mapping()
                .is_some_and(|selector| selector.is_empty())
                && types == BTreeSet::from(["Ingress", "Egress"])
                && spec["ingress"].is_null()
                && spec["egress"].is_null()
        });
        assert!(
            denies_all,
            "{}: no NetworkPolicy denies all ingress and egress by default",
            overlay.name
        );
    }
}

#[test]
fn the_network_policies_allow_exactly_the_connections_the_system_makes() {
    for overlay in overlays() {
        let used = used_edges(overlay);
        let allowed = Allowed::of(overlay);
        let missing: Vec<String> = used
            .iter()
            .filter(|edge| !allowed.lets_through(edge))
            .map(ToString::to_string)
            .collect();
        assert!(
            missing.is_empty(),
            "{}: the policies block connections the system makes:\n{}",
            overlay.name,
            missing.join("\n")
        );
        let unused: Vec<String> = allowed
            .ingress
            .iter()
            .chain(&allowed.egress)
            .filter(|edge| !used.contains(edge))
            .map(ToString::to_string)
            .collect();
        assert!(
            unused.is_empty(),
            "{}: the policies allow connections nothing makes:\n{}",
            overlay.name,
            unused.join("\n")
        );
    }
}

#[test]
fn every_pod_is_isolated_by_a_policy_of_its_own() {
    for overlay in overlays() {
        for pod in overlay.workloads() {
            let own = overlay.of_kind("NetworkPolicy").into_iter().any(|policy| {
                let labels = &policy["spec"]["podSelector"]["matchLabels"];
                !labels.is_null() && selects(labels, pod)
            });
            assert!(
                own,
                "{}: no NetworkPolicy names {}",
                overlay.name,
                name_of(pod)
            );
        }
    }
}
