//! Per-school limits (issue 14, item 5's "and per school"), end to end: D118's student job
//! through `run_accounts` against the Directory emulator over HTTP. One school's broken feed
//! (a third of its students suddenly inactive) is refused by `--max-suspend-per-school 20%`
//! although the district-wide share is well under the run limit; the report names the school
//! and the people; nothing is written; `none` lifts the cap.

#[path = "support/reliability.rs"]
mod reliability;

use std::collections::BTreeSet;

use reliability::{cli, fast_directory, managed_users, today};
use roster::core::report::{ExitCode, RunReport};
use roster::core::{LimitedKind, SafetyViolation};
use roster::demo::Demo;
use roster::google::GoogleDirectory;
use roster::{AccountJob, Mode, run_accounts};

const STUDENTS: usize = 600;
const SCHOOL: i64 = 400;

async fn run(
    job: &AccountJob,
    demo: &Demo,
    target: &GoogleDirectory,
    dir: &std::path::Path,
    args: &[&str],
) -> RunReport {
    let sis = demo.sis(d118_students::site().powerschool.clone()).unwrap();
    let opts = cli(dir, args).opts;
    run_accounts(job, Mode::Apply, &opts, &sis, target, &mut Vec::new()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_schools_broken_feed_is_refused_per_school_while_the_district_share_is_fine() {
    let dir = tempfile::tempdir().unwrap();
    let job = d118_students::job();
    let demo = Demo::start(dir.path(), d118_students::DOMAIN, today(), STUDENTS).unwrap();
    let target = fast_directory(&demo, &job).await;
    let first = run(&job, &demo, &target, dir.path(), &["apply"]).await;
    assert_eq!(first.exit_code(), ExitCode::Ok, "{}", first.summary());

    // School 400's feed breaks: a third of its active students read as transferred out.
    let db = rusqlite::Connection::open(&demo.db).unwrap();
    let broken: BTreeSet<String> = {
        let mut q = db
            .prepare(
                "SELECT STUDENT_NUMBER FROM STUDENTS
                 WHERE SCHOOLID = ?1 AND ENROLL_STATUS = 0 AND STUDENT_NUMBER % 3 = 0",
            )
            .unwrap();
        q.query_map([SCHOOL], |r| r.get::<_, i64>(0))
            .unwrap()
            .map(|n| n.unwrap().to_string())
            .collect()
    };
    assert!(broken.len() >= 5, "{broken:?}");
    db.execute(
        "UPDATE STUDENTS SET ENROLL_STATUS = 2
         WHERE SCHOOLID = ?1 AND ENROLL_STATUS = 0 AND STUDENT_NUMBER % 3 = 0",
        [SCHOOL],
    )
    .unwrap();

    let writes = demo.emulator.write_calls();
    let args = ["apply", "--max-suspend-per-school", "20%"];
    let report = run(&job, &demo, &target, dir.path(), &args).await;
    assert_eq!(
        report.exit_code(),
        ExitCode::Aborted,
        "{}",
        report.summary()
    );
    let [
        SafetyViolation::OverLimit {
            kind: LimitedKind::Suspend,
            school: Some(SCHOOL),
            planned,
            limit,
            base,
            people,
        },
    ] = report.violations.as_slice()
    else {
        panic!("{:?}", report.violations)
    };
    // The district-wide share passed the default 5% run limit: only the school's cap fired.
    let district_share = *planned as f64 / managed_users(&demo, &job).len() as f64;
    assert!(district_share < 0.05, "{district_share}");
    assert_eq!(*limit, base / 5);
    assert!(planned > limit);
    let named: BTreeSet<String> = people.iter().map(|p| p.id.clone()).collect();
    assert_eq!(named, broken);
    let why = report.aborted.as_deref().unwrap();
    assert!(why.contains(&format!("in school {SCHOOL}")), "{why}");
    assert_eq!(demo.emulator.write_calls(), writes, "refused, yet written");

    // Lifted by the flag: the run goes through.
    let args = ["apply", "--max-suspend-per-school", "none"];
    let report = run(&job, &demo, &target, dir.path(), &args).await;
    assert_eq!(report.exit_code(), ExitCode::Ok, "{}", report.summary());
    assert_eq!(report.applied.get("suspend"), Some(planned));
    println!(
        "per-school limit: school {SCHOOL} {planned} suspensions of {base} accounts refused at {limit} (20%); district share {:.1}%",
        district_share * 100.0
    );
}
