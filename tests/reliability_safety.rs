//! The safety valve (DESIGN §4.4) through the district job: a SIS read that lost a school,
//! returned nobody, or would suspend more than the limit exits 2 and writes nothing to the
//! directory (the emulator counts zero write calls); `--force` or a higher `--max-suspend`
//! lets the run through.

#[path = "support/reliability.rs"]
mod reliability;

use std::future::Future;
use std::path::Path;
use std::pin::Pin;

use chrono::NaiveDate;
use reliability::{audit_lines, cli, desired, fast_directory, managed_users, today};
use roster::core::report::{ExitCode, RunReport};
use roster::core::{
    Classes, EnrollStatus, LimitedKind, Loaded, SafetyViolation, School, Scope, SisSource,
    SourceError, Staff, Student,
};
use roster::demo::Demo;
use roster::sis::powerschool::{PowerSchoolSource, SqliteBackend};
use roster::{AccountJob, Mode, Site, run_accounts};

const STUDENTS: usize = 1_500;

type Fut<'a, T> = Pin<Box<dyn Future<Output = Result<T, SourceError>> + Send + 'a>>;

/// The demo district as a broken or changed SIS would return it.
struct Tampered {
    inner: PowerSchoolSource<SqliteBackend>,
    change: Change,
}

#[derive(Clone, Copy)]
enum Change {
    /// The students of one school are missing (a failed join, a half-finished nightly copy).
    DropSchool(i64),
    /// No students at all.
    Nobody,
    /// Every `n`th active student is now inactive.
    Deactivate(usize),
}

// `SisSource` is an `async_trait`; written out by hand so the root package needs no extra
// dependency for this test.
impl SisSource for Tampered {
    fn schools<'a, 'b, 'f>(&'a self, scope: &'b Scope) -> Fut<'f, Loaded<School>>
    where
        'a: 'f,
        'b: 'f,
    {
        self.inner.schools(scope)
    }

    fn students<'a, 'b, 'f>(&'a self, scope: &'b Scope) -> Fut<'f, Loaded<Student>>
    where
        'a: 'f,
        'b: 'f,
    {
        Box::pin(async move {
            let mut loaded = self.inner.students(scope).await?;
            match self.change {
                Change::DropSchool(n) => loaded.rows.retain(|s| s.school != n),
                Change::Nobody => loaded.rows.clear(),
                Change::Deactivate(every) => {
                    for s in loaded
                        .rows
                        .iter_mut()
                        .filter(|s| s.enroll_status == EnrollStatus::Active)
                        .step_by(every)
                    {
                        s.enroll_status = EnrollStatus::Inactive;
                    }
                }
            }
            Ok(loaded)
        })
    }

    fn staff<'a, 'b, 'f>(&'a self, scope: &'b Scope) -> Fut<'f, Loaded<Staff>>
    where
        'a: 'f,
        'b: 'f,
    {
        self.inner.staff(scope)
    }

    fn classes<'a, 'b, 'f>(&'a self, scope: &'b Scope, today: NaiveDate) -> Fut<'f, Classes>
    where
        'a: 'f,
        'b: 'f,
    {
        self.inner.classes(scope, today)
    }
}

async fn run(
    demo: &Demo,
    job: &AccountJob,
    site: &Site,
    dir: &Path,
    change: Option<Change>,
    args: &[&str],
) -> RunReport {
    let target = fast_directory(demo, job).await;
    let inner = demo.sis(site.powerschool.clone()).unwrap();
    let mut all = vec!["apply"];
    all.extend_from_slice(args);
    let opts = cli(dir, &all).opts;
    let mut out = Vec::new();
    let report = match change {
        Some(change) => {
            let sis = Tampered { inner, change };
            run_accounts(job, Mode::Apply, &opts, &sis, &target, &mut out).await
        }
        None => run_accounts(job, Mode::Apply, &opts, &inner, &target, &mut out).await,
    };
    // A refused apply prints the plan: the admin sees what it would do. An apply that went
    // through prints only its summary (issue 19: not the whole plan again).
    let refused = report.violations.iter().any(|_| report.aborted.is_some());
    assert_eq!(
        !out.is_empty(),
        refused,
        "{}",
        String::from_utf8_lossy(&out)
    );
    report
}

/// Zero writes: the emulator saw no write call and holds no account under the roots.
fn assert_untouched(demo: &Demo, job: &AccountJob, dir: &Path, accounts_before: usize) {
    assert_eq!(
        demo.emulator.write_calls(),
        0,
        "{:?}",
        demo.emulator.counters()
    );
    assert_eq!(managed_users(demo, job).len(), accounts_before);
    assert!(audit_lines(&dir.join("audit.jsonl")).is_empty());
}

fn emails_of_school(active: &[roster::core::DesiredAccount], school: i64) -> Vec<String> {
    active
        .iter()
        .filter(|d| {
            d.custom_schemas["Synchronization_Data"]["Homeschool_ID"]
                == roster::core::FieldValue::Int(school)
        })
        .map(|d| d.primary_email.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_school_without_rows_stops_the_run_until_forced() {
    let dir = tempfile::tempdir().unwrap();
    let job = d118_students::job();
    let site = d118_students::site();
    let demo = Demo::start(dir.path(), &site.domain, today(), STUDENTS).unwrap();
    let lost = roster::sis::demo::SCHOOLS[1].number; // Birchwood Elementary
    // Create the managed roots first, then count from zero.
    let _ = fast_directory(&demo, &job).await;
    demo.emulator.reset_counters();

    let report_file = dir.path().join("report.json");
    let report = run(
        &demo,
        &job,
        &site,
        dir.path(),
        Some(Change::DropSchool(lost)),
        &["--report", report_file.to_str().unwrap()],
    )
    .await;
    assert_eq!(report.exit_code(), ExitCode::Aborted);
    assert!(matches!(
        report.violations.as_slice(),
        [SafetyViolation::EmptySchool { school, .. }] if *school == lost
    ));
    assert!(report.aborted.as_deref().unwrap().contains("--force"));
    assert_untouched(&demo, &job, dir.path(), 0);
    // The report on disk says why.
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report_file).unwrap()).unwrap();
    assert_eq!(written["violations"][0]["violation"], "empty_school");
    assert_eq!(written["violations"][0]["school"], lost);

    // --force: everyone else is created; nobody from the lost school.
    let report = run(
        &demo,
        &job,
        &site,
        dir.path(),
        Some(Change::DropSchool(lost)),
        &["--force"],
    )
    .await;
    assert_eq!(report.exit_code(), ExitCode::Ok, "{}", report.summary());
    assert!(demo.emulator.write_calls() > 0);
    let (active, _) = desired(&job, &demo.sis(site.powerschool.clone()).unwrap()).await;
    let lost_emails = emails_of_school(&active, lost);
    assert!(!lost_emails.is_empty());
    let users = managed_users(&demo, &job);
    assert_eq!(users.len(), active.len() - lost_emails.len());
    assert!(lost_emails.iter().all(|e| !users.contains_key(e)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sis_that_returns_nobody_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let job = d118_students::job();
    let site = d118_students::site();
    let demo = Demo::start(dir.path(), &site.domain, today(), 200).unwrap();
    let _ = fast_directory(&demo, &job).await;
    demo.emulator.reset_counters();

    let report = run(&demo, &job, &site, dir.path(), Some(Change::Nobody), &[]).await;
    assert_eq!(report.exit_code(), ExitCode::Aborted);
    assert!(report.violations.contains(&SafetyViolation::NoSisRows));
    // Every school with students is reported by name.
    let empty: Vec<i64> = report
        .violations
        .iter()
        .filter_map(|v| match v {
            SafetyViolation::EmptySchool { school, .. } => Some(*school),
            _ => None,
        })
        .collect();
    assert!(empty.contains(&roster::sis::demo::HIGH_SCHOOL), "{empty:?}");
    assert!(
        empty.contains(&roster::sis::demo::SCHOOLS[1].number),
        "{empty:?}"
    );
    // The district office may be empty (`d118_students::DISTRICT_OFFICE`): not reported.
    assert!(
        !empty.contains(&roster::sis::demo::DISTRICT_OFFICE),
        "{empty:?}"
    );
    assert_untouched(&demo, &job, dir.path(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_suspensions_stop_the_run_until_the_limit_is_raised_or_forced() {
    let dir = tempfile::tempdir().unwrap();
    let job = d118_students::job();
    let site = d118_students::site();
    let demo = Demo::start(dir.path(), &site.domain, today(), STUDENTS).unwrap();
    let first = run(&demo, &job, &site, dir.path(), None, &[]).await;
    assert_eq!(first.exit_code(), ExitCode::Ok, "{}", first.summary());
    let accounts = managed_users(&demo, &job).len();
    let suspended_before = suspended(&demo, &job);
    std::fs::remove_file(dir.path().join("audit.jsonl")).unwrap();
    demo.emulator.reset_counters();

    // One active student in ten leaves: 10% of the accounts, over the default 5%.
    let leave = Some(Change::Deactivate(10));
    let report = run(&demo, &job, &site, dir.path(), leave, &[]).await;
    assert_eq!(report.exit_code(), ExitCode::Aborted);
    let [
        SafetyViolation::OverLimit {
            kind: LimitedKind::Suspend,
            school: None,
            planned,
            limit,
            base: managed,
            people,
        },
    ] = report.violations.as_slice()
    else {
        panic!("{:?}", report.violations)
    };
    assert_eq!(*managed, accounts);
    assert_eq!(*limit, accounts * 5 / 100);
    assert!(*planned > *limit && *planned >= accounts / 11, "{planned}");
    assert_eq!(people.len(), *planned);
    assert_untouched(&demo, &job, dir.path(), accounts);
    assert_eq!(suspended(&demo, &job), suspended_before);

    // A limit still below the share: refused again.
    let report = run(
        &demo,
        &job,
        &site,
        dir.path(),
        leave,
        &["--max-suspend", "8%"],
    )
    .await;
    assert_eq!(report.exit_code(), ExitCode::Aborted);
    assert_untouched(&demo, &job, dir.path(), accounts);

    // A limit above it: applied, exactly the planned suspensions.
    let planned = *planned;
    let report = run(
        &demo,
        &job,
        &site,
        dir.path(),
        leave,
        &["--max-suspend", "15%"],
    )
    .await;
    assert_eq!(report.exit_code(), ExitCode::Ok, "{}", report.summary());
    assert_eq!(report.applied.get("suspend"), Some(&planned));
    assert_eq!(suspended(&demo, &job), suspended_before + planned);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn force_lets_mass_suspensions_through() {
    let dir = tempfile::tempdir().unwrap();
    let job = d118_staff::job();
    let site = d118_staff::site();
    let demo = Demo::start(dir.path(), &site.domain, today(), STUDENTS).unwrap();
    let first = run(&demo, &job, &site, dir.path(), None, &[]).await;
    assert_eq!(first.exit_code(), ExitCode::Ok, "{}", first.summary());
    let accounts = managed_users(&demo, &job).len();
    let before = suspended(&demo, &job);
    demo.emulator.reset_counters();

    // Half the staff read as inactive: a cap of 2 accounts refuses it...
    let staff_leave = StaffLeave(demo.sis(site.powerschool.clone()).unwrap());
    let target = fast_directory(&demo, &job).await;
    let mut policy_job = d118_staff::job();
    policy_job.policy.safety.run.suspend.count = Some(2);
    let mut out = Vec::new();
    let opts = cli(dir.path(), &["apply"]).opts;
    let report = run_accounts(
        &policy_job,
        Mode::Apply,
        &opts,
        &staff_leave,
        &target,
        &mut out,
    )
    .await;
    assert_eq!(report.exit_code(), ExitCode::Aborted);
    assert!(matches!(
        report.violations.as_slice(),
        [SafetyViolation::OverLimit {
            kind: LimitedKind::Suspend,
            limit: 2,
            ..
        }]
    ));
    assert_eq!(demo.emulator.write_calls(), 0);
    assert_eq!(suspended(&demo, &job), before);

    // ...and --force applies every one of them.
    let opts = cli(dir.path(), &["apply", "--force"]).opts;
    let report = run_accounts(
        &policy_job,
        Mode::Apply,
        &opts,
        &staff_leave,
        &target,
        &mut out,
    )
    .await;
    assert_eq!(report.exit_code(), ExitCode::Ok, "{}", report.summary());
    let planned = report.planned["suspend"];
    assert!(planned > accounts / 3, "{planned} of {accounts}");
    assert_eq!(report.applied.get("suspend"), Some(&planned));
    assert_eq!(suspended(&demo, &job), before + planned);
}

/// Every other staff member's assignments read as inactive.
struct StaffLeave(PowerSchoolSource<SqliteBackend>);

impl SisSource for StaffLeave {
    fn schools<'a, 'b, 'f>(&'a self, scope: &'b Scope) -> Fut<'f, Loaded<School>>
    where
        'a: 'f,
        'b: 'f,
    {
        self.0.schools(scope)
    }

    fn students<'a, 'b, 'f>(&'a self, scope: &'b Scope) -> Fut<'f, Loaded<Student>>
    where
        'a: 'f,
        'b: 'f,
    {
        self.0.students(scope)
    }

    fn staff<'a, 'b, 'f>(&'a self, scope: &'b Scope) -> Fut<'f, Loaded<Staff>>
    where
        'a: 'f,
        'b: 'f,
    {
        Box::pin(async move {
            let mut loaded = self.0.staff(scope).await?;
            for s in loaded.rows.iter_mut().step_by(2) {
                for a in &mut s.schools {
                    a.status = 2;
                }
            }
            Ok(loaded)
        })
    }

    fn classes<'a, 'b, 'f>(&'a self, scope: &'b Scope, today: NaiveDate) -> Fut<'f, Classes>
    where
        'a: 'f,
        'b: 'f,
    {
        self.0.classes(scope, today)
    }
}

fn suspended(demo: &Demo, job: &AccountJob) -> usize {
    managed_users(demo, job)
        .values()
        .filter(|u| u["suspended"] == true)
        .count()
}
