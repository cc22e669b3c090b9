//! Every pod meets the restricted Pod Security Standard, as the kubelet and the
//! admission controller judge it: numeric non-root ids (the images' own), no privilege
//! escalation, no capabilities, the runtime's seccomp profile, a read-only root
//! filesystem, and no service-account token.

use deploy_check::{Overlay, Value, name_of};

use crate::{all_containers, dockerfiles::APP_UID_GID, overlays, pod_spec};

/// The user and group of the official mongo image (mongodb), which owns its files.
const MONGO_UID_GID: (u64, u64) = (999, 999);

/// The user and group the OpenTelemetry Collector's image runs as.
const OTEL_COLLECTOR_UID_GID: (u64, u64) = (10001, 10001);

/// The ids a pod must run as, by the image of its main container: what the image was
/// built for, so files it owns stay readable.
fn expected_ids(image: &str) -> (u64, u64) {
    if image.starts_with("ticketing/") {
        APP_UID_GID
    } else if image.starts_with("mongo:") {
        MONGO_UID_GID
    } else if image.starts_with("otel/opentelemetry-collector:") {
        OTEL_COLLECTOR_UID_GID
    } else if image.starts_with("nats:") {
        // The image sets no user; ours, so every process of the system is 65532 but
        // the database's.
        APP_UID_GID
    } else {
        panic!("no known user for image {image}: add it here")
    }
}

fn each_pod(mut check: impl FnMut(&Overlay, &Value, &Value)) {
    for overlay in overlays() {
        for workload in overlay.workloads() {
            check(overlay, workload, pod_spec(workload));
        }
    }
}

#[test]
fn every_pod_runs_as_its_images_numeric_non_root_user_and_group() {
    each_pod(|overlay, workload, pod| {
        let context = &pod["securityContext"];
        let name = format!("{}: {}", overlay.name, name_of(workload));
        assert_eq!(context["runAsNonRoot"], true, "{name}");
        let image = pod["containers"][0]["image"].as_str().unwrap();
        let (uid, gid) = expected_ids(image);
        assert_eq!(context["runAsUser"].as_u64(), Some(uid), "{name} runAsUser");
        assert_eq!(
            context["runAsGroup"].as_u64(),
            Some(gid),
            "{name} runAsGroup"
        );
        // Volumes (the databases', emptyDirs) are group-writable for the pod's group.
        assert_eq!(context["fsGroup"].as_u64(), Some(gid), "{name} fsGroup");
        assert_eq!(
            context["seccompProfile"]["type"], "RuntimeDefault",
            "{name} seccompProfile"
        );
        for container in all_containers(workload) {
            let own = &container["securityContext"];
            for field in ["runAsUser", "runAsGroup", "runAsNonRoot"] {
                assert!(
                    own[field].is_null(),
                    "{name}: {} overrides the pod's {field}",
                    container["name"].as_str().unwrap()
                );
            }
        }
    });
}

#[test]
fn no_container_can_gain_privileges_or_write_its_root_filesystem() {
    each_pod(|overlay, workload, _| {
        for container in all_containers(workload) {
            let context = &container["securityContext"];
            let name = format!(
                "{}: {} of {}",
                overlay.name,
                container["name"].as_str().unwrap(),
                name_of(workload)
            );
            assert_eq!(context["allowPrivilegeEscalation"], false, "{name}");
            assert_eq!(context["readOnlyRootFilesystem"], true, "{name}");
            assert_ne!(context["privileged"], true, "{name}");
            let dropped = context["capabilities"]["drop"].as_sequence();
            assert!(
                dropped.is_some_and(|dropped| dropped.iter().any(|cap| cap == "ALL")),
                "{name} must drop ALL capabilities"
            );
            assert!(
                context["capabilities"]["add"].is_null(),
                "{name} adds capabilities"
            );
            let ports = container["ports"].as_sequence().into_iter().flatten();
            for port in ports {
                assert!(port["hostPort"].is_null(), "{name} uses a host port");
            }
        }
    });
}

#[test]
fn no_pod_gets_a_service_account_token_or_the_hosts_namespaces() {
    each_pod(|overlay, workload, pod| {
        let name = format!("{}: {}", overlay.name, name_of(workload));
        assert_eq!(pod["automountServiceAccountToken"], false, "{name}");
        for field in ["hostNetwork", "hostPID", "hostIPC"] {
            assert_ne!(pod[field], true, "{name} sets {field}");
        }
        for volume in pod["volumes"].as_sequence().into_iter().flatten() {
            assert!(volume["hostPath"].is_null(), "{name} mounts a host path");
        }
    });
}
