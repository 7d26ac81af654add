//! The engine end to end on the in-memory directory: safety valve, apply, retries, audit
//! log, idempotence, and snapshots of a small fixture district's plan.
mod common;

use common::*;
use roster_core::apply::{ApplyOptions, Retry};
use roster_core::report::{AuditEntry, AuditLog, ExitCode, RunReport};
use roster_core::safety::{Cap, LimitedKind, SafetyLimits, SafetyViolation, check};
use roster_core::{
    DirectoryTarget, FieldValue, InMemoryDirectory, Plan, Scope, TargetError, apply, plan,
};
use std::time::Duration;

fn today() -> chrono::NaiveDate {
    date(2026, 11, 24)
}

/// A small district: every rule shows up once.
fn fixture_students() -> Vec<roster_core::Student> {
    let mut grad = student("1006", "Gus", "Grad", 12, 101, 3);
    grad.class_of = Some(2026);
    vec![
        student("1001", "Ann", "O'Brien", 9, 101, 0),
        student("1002", "Bo", "McDonald", 0, 102, -1),
        student("1003", "Cy", "de la Cruz", -2, 102, 0),
        student("1004", "Di", "Left", 5, 102, 2),
        student("1005", "Ed", "Renamed", 10, 101, 0),
        grad,
        student("1007", "Test", "Kid", 3, 102, 0),
        student("1008", "Flo", "Frozen", 11, 101, 0),
        student("1009", "Tc", "Student", 8, 103, 0),
    ]
}

fn fixture_directory() -> InMemoryDirectory {
    let dir = InMemoryDirectory::new();
    let sync = |school: i64, year: i64| {
        schemas(
            "Synchronization_Data",
            &[
                ("Homeschool_ID", FieldValue::Int(school)),
                ("Graduation_Year", FieldValue::Int(year)),
            ],
        )
    };
    dir.insert(account(
        "1004@d118.org",
        "Di",
        "Left",
        "/D118 Students/RCE Students/5th",
        false,
        sync(102, 2030),
    ));
    dir.add_to_group("1004@d118.org", "rce-5th@d118.org");
    dir.insert(account(
        "1005@d118.org",
        "Ed",
        "Old",
        "/D118 Students/WHS Students/9th",
        false,
        sync(101, 2030),
    ));
    dir.insert(account(
        "1006@d118.org",
        "Gus",
        "Grad",
        "/D118 Students/WHS Students/12th",
        false,
        sync(101, 2026),
    ));
    dir.insert(account(
        "1008@d118.org",
        "Flo",
        "Frozen",
        "/D118 Students/WHS Students/Restricted",
        false,
        sync(101, 2030),
    ));
    dir.insert(account(
        "9999@d118.org",
        "Not",
        "InSis",
        "/D118 Students/WHS Students/9th",
        false,
        sync(101, 2030),
    ));
    dir.insert(account(
        "staff@d118.org",
        "Out",
        "Side",
        "/D118 Staff",
        false,
        Default::default(),
    ));
    dir
}

async fn plan_fixture(dir: &InMemoryDirectory) -> Plan {
    let rules = student_rules();
    let desired = student_policy().desired(&fixture_students(), &schools(), today());
    let observed = dir.list_accounts(&rules.managed_roots).await.unwrap();
    plan(&desired, &observed, &rules, today())
}

#[tokio::test]
async fn fixture_plan_snapshots() {
    let p = plan_fixture(&fixture_directory()).await;
    insta::assert_snapshot!("fixture_plan_table", p.table());
    insta::assert_snapshot!("fixture_plan_json", p.to_json());
}

#[tokio::test]
async fn apply_then_plan_again_is_empty_and_audit_log_has_every_write() {
    let dir = fixture_directory();
    let p = plan_fixture(&dir).await;
    let tmp = tempfile::tempdir().unwrap();
    let audit_path = tmp.path().join("audit.jsonl");
    let audit = AuditLog::open(&audit_path).unwrap();
    let mut report = RunReport::new("students", "apply");
    apply(
        &dir,
        &p,
        &ApplyOptions::default(),
        Some(&audit),
        None,
        &mut report,
    )
    .await;
    assert_eq!(report.exit_code(), ExitCode::Ok, "{}", report.summary());
    assert_eq!(report.applied.values().sum::<usize>(), p.writes().count());

    // The accounts are what the policy wants.
    let ann = dir.account("1001@d118.org").unwrap();
    assert_eq!(
        ann.org_unit_path.as_str(),
        "/D118 Students/WHS Students/9th"
    );
    let di = dir.account("1004@d118.org").unwrap();
    assert!(di.suspended);
    assert_eq!(di.org_unit_path.as_str(), "/Suspended Accounts");
    assert!(dir.groups_of("1004@d118.org").is_empty());
    assert_eq!(dir.account("1005@d118.org").unwrap().family_name, "Renamed");
    let flo = dir.account("1008@d118.org").unwrap();
    assert_eq!(
        flo.org_unit_path.as_str(),
        "/D118 Students/WHS Students/Restricted"
    );
    assert!(
        dir.account("1007@d118.org").is_none(),
        "bad-name test account is skipped"
    );
    // Untouched: not in the SIS, or outside the managed roots.
    assert!(!dir.account("9999@d118.org").unwrap().suspended);
    assert_eq!(
        dir.account("staff@d118.org")
            .unwrap()
            .org_unit_path
            .as_str(),
        "/D118 Staff"
    );

    // Idempotence.
    let again = plan_fixture(&dir).await;
    assert!(again.is_empty(), "second plan:\n{}", again.table());

    // One audit line per write, each parseable, all ok.
    let text = std::fs::read_to_string(&audit_path).unwrap();
    let entries: Vec<AuditEntry> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(entries.len(), p.writes().count());
    assert!(entries.iter().all(|e| e.outcome == "ok"));
}

#[tokio::test]
async fn retryable_errors_are_retried_and_permanent_ones_reported_without_stopping_the_rest() {
    let dir = fixture_directory();
    let p = plan_fixture(&dir).await;
    let writes = p.writes().count();
    // Two transient errors, then one permanent error for whichever change runs next.
    dir.inject_faults([
        TargetError::new(503, "backendError", "Backend Error"),
        TargetError::new(403, "userRateLimitExceeded", "Quota exceeded"),
        TargetError::new(400, "invalid", "Invalid Input"),
    ]);
    let opts = ApplyOptions {
        concurrency: 1,
        retry: Retry {
            max_attempts: 4,
            base: Duration::from_millis(1),
            max: Duration::from_millis(5),
        },
        ..ApplyOptions::default()
    };
    let mut report = RunReport::new("students", "apply");
    apply(&dir, &p, &opts, None, None, &mut report).await;
    assert_eq!(report.retries, 2);
    assert_eq!(report.exit_code(), ExitCode::SomeFailed);
    let failed: Vec<_> = report
        .failures
        .iter()
        .filter(|f| f.error.reason == "invalid")
        .collect();
    assert_eq!(failed.len(), 1);
    let dependents = report
        .failures
        .iter()
        .filter(|f| f.error.reason == "skippedAfterFailure")
        .count();
    let applied: usize = report.applied.values().sum();
    assert_eq!(applied + report.failures.len(), writes);
    assert!(applied >= writes - 1 - dependents);
    // The next run finishes the job.
    let again = plan_fixture(&dir).await;
    let mut report2 = RunReport::new("students", "apply");
    apply(&dir, &again, &opts, None, None, &mut report2).await;
    assert_eq!(report2.exit_code(), ExitCode::Ok);
    assert!(plan_fixture(&dir).await.is_empty());
}

#[tokio::test]
async fn rate_limiter_paces_changes() {
    let dir = InMemoryDirectory::new();
    let students: Vec<_> = (0..30)
        .map(|i| student(&format!("{i}"), "A", "B", 1, 102, 0))
        .collect();
    let desired = student_policy().desired(&students, &schools(), today());
    let p = plan(&desired, &[], &student_rules(), today());
    let opts = ApplyOptions {
        rate_per_second: Some(100.0),
        concurrency: 8,
        ..ApplyOptions::default()
    };
    let start = std::time::Instant::now();
    let mut report = RunReport::new("students", "apply");
    apply(&dir, &p, &opts, None, None, &mut report).await;
    // 30 changes at 100/s with a burst of 1 need at least ~0.29 s.
    assert!(
        start.elapsed() >= Duration::from_millis(280),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(report.applied["create"], 30);
}

#[test]
fn safety_valve() {
    let rules = student_rules();
    let scope_schools: Vec<_> = schools()
        .into_iter()
        .filter(|s| Scope::StateReporting.includes(s))
        .collect();
    // Zero rows at all.
    let empty = plan(&[], &[], &rules, today());
    let v = check(&empty, &scope_schools, &rules.may_be_empty, &rules.safety);
    assert!(v.contains(&SafetyViolation::NoSisRows));
    assert!(
        v.iter()
            .any(|x| matches!(x, SafetyViolation::EmptySchool { school: 101, .. }))
    );
    // One school empty.
    let desired =
        student_policy().desired(&[student("1", "A", "B", 1, 102, 0)], &schools(), today());
    let p = plan(&desired, &[], &rules, today());
    let v = check(&p, &scope_schools, &rules.may_be_empty, &rules.safety);
    assert_eq!(
        v,
        vec![SafetyViolation::EmptySchool {
            school: 101,
            name: "WAUCONDA HIGH SCHOOL".into()
        }]
    );
    // Suspensions over 5% of 40 managed accounts (limit 2).
    let observed: Vec<_> = (0..40)
        .map(|i| {
            account(
                &format!("{i}@d118.org"),
                "A",
                "B",
                "/D118 Students/RCE Students/1st",
                false,
                Default::default(),
            )
        })
        .collect();
    let mut students: Vec<_> = (0..40)
        .map(|i| student(&format!("{i}"), "A", "B", 1, 102, 0))
        .collect();
    students.push(student("x", "A", "B", 1, 101, 0));
    for s in students.iter_mut().take(3) {
        s.enroll_status = roster_core::EnrollStatus::TransferredOut;
    }
    let desired = student_policy().desired(&students, &schools(), today());
    let p = plan(&desired, &observed, &rules, today());
    let v = check(&p, &scope_schools, &rules.may_be_empty, &rules.safety);
    let [
        SafetyViolation::OverLimit {
            kind: LimitedKind::Suspend,
            school: None,
            planned: 3,
            limit: 2,
            base: 40,
            people,
        },
    ] = v.as_slice()
    else {
        panic!("{v:?}")
    };
    // The report names the three people who would be suspended.
    let mut ids: Vec<&str> = people.iter().map(|p| p.id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, ["0", "1", "2"]);
    // An absolute cap is the stricter of the two.
    let mut limits = SafetyLimits::default();
    limits.run.suspend = Cap {
        share: Some(0.5),
        count: Some(1),
    };
    assert!(!check(&p, &scope_schools, &rules.may_be_empty, &limits).is_empty());
    limits.run.suspend = Cap::share(0.5);
    assert!(check(&p, &scope_schools, &rules.may_be_empty, &limits).is_empty());
}

#[tokio::test]
async fn a_create_that_meets_an_existing_account_is_noted_in_report_and_audit_log() {
    let dir = fixture_directory();
    // 1001 exists, but outside the managed roots: the plan creates, the target adopts.
    dir.insert(account(
        "1001@d118.org",
        "Ann",
        "Old",
        "/Elsewhere",
        false,
        Default::default(),
    ));
    let p = plan_fixture(&dir).await;
    assert_eq!(p.changes[0].kind.label(), "create");
    let tmp = tempfile::tempdir().unwrap();
    let audit = AuditLog::open(&tmp.path().join("audit.jsonl")).unwrap();
    let mut report = RunReport::new("students", "apply");
    apply(
        &dir,
        &p,
        &ApplyOptions::default(),
        Some(&audit),
        None,
        &mut report,
    )
    .await;
    assert_eq!(report.notes.len(), 1, "{:?}", report.notes);
    assert!(
        report.notes[0].contains("1001@d118.org"),
        "{:?}",
        report.notes
    );
    let text = std::fs::read_to_string(tmp.path().join("audit.jsonl")).unwrap();
    let noted: Vec<AuditEntry> = text
        .lines()
        .map(|l| serde_json::from_str::<AuditEntry>(l).unwrap())
        .filter(|e| e.note.is_some())
        .collect();
    assert_eq!(noted.len(), 1);
    // Adopted by the plan's rules: names follow the SIS, but an account outside the managed
    // roots is not moved (issue 14: it used to be patched to the whole desired state).
    let adopted = dir.account("1001@d118.org").unwrap();
    assert_eq!(adopted.org_unit_path.as_str(), "/Elsewhere");
    assert_ne!(adopted.family_name, "Old");
    assert!(report.notes[0].contains("not moved"), "{:?}", report.notes);
}
