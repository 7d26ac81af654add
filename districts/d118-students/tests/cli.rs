//! The real `d118-students` binary (issue 19 items 1 and 5): `--help` and `-V` name it, every
//! out-of-range setting is exit 2 with one error line and no panic, a school that does not
//! exist is named as such (once, no `--force` hint), and a demo dated in summer graduates
//! the seniors.

use std::process::{Command, Output};

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_d118-students"));
    cmd.args(args).env_remove("RUST_LOG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn help_names_the_job_its_environment_and_exit_codes() {
    let out = run(&["--help"], &[]);
    assert!(out.status.success());
    let help = text(&out.stdout);
    assert!(help.starts_with(d118_students::ABOUT), "{help}");
    assert!(help.contains("Usage: d118-students"), "{help}");
    for name in [
        "POWERSCHOOL_DB_PASSWORD",
        "GOOGLE_SERVICE_ACCOUNT_KEY",
        "GOOGLE_QUOTA_PER_MINUTE",
        "NEW_USER_PASSWORD",
        "Exit codes:",
        "  1  apply: some changes failed",
        "  2  stopped:",
        "--demo-students",
    ] {
        assert!(help.contains(name), "{name} missing from:\n{help}");
    }
}

#[test]
fn version_names_the_binary_its_version_and_commit() {
    let out = run(&["-V"], &[]);
    assert!(out.status.success());
    let line = text(&out.stdout);
    let commit = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| text(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    assert_eq!(
        line,
        format!(
            "d118-students {} (commit {commit})\n",
            env!("CARGO_PKG_VERSION")
        )
    );
}

/// One `error:` line on stderr naming `name`, exit 2, no panic.
fn assert_refused(out: &Output, name: &str, what: &str) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{what}: {err}");
    assert!(!err.contains("panicked"), "{what}: {err}");
    let errors: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("error:") || l.contains("ABORTED"))
        .collect();
    assert_eq!(errors.len(), 1, "{what}: one error line: {err}");
    assert!(errors[0].contains(name), "{what}: {err}");
}

#[test]
fn every_numeric_setting_out_of_range_is_exit_2_with_one_line_and_no_panic() {
    let huge = "99999999999999999999999";
    let flags: &[(&str, &[&str])] = &[
        ("--concurrency", &["0", "-1", "NaN", huge]),
        ("--school", &["0", "-1", "NaN", huge]),
        ("--demo-students", &["0", "-1", "NaN", huge]),
        ("--max-drop", &["-1", "NaN", huge, "100.5"]),
        ("--max-suspend", &["-1", "NaN", "-5%", "500%"]),
        ("--max-create", &["-1", "NaN", "150%"]),
        ("--max-rename", &["-1", "NaN"]),
        ("--max-move", &["-1", "NaN"]),
        ("--max-unsuspend", &["-1", "NaN"]),
        ("--today", &["0", "-1", "NaN", "2026-02-30"]),
    ];
    let mut tried = 0;
    for (flag, values) in flags {
        for v in *values {
            let arg = format!("{flag}={v}");
            assert_refused(&run(&["--demo", &arg], &[]), flag, &arg);
            tried += 1;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    for v in ["0", "-1", "NaN", huge] {
        let res = run(&["--demo", "--out", out], &[("GOOGLE_QUOTA_PER_MINUTE", v)]);
        assert_refused(&res, "GOOGLE_QUOTA_PER_MINUTE", v);
        tried += 1;
    }
    assert_eq!(tried, 37);
}

#[test]
fn a_school_that_does_not_exist_is_named_once_without_a_force_hint() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let res = run(
        &[
            "--demo",
            "--demo-students",
            "50",
            "--out",
            out,
            "--school",
            "123",
        ],
        &[],
    );
    let err = text(&res.stderr);
    assert_refused(&res, "school 123 does not exist in the SIS", "--school 123");
    assert_eq!(err.matches("school 123").count(), 1, "{err}");
    assert!(!err.contains("--force"), "{err}");
}

/// Seniors (grade 12, active) in the plan's JSON, by the OU they are created in.
fn seniors_created_in(plan: &serde_json::Value, ou_part: &str) -> usize {
    plan.as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] == "create")
        .filter(|c| {
            let ou = c["account"]["org_unit_path"].as_str().unwrap_or_default();
            ou.contains(ou_part)
        })
        .count()
}

#[test]
fn demo_students_sizes_the_district_and_a_summer_date_graduates_the_seniors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let plan_on = |today: &str| {
        let res = run(
            &[
                "--demo",
                "--demo-students",
                "400",
                "--out",
                out,
                "--today",
                today,
                "--json",
            ],
            &[],
        );
        assert_eq!(res.status.code(), Some(0), "{}", text(&res.stderr));
        let plan: serde_json::Value = serde_json::from_slice(&res.stdout).unwrap();
        plan
    };
    let autumn = plan_on("2026-11-30");
    let people = autumn.as_array().unwrap().len();
    assert!(
        (300..=400).contains(&people),
        "400 students, less skips: {people}"
    );
    let seniors = seniors_created_in(&autumn, "/12th");
    assert!(seniors > 5, "{seniors} seniors in 12th-grade OUs");
    let graduated_before = seniors_created_in(&autumn, "/Graduated Students");

    let june = plan_on("2027-06-15");
    // The same people: graduates of the year keep an active account through the summer, so
    // June also creates this year's earlier graduates the November plan left alone.
    assert!(june.as_array().unwrap().len() >= people);
    assert_eq!(
        seniors_created_in(&june, "/12th"),
        0,
        "every senior graduated"
    );
    let graduated = seniors_created_in(&june, "/Graduated Students");
    assert!(
        graduated >= graduated_before + seniors,
        "{graduated} graduates in June vs {graduated_before} + {seniors} seniors in November"
    );
}
