//! The Ingress and the dev gateway route alike: both are checked against
//! `gateway::ROUTES`.

use std::collections::BTreeSet;

use deploy_check::objects_of_kind;

/// (path prefix, service) as ingress-nginx would route them.
fn ingress_routes() -> BTreeSet<(String, String)> {
    let ingresses = objects_of_kind("Ingress");
    assert_eq!(ingresses.len(), 1, "one Ingress");
    let ingress = &ingresses[0];
    assert_eq!(ingress["spec"]["ingressClassName"], "nginx");
    let rules = ingress["spec"]["rules"].as_sequence().unwrap();
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0]["host"], "ticketing.dev");
    rules[0]["http"]["paths"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|path| {
            assert_eq!(
                path["pathType"], "Prefix",
                "prefixes match whole segments, like the gateway"
            );
            let backend = path["backend"]["service"]["name"].as_str().unwrap();
            let service = backend
                .strip_suffix("-srv")
                .expect("Services are named <service>-srv");
            (
                path["path"].as_str().unwrap().to_owned(),
                service.to_owned(),
            )
        })
        .collect()
}

#[test]
fn the_ingress_routes_exactly_like_the_dev_gateway() {
    let gateway: BTreeSet<(String, String)> = gateway::ROUTES
        .iter()
        .map(|route| (route.prefix.to_owned(), route.service.to_owned()))
        .collect();

    assert_eq!(ingress_routes(), gateway);
}

#[test]
fn every_ingress_backend_port_is_its_services_port() {
    let services = objects_of_kind("Service");
    for ingress in objects_of_kind("Ingress") {
        for path in ingress["spec"]["rules"][0]["http"]["paths"]
            .as_sequence()
            .unwrap()
        {
            let backend = &path["backend"]["service"];
            let service = services
                .iter()
                .find(|service| service["metadata"]["name"] == backend["name"])
                .unwrap_or_else(|| panic!("no Service {:?}", backend["name"]));
            let ports = service["spec"]["ports"].as_sequence().unwrap();
            assert!(
                ports
                    .iter()
                    .any(|port| port["port"] == backend["port"]["number"])
            );
        }
    }
}
