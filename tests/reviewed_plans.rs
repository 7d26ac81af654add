//! Reviewed plans (issue 14, item 4), end to end: D118's student job through `run_accounts`
//! against the Directory emulator over HTTP, on a generated PowerSchool-shaped district.
//!
//! - `plan --save-plan FILE` then `apply --plan FILE` on an unchanged directory makes exactly
//!   the planned writes (counted at the emulator), re-reads only the touched accounts by id
//!   (`users.get`), never lists and never reads the SIS;
//! - an account another admin changed between plan and apply, and one deleted, are refused
//!   and reported per change; the others apply;
//! - a file for another job or district, of another format version, edited, corrupt or
//!   truncated is exit 2 with one line; nothing is written;
//! - no secret it was configured with is in the file; vendor jobs refuse the flags.

#[path = "support/reliability.rs"]
mod reliability;

use std::path::{Path, PathBuf};

use reliability::{cli, fast_directory, managed_users, today};
use roster::core::report::{ExitCode, RunReport};
use roster::core::{PlanFile, Secret};
use roster::demo::Demo;
use roster::google::GoogleDirectory;
use roster::google::client::{User, UserName};
use roster::{AccountJob, Mode, run_accounts, run_vendor};

const STUDENTS: usize = 600;
const PASSWORD: &str = "Initial-Pa55word-Do-Not-Leak";

/// The student job with an initial password, and a demo directory where it already ran.
async fn district(dir: &Path) -> (AccountJob, Demo, GoogleDirectory) {
    let mut job = d118_students::job();
    job.policy.new_account.password = Some(Secret::new(PASSWORD));
    let site = d118_students::site();
    let demo = Demo::start(dir, &site.domain, today(), STUDENTS).unwrap();
    let target = fast_directory(&demo, &job).await;
    let report = run(&job, &demo, &target, dir, &["apply"]).await;
    assert_eq!(report.exit_code(), ExitCode::Ok, "{}", report.summary());
    (job, demo, target)
}

async fn run(
    job: &AccountJob,
    demo: &Demo,
    target: &GoogleDirectory,
    dir: &Path,
    args: &[&str],
) -> RunReport {
    let sis = demo.sis(d118_students::site().powerschool.clone()).unwrap();
    let mode = if args.contains(&"apply") {
        Mode::Apply
    } else {
        Mode::Plan
    };
    let opts = cli(dir, args).opts;
    run_accounts(job, mode, &opts, &sis, target, &mut Vec::new()).await
}

/// Another admin renames `n` managed accounts' given names: the next plan puts them back.
async fn edit_given_names(demo: &Demo, job: &AccountJob, other: &GoogleDirectory, n: usize) {
    for (email, _) in managed_users(demo, job).into_iter().take(n) {
        rename_given(other, &email, "Edited").await;
    }
}

async fn rename_given(other: &GoogleDirectory, key: &str, given: &str) {
    let patch = User {
        name: Some(UserName {
            given_name: Some(given.into()),
            ..UserName::default()
        }),
        ..User::default()
    };
    other.client().patch_user(key, &patch).await.unwrap();
}

fn counter(demo: &Demo, method: &str) -> u64 {
    demo.emulator.counters().get(method).copied().unwrap_or(0)
}

fn plan_path(dir: &Path) -> PathBuf {
    dir.join("plan.json")
}

/// A district that already ran, `edits` given names changed by another admin (`other`), and
/// the plan saved to `path`.
struct Saved {
    dir: tempfile::TempDir,
    job: AccountJob,
    demo: Demo,
    target: GoogleDirectory,
    other: GoogleDirectory,
    path: PathBuf,
}

async fn saved_plan(edits: usize) -> Saved {
    let dir = tempfile::tempdir().unwrap();
    let (job, demo, target) = district(dir.path()).await;
    let other = fast_directory(&demo, &job).await;
    edit_given_names(&demo, &job, &other, edits).await;
    let path = plan_path(dir.path());
    let args = ["plan", "--save-plan", path.to_str().unwrap()];
    let planned = run(&job, &demo, &target, dir.path(), &args).await;
    assert_eq!(planned.exit_code(), ExitCode::Ok, "{}", planned.summary());
    Saved {
        dir,
        job,
        demo,
        target,
        other,
        path,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unchanged_directory_gets_exactly_the_planned_writes() {
    let Saved {
        dir,
        job,
        demo,
        target,
        path,
        ..
    } = saved_plan(12).await;
    let p = path.to_str().unwrap();
    let file = PlanFile::read(&path).unwrap();
    let writes = file.plan.writes().count();
    assert_eq!(writes, 12, "{:?}", file.plan.counts());
    assert!(
        file.accounts.len() >= STUDENTS / 2,
        "{}",
        file.accounts.len()
    );
    assert_eq!(file.job, job.name);
    assert_eq!(file.scope, "all");

    demo.emulator.reset_counters();
    let applied = run(&job, &demo, &target, dir.path(), &["apply", "--plan", p]).await;
    assert_eq!(applied.exit_code(), ExitCode::Ok, "{}", applied.summary());
    assert!(applied.refused.is_empty(), "{:?}", applied.refused);
    // Exactly the planned writes, and reads of only the touched accounts: no listing.
    assert_eq!(demo.emulator.write_calls(), writes as u64);
    assert_eq!(counter(&demo, "users.get"), file.touched_ids().len() as u64);
    assert_eq!(counter(&demo, "users.list"), 0);
    assert_eq!(applied.applied.values().sum::<usize>(), writes);
    for (email, u) in managed_users(&demo, &job) {
        assert_ne!(u["name"]["givenName"], "Edited", "{email}");
    }
    // The directory is now as planned: a new plan is empty.
    let again = run(&job, &demo, &target, dir.path(), &["plan"]).await;
    assert_eq!(again.planned.get("update"), None, "{}", again.summary());
    println!(
        "reviewed plan: {writes} writes planned, {} applied, {} users.get, 0 users.list",
        demo.emulator.write_calls(),
        file.touched_ids().len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drifted_and_vanished_accounts_are_refused_and_the_rest_apply() {
    let Saved {
        dir,
        job,
        demo,
        target,
        other,
        path,
    } = saved_plan(10).await;
    let p = path.to_str().unwrap();
    let file = PlanFile::read(&path).unwrap();
    let ids = file.touched_ids();
    assert_eq!(ids.len(), 10);

    // Between plan and apply another admin edits one account and deletes another.
    let drifted = demo.emulator.user(&ids[0]).unwrap();
    let drifted_email = drifted["primaryEmail"].as_str().unwrap().to_string();
    rename_given(&other, &ids[0], "Edited Again").await;
    demo.emulator.remove_user(&ids[1]).unwrap();

    demo.emulator.reset_counters();
    let applied = run(&job, &demo, &target, dir.path(), &["apply", "--plan", p]).await;
    assert_eq!(
        applied.exit_code(),
        ExitCode::SomeFailed,
        "{}",
        applied.summary()
    );
    let mut reasons: Vec<(String, String)> = applied
        .refused
        .iter()
        .map(|r| (r.account_id.clone().unwrap(), r.reason.clone()))
        .collect();
    reasons.sort();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    let find = |id: &str| reasons.iter().find(|(i, _)| i == id).unwrap().1.clone();
    assert!(
        find(&ids[0]).contains("changed since the plan"),
        "{reasons:?}"
    );
    assert!(find(&ids[1]).contains("vanished"), "{reasons:?}");
    assert!(
        applied.summary().contains("REFUSED update"),
        "{}",
        applied.summary()
    );
    // The other eight applied; the drifted account keeps the other admin's edit.
    assert_eq!(demo.emulator.write_calls(), 8);
    assert_eq!(applied.applied.get("update"), Some(&8));
    let kept = demo.emulator.user(&drifted_email).unwrap();
    assert_eq!(kept["name"]["givenName"], "Edited Again");
    println!("reviewed plan: 10 planned, 1 drifted + 1 vanished refused, 8 applied");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unusable_plan_files_are_exit_2_with_one_line_and_write_nothing() {
    let Saved {
        dir,
        job,
        demo,
        target,
        path,
        ..
    } = saved_plan(3).await;
    let p = path.to_str().unwrap();
    let good = std::fs::read_to_string(&path).unwrap();

    let staff = d118_staff::job();
    let mut other_district = d118_students::job();
    other_district.population = match other_district.population {
        roster::Population::Students(mut s) => {
            s.domain = "elsewhere.org".into();
            roster::Population::Students(s)
        }
        p => p,
    };
    // Someone turns a reviewed update into a suspension.
    let edited = good.replacen("\"action\": \"update\"", "\"action\": \"suspend\"", 1);
    assert!(edited != good, "no update to edit");
    let cases: Vec<(&str, String, &AccountJob, &str)> = vec![
        (
            "truncated",
            good[..good.len() / 2].to_string(),
            &job,
            "truncated or corrupt",
        ),
        ("corrupt", "{ not json".into(), &job, "truncated or corrupt"),
        ("edited", edited, &job, "changed after it was planned"),
        (
            "version",
            good.replacen("\"version\": 1", "\"version\": 2", 1),
            &job,
            "version 2",
        ),
        (
            "other job",
            good.clone(),
            &staff,
            "is for job \"d118-students\"",
        ),
        (
            "other district",
            good.clone(),
            &other_district,
            "is for district",
        ),
    ];
    let writes = demo.emulator.write_calls();
    for (what, text, job, says) in cases {
        let bad = dir.path().join(format!("{}.json", what.replace(' ', "-")));
        std::fs::write(&bad, text).unwrap();
        let b = bad.to_str().unwrap();
        let report = run(job, &demo, &target, dir.path(), &["apply", "--plan", b]).await;
        assert_eq!(report.exit_code(), ExitCode::Aborted, "{what}");
        let why = report.aborted.unwrap();
        assert!(why.contains(says), "{what}: {why}");
        assert!(!why.contains('\n'), "{what}: {why}");
        assert_eq!(demo.emulator.write_calls(), writes, "{what}");
    }
    // The flags in the wrong place.
    let report = run(&job, &demo, &target, dir.path(), &["plan", "--plan", p]).await;
    assert!(
        report
            .aborted
            .unwrap()
            .contains("--plan FILE is for `apply`")
    );
    let report = run(
        &job,
        &demo,
        &target,
        dir.path(),
        &["apply", "--save-plan", p],
    )
    .await;
    assert!(
        report
            .aborted
            .unwrap()
            .contains("--save-plan FILE is for `plan`")
    );
    assert_eq!(demo.emulator.write_calls(), writes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_is_in_the_file_and_creates_get_the_password_at_apply() {
    let dir = tempfile::tempdir().unwrap();
    let mut job = d118_students::job();
    job.policy.new_account.password = Some(Secret::new(PASSWORD));
    let site = d118_students::site();
    let demo = Demo::start(dir.path(), &site.domain, today(), STUDENTS).unwrap();
    let target = fast_directory(&demo, &job).await;
    let path = plan_path(dir.path());
    let p = path.to_str().unwrap();
    // The first plan creates everyone: every create would carry the password.
    let planned = run(
        &job,
        &demo,
        &target,
        dir.path(),
        &["plan", "--save-plan", p],
    )
    .await;
    assert_eq!(planned.exit_code(), ExitCode::Ok, "{}", planned.summary());
    let text = std::fs::read_to_string(&path).unwrap();
    let creates = planned.planned["create"];
    assert!(creates > STUDENTS / 2, "{creates}");
    for secret in [
        PASSWORD,
        roster::demo::DEMO_PASSWORD,
        "private_key",
        "\"password\"",
    ] {
        assert!(!text.contains(secret), "{secret} is in the plan file");
    }
    demo.emulator.reset_counters();
    let applied = run(&job, &demo, &target, dir.path(), &["apply", "--plan", p]).await;
    assert_eq!(applied.exit_code(), ExitCode::Ok, "{}", applied.summary());
    assert_eq!(applied.applied.get("create"), Some(&creates));
    assert_eq!(counter(&demo, "users.insert"), creates as u64);
    // Creates touch no existing account: nothing to re-read.
    assert_eq!(counter(&demo, "users.get"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vendor_jobs_refuse_the_plan_flags() {
    let dir = tempfile::tempdir().unwrap();
    let job = kipp_chicago_stmath::job();
    let site = kipp_chicago_stmath::site();
    let demo = Demo::start(dir.path(), &site.domain, today(), 50).unwrap();
    let sis = demo.sis(site.powerschool.clone()).unwrap();
    for args in [
        ["plan", "--save-plan", "p.json"],
        ["apply", "--plan", "p.json"],
    ] {
        let opts = cli(dir.path(), &args).opts;
        let mode = if args[0] == "apply" {
            Mode::Apply
        } else {
            Mode::Plan
        };
        let files = dir.path().join("files");
        let report = run_vendor(&job, mode, &opts, &sis, &files, None, &mut Vec::new()).await;
        assert_eq!(report.exit_code(), ExitCode::Aborted);
        let why = report.aborted.unwrap();
        assert!(why.contains("are for account jobs"), "{why}");
        assert!(!files.exists(), "files were built");
    }
}
