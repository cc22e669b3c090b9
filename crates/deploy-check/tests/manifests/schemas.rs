use testkit::tools::Tool;

/// The Kubernetes version the manifests are checked against.
const KUBERNETES_VERSION: &str = "1.33.0";

#[test]
fn every_manifest_validates_against_the_kubernetes_api_schemas() {
    let files = deploy_check::manifest_files();
    assert!(!files.is_empty());

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
}
