use testkit::tools::Tool;

use crate::{overlays, rendered_file};

/// The Kubernetes version the manifests are checked against.
const KUBERNETES_VERSION: &str = "1.33.0";

#[test]
fn every_overlay_and_the_namespace_validate_against_the_kubernetes_api_schemas() {
    let mut files: Vec<_> = overlays().iter().map(rendered_file).collect();
    files.push(deploy_check::manifests_dir().join("namespace.yaml"));

    let output = Tool::KubernetesValidate
        .command()
        .args(["--strict", "--kubernetes-version", KUBERNETES_VERSION])
        .args(&files)
        .output()
        .expect("run kubernetes-validate");

    let report = String::from_utf8_lossy(&output.stdout) + String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "kubernetes-validate failed:\n{report}"
    );
    assert!(
        !report.contains("ERROR") && !report.contains("WARN"),
        "{report}"
    );
    for file in &files {
        assert!(
            report.contains(&*file.to_string_lossy()),
            "{} was not validated:\n{report}",
            file.display()
        );
    }
}
