//! The Ingress and the dev gateway route alike: both are checked against
//! `gateway::ROUTES`. And the Ingress serves them over TLS only.

use std::collections::BTreeSet;

use deploy_check::{Overlay, Value};

use crate::overlays;

/// The host the Ingress serves.
pub const HOST: &str = "ticketing.dev";

fn the_ingress(overlay: &Overlay) -> &Value {
    let ingresses = overlay.of_kind("Ingress");
    assert_eq!(ingresses.len(), 1, "{}: one Ingress", overlay.name);
    ingresses[0]
}

/// (path prefix, service) as ingress-nginx would route them.
fn ingress_routes(overlay: &Overlay) -> BTreeSet<(String, String)> {
    let ingress = the_ingress(overlay);
    assert_eq!(ingress["spec"]["ingressClassName"], "nginx");
    let rules = ingress["spec"]["rules"].as_sequence().unwrap();
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0]["host"], HOST);
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

    for overlay in overlays() {
        assert_eq!(ingress_routes(overlay), gateway, "{}", overlay.name);
    }
}

#[test]
fn every_ingress_backend_port_is_its_services_port() {
    for overlay in overlays() {
        let services = overlay.of_kind("Service");
        for path in the_ingress(overlay)["spec"]["rules"][0]["http"]["paths"]
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

/// The Secret with the certificate for [`HOST`] (docs/operations.md: made with openssl).
pub const TLS_SECRET: &str = "ticketing-tls";

#[test]
fn the_ingress_serves_its_host_over_tls_and_redirects_plain_http() {
    for overlay in overlays() {
        let ingress = the_ingress(overlay);
        let tls = ingress["spec"]["tls"]
            .as_sequence()
            .unwrap_or_else(|| panic!("{}: the Ingress has no tls section", overlay.name));
        assert!(
            tls.iter().any(|entry| {
                entry["secretName"] == TLS_SECRET
                    && entry["hosts"]
                        .as_sequence()
                        .is_some_and(|hosts| hosts.iter().any(|host| host == HOST))
            }),
            "{}: the Ingress must serve {HOST} with the certificate in Secret {TLS_SECRET}",
            overlay.name
        );
        assert_eq!(
            ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/force-ssl-redirect"],
            "true",
            "{}: plain HTTP must be redirected to HTTPS",
            overlay.name
        );
    }
}

/// The first release of each line with the fix for CVE-2025-1974 (IngressNightmare).
const FIXED_RELEASES: [(u64, u64, u64); 2] = [(1, 11, 5), (1, 12, 1)];

fn has_the_fix(version: (u64, u64, u64)) -> bool {
    let (major, minor, _) = version;
    match FIXED_RELEASES
        .iter()
        .find(|fixed| (fixed.0, fixed.1) == (major, minor))
    {
        Some(fixed) => version >= *fixed,
        None => version > *FIXED_RELEASES.last().unwrap(),
    }
}

#[test]
fn the_ingress_controller_is_a_pinned_release_with_the_cve_2025_1974_fix_and_sets_hsts() {
    let path = deploy_check::repo_root().join("infra/ingress-nginx/kustomization.yaml");
    let kustomization = &deploy_check::read_documents(&path)[0];
    let resource = kustomization["resources"][0].as_str().unwrap();
    let version = resource
        .split("/controller-v")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("{resource} names no controller release"));
    let parts: Vec<u64> = version
        .split('.')
        .map(|part| part.parse().expect("a release number"))
        .collect();
    let [major, minor, patch] = parts[..] else {
        panic!("controller-v{version} is not a release");
    };
    assert!(
        has_the_fix((major, minor, patch)),
        "ingress-nginx {version} has CVE-2025-1974 (fixed in 1.11.5 and 1.12.1)"
    );
    let data = &crate::ingress_controller_settings();
    assert_eq!(data["hsts"], "true");
    assert_eq!(data["hsts-include-subdomains"], "true");
    let max_age: u64 = data["hsts-max-age"].as_str().unwrap().parse().unwrap();
    assert!(
        max_age >= 180 * 24 * 3600,
        "HSTS for {max_age} s is too short"
    );
    assert!(!has_the_fix((1, 12, 0)) && has_the_fix((1, 11, 5)) && !has_the_fix((1, 11, 4)));
}
