//! Smoke test of the `roster-bench` binary with tiny sizes: every section (1-5) runs, and the
//! measurements it reports are consistent (not their speed: CI machines vary).

use std::process::Command;

use serde_json::Value;

/// Runs the bench with `args` (and `--json`, a work folder of its own, quiet logs) and returns
/// its JSON report. Exit code 0 (all targets met) or 1 (some missed: timing on a CI machine)
/// are both fine here; 2 would be a section that failed.
fn run_bench(args: &[&str]) -> Value {
    let work = std::env::temp_dir().join(format!(
        "roster-bench-smoke-{}-{}",
        std::process::id(),
        args.len()
    ));
    let out = Command::new(env!("CARGO_BIN_EXE_roster-bench"))
        .arg("--json")
        .args(args)
        .arg("--work-dir")
        .arg(&work)
        .env("RUST_LOG", "error")
        .output()
        .expect("run roster-bench");
    let _ = std::fs::remove_dir_all(&work);
    assert_ne!(
        out.status.code(),
        Some(2),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON report on stdout")
}

#[test]
fn bench_runs_every_section_with_tiny_sizes() {
    let r = run_bench(&[
        "--students",
        "300",
        "--creates",
        "40",
        "--plan-people",
        "3000",
        "--csv-rows",
        "2000",
        "--baseline-sample",
        "20",
        "--latency-ms",
        "1",
        "--quota-per-minute",
        "60000",
        "--api-students",
        "300",
        "--api-latency-ms",
        "5",
        "--api-page-size",
        "50",
        "--rollover-students",
        "300",
        "--rollover-latency-ms",
        "1",
        "--rollover-quota-per-minute",
        "60000",
        "--rollover-concurrency",
        "16",
    ]);

    let setup = &r["google"]["setup"];
    let with_account = setup["accounts_desired"].as_u64().unwrap();
    assert_eq!(setup["created_by_apply"], 40);
    assert_eq!(
        setup["created_by_apply"].as_u64().unwrap() + setup["seeded_directly"].as_u64().unwrap(),
        with_account
    );

    let apply = &r["google"]["apply"];
    assert_eq!(apply["creates"], 40);
    assert_eq!(apply["applied"], 40);
    assert_eq!(apply["failed"], 0);
    assert!(apply["api_calls"].as_u64().unwrap() >= 40);

    let sync = &r["google"]["sync"];
    assert_eq!(
        sync["roster_writes_planned"], 0,
        "a synced directory plans nothing"
    );
    assert_eq!(sync["accounts_listed"].as_u64().unwrap(), with_account);
    // One page per root at this size: far fewer calls than one per student.
    let calls = sync["roster_calls"].as_u64().unwrap();
    assert!((1..=3).contains(&calls), "roster calls {calls}");
    // The baseline makes exactly one lookup per student with an account in its sample.
    assert_eq!(sync["baseline_sample"], 20);
    assert_eq!(
        sync["baseline_sample_calls"],
        sync["baseline_sample_lookups"]
    );
    assert_eq!(sync["baseline_calls"].as_u64().unwrap(), with_account);
    assert_eq!(sync["baseline_sample_updates"], 0);

    // Section 5 (realistic latency): both reads find every account; at this size each root
    // is one page, so roster cannot beat the GAM-style read by much, and is not asked to.
    let real = &r["google"]["realistic"];
    assert_eq!(real["roster_accounts"].as_u64().unwrap(), with_account);
    assert_eq!(real["gam_accounts"].as_u64().unwrap(), with_account);
    assert_eq!(
        real["floor_calls"].as_u64().unwrap(),
        with_account.div_ceil(500)
    );
    assert!(real["roster_calls"].as_u64().unwrap() >= real["floor_calls"].as_u64().unwrap());
    assert!(
        real["roster_s"].as_f64().unwrap() >= 0.24,
        "a realistic call takes >= 240 ms"
    );

    let plan = &r["plan"];
    assert_eq!(plan["people"], 3000);
    assert_eq!(plan["plan_is_exact"], true, "{plan}");
    assert!(plan["peak_rss_bytes"].as_u64().unwrap() > 0);

    let vendor = &r["vendor"];
    assert_eq!(vendor["rows"], 2000);
    assert_eq!(vendor["stmath_errors"], 0);
    assert!(vendor["stmath_students_csv_bytes"].as_u64().unwrap() > 2000 * 50);
    assert!(vendor["oneroster_zip_bytes"].as_u64().unwrap() > 0);

    let api = &r["powerschool_api"];
    assert_eq!(api["students_generated"], 300);
    let loaded = api["students_loaded"].as_u64().unwrap();
    let errors = api["row_errors"].as_u64().unwrap();
    assert!(loaded > 250 && loaded + errors >= 300, "{api}");
    // Schools (one page) and the students in pages of 50 (the demo adds edge-case rows).
    let pages = api["pages"].as_u64().unwrap();
    assert!((1 + 6..=1 + 8).contains(&pages), "{api}");
    assert_eq!(api["retries"], 0);
    assert!(api["wall_s"].as_f64().unwrap() >= api["floor_s"].as_f64().unwrap() * 0.9);
}

/// Section 6 with tiny sizes: every changed account is one write call (group calls apart),
/// nothing fails, and the next plan is empty.
#[test]
fn rollover_section_makes_one_write_per_changed_account() {
    let r = run_bench(&[
        "--only",
        "rollover",
        "--rollover-students",
        "400",
        "--rollover-latency-ms",
        "1",
        "--rollover-quota-per-minute",
        "60000",
        "--rollover-concurrency",
        "16",
    ]);
    let x = &r["rollover"];
    assert_eq!(x["students"], 400);
    assert_eq!(x["plan_exact"], true, "{x}");
    assert_eq!(x["failed"], 0, "{x}");
    assert_eq!(x["next_plan_writes"], 0, "{x}");
    let changed = x["changed_accounts"].as_u64().unwrap();
    // Every student changes grade OU, is created, or leaves.
    assert!(changed > 350, "{x}");
    assert_eq!(x["account_write_calls"].as_u64().unwrap(), changed, "{x}");
    assert!(x["account_changes"].as_u64().unwrap() > changed, "{x}");
    assert!(x["group_calls"].as_u64().unwrap() > 0, "{x}");
    let planned = &x["planned"];
    for kind in ["create", "move", "suspend", "update", "remove_from_groups"] {
        assert!(planned[kind].as_u64().unwrap_or(0) > 0, "{kind}: {planned}");
    }
}
