//! The district minimum of the vendor refresh guard (issue 14, item 3's third condition),
//! against a real OpenSSH server: a first ST Math delivery far below KIPP's minimum never
//! reaches it (no login, nothing in the inbox, no state); `--force` sends it; a normal day of
//! the demo district is above every vendor district's minimum.

#[path = "support/reliability.rs"]
mod reliability;

use std::path::Path;

use reliability::{cli, listing, sftp_target, today};
use roster::core::SafetyViolation;
use roster::core::Student;
use roster::core::report::{ExitCode, RunReport};
use roster::demo::Demo;
use roster::sftp::delivery::SftpTarget;
use roster::sftp::testing::Sshd;
use roster::vendor_guard::{DeliveryState, state_path};
use roster::{Mode, VendorJob, run_vendor};

const STUDENTS: usize = 600;

async fn run(
    job: &VendorJob,
    domain: &str,
    powerschool: roster::sis::powerschool::PowerSchoolOptions,
    dir: &Path,
    target: Option<&SftpTarget>,
    args: &[&str],
) -> RunReport {
    let demo = Demo::start(dir, domain, today(), STUDENTS).unwrap();
    let sis = demo.sis(powerschool).unwrap();
    let opts = cli(dir, args).opts;
    let mode = if args.contains(&"apply") {
        Mode::Apply
    } else {
        Mode::Plan
    };
    let files = dir.join(&job.name);
    run_vendor(job, mode, &opts, &sis, &files, target, &mut Vec::new()).await
}

/// About one student in ten: student numbers ending in 0.
fn a_tenth(s: &Student) -> bool {
    kipp_chicago_stmath::in_feed(s) && s.student_number.ends_with('0')
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_st_math_file_under_the_minimum_never_reaches_the_server_and_force_sends_it() {
    let dir = tempfile::tempdir().unwrap();
    let sshd = Sshd::start();
    let inbox = sshd.make_dir("inbox");
    let t = sftp_target(&sshd, &inbox);
    let mut job = kipp_chicago_stmath::job();
    job.students = Box::new(a_tenth);
    let site = kipp_chicago_stmath::site();
    let minimum = job.min_rows["students.csv"];
    let ps = site.powerschool.clone();

    let report = run(
        &job,
        &site.domain,
        ps.clone(),
        dir.path(),
        Some(&t),
        &["apply"],
    )
    .await;
    assert_eq!(report.exit_code(), ExitCode::Aborted);
    let rows = report
        .violations
        .iter()
        .find_map(|v| match v {
            SafetyViolation::BelowMinimum {
                file,
                rows,
                minimum: m,
            } if file == "students.csv" => {
                assert_eq!(*m, minimum);
                Some(*rows)
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("{:?}", report.violations));
    assert!(rows > 0 && rows < minimum, "{rows}");
    let why = report.aborted.as_deref().unwrap();
    assert!(why.contains("under the district's minimum of 200"), "{why}");
    // Nothing reached the server: no login, nothing in the inbox; no delivery recorded.
    assert!(listing(&inbox).is_empty(), "{:?}", listing(&inbox));
    assert!(!sshd.log().contains("Accepted"), "the client logged in");
    let state = state_path(&dir.path().join("audit.jsonl"), &job.name);
    assert!(DeliveryState::load(&state).unwrap().files.is_empty());

    // --force sends it, and says so in the report.
    let report = run(
        &job,
        &site.domain,
        ps,
        dir.path(),
        Some(&t),
        &["apply", "--force"],
    )
    .await;
    assert_eq!(report.exit_code(), ExitCode::Ok, "{}", report.summary());
    assert!(
        report
            .violations
            .iter()
            .any(|v| matches!(v, SafetyViolation::BelowMinimum { .. }))
    );
    assert!(inbox.join("students.csv").is_file());
    println!(
        "district minimum: students.csv with {rows} rows refused at {minimum}; --force sent it"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_normal_day_is_above_every_vendor_districts_minimum() {
    let stmath = kipp_chicago_stmath::site();
    let grow = grow_staff::site();
    for (job, domain, ps) in [
        (
            kipp_chicago_stmath::job(),
            stmath.domain,
            stmath.powerschool,
        ),
        (grow_staff::job(), grow.domain, grow.powerschool),
    ] {
        assert!(!job.min_rows.is_empty(), "{} sets no minimum", job.name);
        let dir = tempfile::tempdir().unwrap();
        let report = run(&job, &domain, ps, dir.path(), None, &["plan"]).await;
        assert_eq!(report.exit_code(), ExitCode::Ok, "{}", report.summary());
        assert!(report.violations.is_empty(), "{:?}", report.violations);
        for (file, minimum) in &job.min_rows {
            let body = std::fs::read(dir.path().join(&job.name).join(file)).unwrap();
            let rows = body
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                .saturating_sub(1);
            assert!(rows >= *minimum, "{file}: {rows} < {minimum}");
            println!(
                "{}: {file} {rows} rows on a normal demo day, minimum {minimum}",
                job.name
            );
        }
    }
}
