//! Guards against surprises in production (issue 14, items 3, 5 and 6):
//!
//! - the vendor refresh guard, against a real OpenSSH server: a header-only ST Math file never
//!   reaches it; a 30% drop is refused naming the missing students; `--force` sends; a normal
//!   day updates the delivery state;
//! - per-kind limits: a run over a create limit (by flag, or per school by policy) writes
//!   nothing and names the people; bad flag values are clear errors (exit 2);
//! - one run at a time: a second run exits 2 at once naming the first; a lock left by a killed
//!   run is taken over.

#[path = "support/reliability.rs"]
mod reliability;

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use clap::Parser;
use reliability::{cli, listing, sftp_target, today};
use roster::core::report::{ExitCode, RunReport};
use roster::core::{Cap, LimitedKind, SafetyViolation, Student};
use roster::demo::Demo;
use roster::lock::{RunLock, holder_path, lock_path};
use roster::sftp::delivery::SftpTarget;
use roster::sftp::testing::Sshd;
use roster::vendor_guard::{DeliveryState, state_path};
use roster::{Cli, Mode, run_accounts, run_vendor};

const STUDENTS: usize = 600;

/// A scratch directory and a real sshd with an empty inbox, and a target that delivers there.
fn server() -> (tempfile::TempDir, Sshd, PathBuf, SftpTarget) {
    let dir = tempfile::tempdir().unwrap();
    let sshd = Sshd::start();
    let inbox = sshd.make_dir("inbox");
    let t = sftp_target(&sshd, &inbox);
    (dir, sshd, inbox, t)
}

/// KIPP's ST Math job with `keep` as its student filter, run with `args` on the demo.
async fn stmath(
    dir: &Path,
    target: Option<&SftpTarget>,
    keep: fn(&Student) -> bool,
    args: &[&str],
) -> (RunReport, PathBuf) {
    let mut job = kipp_chicago_stmath::job();
    job.students = Box::new(keep);
    let site = kipp_chicago_stmath::site();
    let demo = Demo::start(dir, &site.domain, today(), STUDENTS).unwrap();
    let sis = demo.sis(site.powerschool.clone()).unwrap();
    let opts = cli(dir, args).opts;
    let mode = if args.contains(&"apply") {
        Mode::Apply
    } else {
        Mode::Plan
    };
    let files = dir.join(&job.name);
    let report = run_vendor(&job, mode, &opts, &sis, &files, target, &mut Vec::new()).await;
    (report, files)
}

fn in_feed(s: &Student) -> bool {
    kipp_chicago_stmath::in_feed(s)
}

/// About 30% of the feed gone: student numbers ending in 0, 1 or 2.
fn seventy_percent(s: &Student) -> bool {
    in_feed(s) && !s.student_number.ends_with(['0', '1', '2'])
}

fn nobody(_: &Student) -> bool {
    false
}

fn state(dir: &Path) -> DeliveryState {
    let path = state_path(&dir.join("audit.jsonl"), "kipp-chicago-stmath");
    DeliveryState::load(&path).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_header_only_st_math_file_never_reaches_the_server() {
    let (dir, sshd, inbox, t) = server();

    let (report, files) = stmath(dir.path(), Some(&t), nobody, &["apply"]).await;
    assert_eq!(report.exit_code(), ExitCode::Aborted);
    assert!(
        report.violations.contains(&SafetyViolation::EmptyFile {
            file: "students.csv".into()
        }),
        "{:?}",
        report.violations
    );
    let why = report.aborted.as_deref().unwrap();
    assert!(why.contains("students.csv has no rows"), "{why}");
    // Built locally, never sent: no login at the server, nothing in the inbox, no state.
    assert!(files.join("students.csv").is_file());
    assert!(listing(&inbox).is_empty(), "{:?}", listing(&inbox));
    assert!(!sshd.log().contains("Accepted"), "the client logged in");
    assert!(state(dir.path()).files.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_30_percent_drop_is_refused_force_sends_and_a_normal_day_updates_the_state() {
    let (dir, _sshd, inbox, t) = server();

    // Day 1: the first delivery; the state records every file.
    let (report, files) = stmath(dir.path(), Some(&t), in_feed, &["apply"]).await;
    assert_eq!(report.exit_code(), ExitCode::Ok, "{}", report.summary());
    let day1 = state(dir.path());
    let before = day1.files["students.csv"].clone();
    let rows1 = before.rows.unwrap();
    assert!(rows1 > 100, "{rows1}");
    assert_eq!(before.keys.len(), rows1);
    assert!(day1.files.contains_key("OneRoster.zip"));
    let sent1 = std::fs::read(inbox.join("students.csv")).unwrap();

    // Day 2: 30% of the students are missing: refused, the server keeps day 1's file.
    let (report, _) = stmath(dir.path(), Some(&t), seventy_percent, &["apply"]).await;
    assert_eq!(report.exit_code(), ExitCode::Aborted);
    let shrank: Vec<_> = report
        .violations
        .iter()
        .filter_map(|v| match v {
            SafetyViolation::FileShrank {
                file,
                previous,
                rows,
                dropped_pct,
                missing,
                ..
            } => Some((
                file.clone(),
                *previous,
                *rows,
                *dropped_pct,
                missing.clone(),
            )),
            _ => None,
        })
        .collect();
    let (_, previous, rows2, pct, missing) = shrank
        .iter()
        .find(|(f, ..)| f == "students.csv")
        .cloned()
        .unwrap_or_else(|| panic!("{:?}", report.violations));
    assert_eq!(previous, rows1);
    assert!((20.0..40.0).contains(&pct), "{pct}");
    // The report names exactly the students that would vanish at the vendor.
    assert_eq!(missing.len(), rows1 - rows2);
    assert!(
        missing.iter().all(|k| k.ends_with(['0', '1', '2'])),
        "{missing:?}"
    );
    assert_eq!(std::fs::read(inbox.join("students.csv")).unwrap(), sent1);
    assert_eq!(state(dir.path()), day1);

    // --force sends it; the state now holds day 2's files.
    let (report, files2) =
        stmath(dir.path(), Some(&t), seventy_percent, &["apply", "--force"]).await;
    assert_eq!(report.exit_code(), ExitCode::Ok, "{}", report.summary());
    assert_eq!(
        std::fs::read(inbox.join("students.csv")).unwrap(),
        std::fs::read(files2.join("students.csv")).unwrap()
    );
    let forced = state(dir.path()).files["students.csv"].clone();
    assert_eq!(forced.rows, Some(rows2));

    // Day 3, a normal day (the same people): sent, and the state's time moves on.
    let (report, _) = stmath(dir.path(), Some(&t), seventy_percent, &["apply"]).await;
    assert_eq!(report.exit_code(), ExitCode::Ok, "{}", report.summary());
    let day3 = state(dir.path()).files["students.csv"].clone();
    assert_eq!(day3.rows, Some(rows2));
    assert_eq!(day3.sha256, forced.sha256);
    assert!(day3.at > forced.at);
    assert_eq!(files, files2);
    println!(
        "refresh guard: {rows1} -> {rows2} rows ({pct:.1}% fewer) refused with {} missing keys",
        missing.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_over_a_create_limit_writes_nothing_and_names_the_people() {
    let dir = tempfile::tempdir().unwrap();
    let mut job = d118_students::job();
    let site = d118_students::site();
    let demo = Demo::start(dir.path(), &site.domain, today(), STUDENTS).unwrap();
    let (sis, target) = demo
        .connect(site.powerschool.clone(), &job.policy.managed_roots)
        .await
        .unwrap();

    let writes = demo.emulator.write_calls();
    // The first run creates every account: a cap of 100 creates refuses it.
    let opts = cli(dir.path(), &["apply", "--max-create", "100"]).opts;
    let report = run_accounts(&job, Mode::Apply, &opts, &sis, &target, &mut Vec::new()).await;
    assert_eq!(report.exit_code(), ExitCode::Aborted);
    let [
        SafetyViolation::OverLimit {
            kind: LimitedKind::Create,
            school: None,
            planned,
            limit: 100,
            people,
            ..
        },
    ] = report.violations.as_slice()
    else {
        panic!("{:?}", report.violations)
    };
    assert_eq!(people.len(), *planned);
    assert_eq!(report.planned.get("create"), Some(planned));
    assert_eq!(demo.emulator.write_calls(), writes);

    // Per school, by the policy: at most half of a school's people created in one run.
    job.policy.safety.per_school.create = Cap::share(0.5);
    let opts = cli(dir.path(), &["apply"]).opts;
    let report = run_accounts(&job, Mode::Apply, &opts, &sis, &target, &mut Vec::new()).await;
    assert_eq!(report.exit_code(), ExitCode::Aborted);
    let schools: Vec<_> = report
        .violations
        .iter()
        .filter_map(|v| match v {
            SafetyViolation::OverLimit {
                kind: LimitedKind::Create,
                school: Some(s),
                planned,
                limit,
                base,
                ..
            } => Some((*s, *planned, *limit, *base)),
            _ => None,
        })
        .collect();
    assert!(!schools.is_empty(), "{:?}", report.violations);
    for (_, planned, limit, base) in &schools {
        assert_eq!(*limit, base / 2);
        assert!(planned > limit);
    }
    assert_eq!(demo.emulator.write_calls(), writes);

    // Lifted by the flag-free default policy: the run goes through.
    job.policy.safety.per_school.create = Cap::NONE;
    let report = run_accounts(&job, Mode::Apply, &opts, &sis, &target, &mut Vec::new()).await;
    assert_eq!(report.exit_code(), ExitCode::Ok, "{}", report.summary());
    println!(
        "create limit: {planned} creates refused at 100; {} schools over 50% per school",
        schools.len()
    );
}

#[test]
fn bad_limit_values_are_clear_errors_with_exit_2() {
    for (flag, value, says) in [
        ("--max-suspend", "-5%", "negative"),
        ("--max-create", "150%", "over 100%"),
        ("--max-move", "NaN%", "not a finite number"),
        ("--max-rename", "lots", "is not a percent"),
        ("--max-drop", "-1", "0 to 100"),
        ("--max-drop", "NaN", "0 to 100"),
    ] {
        let arg = format!("{flag}={value}");
        let err = Cli::try_parse_from(["district", arg.as_str()]).unwrap_err();
        assert_eq!(err.exit_code(), 2, "{flag} {value}");
        let text = err.to_string();
        assert!(text.contains(flag) && text.contains(says), "{text}");
    }
    let ok =
        Cli::try_parse_from(["district", "--max-unsuspend", "5%", "--max-move", "200"]).unwrap();
    assert_eq!(ok.opts.max_unsuspend, Some(Cap::share(0.05)));
    assert_eq!(ok.opts.max_move, Some(Cap::count(200)));
}

/// A process holding `lock` with an OS lock, as a run would (`flock(1)`, the same `flock(2)`
/// lock the standard library takes), recorded as its holder.
fn holder_process(lock: &Path) -> Child {
    std::fs::create_dir_all(lock.parent().unwrap()).unwrap();
    // `-o`: the lock belongs to flock itself, not to the `sleep` it starts.
    let child = Command::new("flock")
        .arg("-o")
        .arg(lock)
        .args(["sleep", "60"])
        .spawn()
        .unwrap();
    let record = serde_json::json!({
        "pid": child.id(),
        "started_at": chrono::Utc::now(),
        "job": "kipp-chicago-stmath",
    });
    std::fs::write(holder_path(lock), record.to_string()).unwrap();
    // Wait until it holds the lock (probing without a holder record of our own).
    let deadline = Instant::now() + Duration::from_secs(10);
    let probe = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(lock)
        .unwrap();
    while probe.try_lock().is_ok() {
        probe.unlock().unwrap();
        assert!(Instant::now() < deadline, "flock never took the lock");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_exits_2_at_once_naming_the_first_and_a_killed_runs_lock_is_taken_over() {
    let dir = tempfile::tempdir().unwrap();
    let lock = lock_path(&dir.path().join("audit.jsonl"), "kipp-chicago-stmath");
    let mut first = holder_process(&lock);

    let t = Instant::now();
    let (report, _) = stmath(dir.path(), None, in_feed, &[]).await;
    let refused_in = t.elapsed();
    assert_eq!(report.exit_code(), ExitCode::Aborted);
    let why = report.aborted.as_deref().unwrap();
    assert!(
        why.contains("another run of this job is in progress"),
        "{why}"
    );
    assert!(why.contains(&format!("pid {}", first.id())), "{why}");
    assert_eq!(report.people_read, 0, "the second run read nothing");

    // The first run is killed (no chance to clean up): the OS releases its lock, the record
    // stays; the next run takes over and says so.
    first.kill().unwrap();
    first.wait().unwrap();
    let (report, files) = stmath(dir.path(), None, in_feed, &[]).await;
    assert_eq!(report.exit_code(), ExitCode::Ok, "{}", report.summary());
    let note = report.notes.join("\n");
    assert!(note.contains("took over a stale lock"), "{note}");
    assert!(note.contains(&format!("pid {}", first.id())), "{note}");
    assert!(note.contains("pid not alive"), "{note}");
    assert!(files.join("students.csv").is_file());
    // A clean finish leaves no holder record behind.
    assert!(!holder_path(&lock).exists());
    println!("second run refused in {} ms", refused_in.as_millis());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_run_while_another_holds_the_lock_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let job = d118_students::job();
    let site = d118_students::site();
    let demo = Demo::start(dir.path(), &site.domain, today(), STUDENTS).unwrap();
    let (sis, target) = demo
        .connect(site.powerschool.clone(), &job.policy.managed_roots)
        .await
        .unwrap();
    let held = RunLock::acquire(
        &lock_path(&dir.path().join("audit.jsonl"), &job.name),
        &job.name,
    )
    .unwrap();
    let writes = demo.emulator.write_calls();
    let opts = cli(dir.path(), &["apply"]).opts;
    let report = run_accounts(&job, Mode::Apply, &opts, &sis, &target, &mut Vec::new()).await;
    assert_eq!(report.exit_code(), ExitCode::Aborted);
    let why = report.aborted.as_deref().unwrap();
    assert!(
        why.contains(&format!("pid {}", std::process::id())),
        "{why}"
    );
    assert_eq!(demo.emulator.write_calls(), writes);
    drop(held);
    let report = run_accounts(&job, Mode::Apply, &opts, &sis, &target, &mut Vec::new()).await;
    assert_eq!(report.exit_code(), ExitCode::Ok, "{}", report.summary());
}
