//! Real linters, pinned: hadolint on the Dockerfile, checkov on every rendered
//! overlay, the namespace and the Dockerfile. Zero findings, apart from the checks in
//! infra/lint-skips.txt, each with its reason.

use std::path::PathBuf;

use deploy_check::{manifests_dir, repo_root};
use serde_yaml_ng::Value;
use testkit::tools::Tool;

use crate::dockerfiles::dockerfile;
use crate::{overlays, rendered_file};

/// A check that does not apply: (tool, check id, reason).
struct Skip {
    tool: String,
    check: String,
}

fn skips() -> Vec<Skip> {
    let path = repo_root().join("infra/lint-skips.txt");
    let text = std::fs::read_to_string(&path).expect("infra/lint-skips.txt");
    text.lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| {
            let mut fields = line.splitn(3, ' ');
            let (Some(tool), Some(check), Some(reason)) =
                (fields.next(), fields.next(), fields.next())
            else {
                panic!("{}: `{line}` is not `tool check reason`", path.display());
            };
            assert!(
                ["checkov", "hadolint"].contains(&tool),
                "{}: unknown tool {tool}",
                path.display()
            );
            assert!(
                reason.split_whitespace().count() >= 5,
                "{}: {check} needs a reason",
                path.display()
            );
            Skip {
                tool: tool.to_owned(),
                check: check.to_owned(),
            }
        })
        .collect()
}

fn skipped_by(tool: &str) -> Vec<String> {
    skips()
        .into_iter()
        .filter(|skip| skip.tool == tool)
        .map(|skip| skip.check)
        .collect()
}

#[test]
fn the_skip_list_gives_a_reason_for_every_check_it_skips() {
    let skips = skips();
    assert!(!skips.is_empty());
    for skip in &skips {
        let well_formed = match skip.tool.as_str() {
            "checkov" => skip.check.starts_with("CKV"),
            _ => skip.check.starts_with("DL") || skip.check.starts_with("SC"),
        };
        assert!(well_formed, "{} is not a {} check", skip.check, skip.tool);
    }
}

#[test]
fn hadolint_finds_nothing_in_the_dockerfile() {
    let mut command = Tool::Hadolint.command();
    // No configuration file of the machine's or the user's: only the skip list.
    command.current_dir(repo_root()).arg("--no-color");
    for check in skipped_by("hadolint") {
        command.args(["--ignore", &check]);
    }
    let output = command.arg(dockerfile()).output().expect("run hadolint");
    let report = String::from_utf8_lossy(&output.stdout) + String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && report.trim().is_empty(),
        "hadolint:\n{report}"
    );
}

#[test]
fn checkov_passes_every_overlay_the_namespace_and_the_dockerfile() {
    let mut command = Tool::Checkov.command();
    command
        .args(["--framework", "kubernetes", "dockerfile"])
        .args(["--output", "json", "--compact", "--quiet"])
        // Nothing leaves this machine: no policy download, no upload.
        .arg("--skip-download");
    let skipped = skipped_by("checkov");
    if !skipped.is_empty() {
        command.args(["--skip-check", &skipped.join(",")]);
    }
    let mut files: Vec<PathBuf> = overlays().iter().map(rendered_file).collect();
    files.push(manifests_dir().join("namespace.yaml"));
    files.push(dockerfile());
    for file in &files {
        command.arg("--file").arg(file);
    }
    let output = command.output().expect("run checkov");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let reports: Value = serde_yaml_ng::from_str(&stdout).unwrap_or_else(|error| {
        panic!(
            "checkov printed no report ({error}):\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let reports = match reports {
        Value::Sequence(reports) => reports,
        report => vec![report],
    };
    let mut frameworks = Vec::new();
    for report in &reports {
        let framework = report["check_type"].as_str().unwrap().to_owned();
        let summary = &report["summary"];
        let failed: Vec<String> = report["results"]["failed_checks"]
            .as_sequence()
            .into_iter()
            .flatten()
            .map(|check| {
                format!(
                    "{} {} ({})",
                    check["check_id"].as_str().unwrap(),
                    check["resource"].as_str().unwrap_or("?"),
                    check["file_path"].as_str().unwrap_or("?")
                )
            })
            .collect();
        assert!(
            failed.is_empty(),
            "checkov ({framework}) found {} problems:\n{}",
            failed.len(),
            failed.join("\n")
        );
        assert_eq!(
            summary["parsing_errors"], 0,
            "checkov could not parse a file"
        );
        assert!(
            summary["passed"].as_u64().unwrap() > 0,
            "{framework}: nothing checked"
        );
        frameworks.push(framework);
    }
    frameworks.sort();
    assert_eq!(frameworks, ["dockerfile", "kubernetes"]);
    assert!(
        output.status.success(),
        "checkov exited with {}",
        output.status
    );
}
