//! Summer-graduate licence removal (d118-studentsync.py:136-154) end to end: the D118 student
//! job against the Directory emulator's Enterprise License Manager over real HTTP.

use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use clap::Parser;
use roster::core::DirectoryTarget;
use roster::core::licence::Licence;
use roster::core::model::{Person, PersonKind};
use roster::core::plan::{Change, ChangeKind};
use roster::core::report::{ExitCode, RunReport};
use roster::demo::Demo;
use roster::{AccountJob, Cli, Mode, Site, run_accounts};
use serde_json::Value;

const PRODUCT: &str = d118_students::LICENSE_PRODUCT_ID;
const SKU: &str = d118_students::LICENSE_SKU;

fn cli(dir: &Path, today: &str, extra: &[&str]) -> Cli {
    let out = dir.to_str().unwrap().to_string();
    let audit = dir.join("audit.jsonl").to_str().unwrap().to_string();
    let mut args = vec![
        "e2e",
        "--today",
        today,
        "--out",
        &out,
        "--audit-log",
        &audit,
        "--json",
    ];
    args.extend_from_slice(extra);
    Cli::parse_from(args)
}

async fn run(
    demo: &Demo,
    job: &AccountJob,
    site: &Site,
    mode: Mode,
    dir: &Path,
    today: &str,
    extra: &[&str],
) -> (RunReport, Vec<Value>) {
    let (sis, target) = demo
        .connect_with(site.powerschool.clone(), &job.policy.managed_roots, true)
        .await
        .unwrap();
    let mut out = Vec::new();
    let report = run_accounts(
        job,
        mode,
        &cli(dir, today, extra).opts,
        &sis,
        &target,
        &mut out,
    )
    .await;
    let plan: Vec<Value> = serde_json::from_slice(&out).unwrap_or_default();
    (report, plan)
}

/// Emails of the planned `remove_licence` changes.
fn removals(plan: &[Value]) -> Vec<String> {
    plan.iter()
        .filter(|c| c["action"] == "remove_licence")
        .map(|c| c["email"].as_str().unwrap().to_string())
        .collect()
}

/// Active students' numbers, in order.
fn active_students(demo: &Demo, n: usize) -> Vec<i64> {
    let db = rusqlite::Connection::open(&demo.db).unwrap();
    let mut st = db
        .prepare("SELECT STUDENT_NUMBER FROM STUDENTS WHERE ENROLL_STATUS = 0 AND SCHOOLID <> 999999 ORDER BY STUDENT_NUMBER")
        .unwrap();
    let rows = st.query_map([], |r| r.get::<_, i64>(0)).unwrap();
    rows.take(n).map(Result::unwrap).collect()
}

fn email(number: i64) -> String {
    format!("{number}@{}", d118_students::DOMAIN)
}

/// A 300-student D118 demo dated July 15 (this year's graduates in their summer).
fn july_demo(dir: &Path) -> Demo {
    let july = NaiveDate::from_ymd_opt(2026, 7, 15).unwrap();
    Demo::start(dir, d118_students::DOMAIN, july, 300).unwrap()
}

/// Makes these students this year's graduates: the graduated school, status 3 (script line
/// 139).
fn graduate(demo: &Demo, numbers: &[i64]) {
    let list = numbers
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let db = rusqlite::Connection::open(&demo.db).unwrap();
    db.execute_batch(&format!(
        "UPDATE STUDENTS SET SCHOOLID = 999999, ENROLL_STATUS = 3, CLASSOF = 2026 \
         WHERE STUDENT_NUMBER IN ({list});"
    ))
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn summer_graduates_lose_the_licence_and_no_one_else() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let demo = july_demo(dir);
    let (job, site) = (d118_students::job(), d118_students::site());
    let n = active_students(&demo, 3);
    let (licensed_grad, unlicensed_grad, licensed_pupil) = (n[0], n[1], n[2]);
    // Two of this year's graduates.
    graduate(&demo, &[licensed_grad, unlicensed_grad]);
    let (r, _) = run(&demo, &job, &site, Mode::Apply, dir, "2026-07-15", &[]).await;
    assert_eq!(r.exit_code(), ExitCode::Ok, "{}", r.summary());
    assert!(
        !r.planned.contains_key("remove_licence"),
        "no one holds it yet"
    );
    for who in [licensed_grad, licensed_pupil] {
        demo.emulator
            .assign_license(PRODUCT, SKU, &email(who))
            .unwrap();
    }

    // The plan: one removal, for the licensed graduate only.
    let (r, plan) = run(&demo, &job, &site, Mode::Plan, dir, "2026-07-15", &[]).await;
    assert_eq!(r.exit_code(), ExitCode::Ok, "{}", r.summary());
    assert_eq!(removals(&plan), [email(licensed_grad)]);
    assert_eq!(
        plan.iter().filter(|c| c["action"] != "skip").count(),
        1,
        "only the removal"
    );

    demo.emulator.reset_counters();
    let (r, _) = run(&demo, &job, &site, Mode::Apply, dir, "2026-07-15", &[]).await;
    assert_eq!(r.exit_code(), ExitCode::Ok, "{}", r.summary());
    assert_eq!(r.applied.get("remove_licence"), Some(&1), "{}", r.summary());
    assert_eq!(
        demo.emulator.license_holders(PRODUCT, SKU),
        [email(licensed_pupil)]
    );
    let counters = demo.emulator.counters();
    assert_eq!(
        counters.get("licenseAssignments.delete"),
        Some(&1),
        "{counters:?}"
    );
    assert_eq!(
        counters.get("licenseAssignments.listForProductAndSku"),
        Some(&1),
        "{counters:?}"
    );
    let audit = std::fs::read_to_string(dir.join("audit.jsonl")).unwrap();
    assert!(
        audit
            .lines()
            .any(|l| l.contains("remove_licence") && l.contains(&email(licensed_grad))),
        "audited"
    );

    // Converged: the second plan is empty.
    let (r, plan) = run(&demo, &job, &site, Mode::Plan, dir, "2026-07-15", &[]).await;
    assert_eq!(r.exit_code(), ExitCode::Ok, "{}", r.summary());
    assert!(plan.iter().all(|c| c["action"] == "skip"), "{plan:?}");

    // September: graduates are suspended; the script removes no licence then (line 137).
    demo.emulator
        .assign_license(PRODUCT, SKU, &email(licensed_grad))
        .unwrap();
    let (_, plan) = run(&demo, &job, &site, Mode::Plan, dir, "2026-09-01", &[]).await;
    assert!(removals(&plan).is_empty(), "{plan:?}");
}

/// Licence removals are capped like suspensions: a night that would take the licence from
/// more than 15% of the managed accounts (here a fifth of the students taken for this
/// year's graduates) stops before any write; `--max-remove-licence` raises the cap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn licence_removals_over_the_cap_are_refused_before_any_write() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let demo = july_demo(dir);
    let (job, site) = (d118_students::job(), d118_students::site());
    let (r, _) = run(&demo, &job, &site, Mode::Apply, dir, "2026-07-15", &[]).await;
    assert_eq!(r.exit_code(), ExitCode::Ok, "{}", r.summary());
    let managed = r.planned.get("create").copied().unwrap_or(0);
    // A fifth of the accounts: active students with an account (test accounts have none).
    let grads: Vec<i64> = active_students(&demo, managed)
        .into_iter()
        .filter(|who| *who > 200_000) // not the edge cases: every school keeps its students
        .filter(|who| {
            demo.emulator
                .assign_license(PRODUCT, SKU, &email(*who))
                .is_ok()
        })
        .take(managed / 5)
        .collect();
    // (`take` stops the lazy `filter`: no one else is given the licence.)
    graduate(&demo, &grads);

    demo.emulator.reset_counters();
    let (r, _) = run(&demo, &job, &site, Mode::Apply, dir, "2026-07-15", &[]).await;
    assert_eq!(r.exit_code(), ExitCode::Aborted, "{}", r.summary());
    assert_eq!(r.planned.get("remove_licence"), Some(&grads.len()));
    let why = r.summary();
    let limit = managed * 15 / 100;
    assert!(
        why.contains(&format!(
            "the plan has {} remove_licence change(s) against {managed} managed accounts, over the limit of {limit}",
            grads.len()
        )),
        "{why}"
    );
    assert!(!why.contains("no people for school"), "{why}");
    let counters = demo.emulator.counters();
    assert_eq!(
        counters.get("licenseAssignments.delete"),
        None,
        "{counters:?}"
    );
    assert_eq!(
        demo.emulator.license_holders(PRODUCT, SKU).len(),
        grads.len()
    );

    // A bad cap value is refused by the parser, naming the flag.
    for bad in ["-5%", "150%", "NaN%", "lots", ""] {
        let arg = format!("--max-remove-licence={bad}");
        let e = Cli::try_parse_from(["e2e", arg.as_str()]).unwrap_err();
        assert!(e.to_string().contains("--max-remove-licence"), "{bad}: {e}");
    }

    // The operator raises the cap: exactly the planned removals are made.
    let (r, _) = run(
        &demo,
        &job,
        &site,
        Mode::Apply,
        dir,
        "2026-07-15",
        &["--max-remove-licence", "30%"],
    )
    .await;
    assert_eq!(r.exit_code(), ExitCode::Ok, "{}", r.summary());
    assert_eq!(r.applied.get("remove_licence"), Some(&grads.len()));
    assert!(demo.emulator.license_holders(PRODUCT, SKU).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_a_licence_already_gone_converges_and_no_scope_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let july = NaiveDate::from_ymd_opt(2026, 7, 15).unwrap();
    let demo = Demo::start(tmp.path(), d118_students::DOMAIN, july, 20).unwrap();
    let who = email(active_students(&demo, 1)[0]);
    let config = roster::demo::demo_client_config();
    let target = Arc::new(demo.directory_with(config.clone(), true).await.unwrap());
    demo.emulator
        .add_user(&serde_json::json!({"primaryEmail": who, "name": {"givenName": "A", "familyName": "B"}}))
        .unwrap();
    let change = Change {
        person: Person {
            kind: PersonKind::Student,
            id: "1".into(),
            name: "B, A".into(),
        },
        email: who.clone(),
        account_id: None,
        kind: ChangeKind::RemoveLicence {
            product_id: PRODUCT.into(),
            sku_id: SKU.into(),
        },
    };
    // Not assigned: Google answers 404, the target records it as done.
    let applied = target.apply(&change).await.unwrap();
    assert!(applied.note.unwrap().contains("no longer held"));
    let licence = Licence::new(PRODUCT, SKU);
    demo.emulator.assign_license(PRODUCT, SKU, &who).unwrap();
    assert_eq!(
        target.licence_holders(&licence).await.unwrap(),
        std::slice::from_ref(&who)
    );
    // A bad product is Google's 400, not a success.
    let bad = Licence::new("nope", SKU);
    assert_eq!(target.licence_holders(&bad).await.unwrap_err().status, 400);

    // Without the licensing scope the token is refused (403), and nothing changes.
    let plain = demo.directory(config).await.unwrap().with_licensing();
    let e = plain.licence_holders(&licence).await.unwrap_err();
    assert_eq!(e.status, 403, "{e}");
    assert!(plain.apply(&change).await.is_err());
    assert_eq!(demo.emulator.license_holders(PRODUCT, SKU), [who]);
}
