//! Operator output and honest exit codes (issue 19 items 5 and 6): each district binary's
//! `--help` and `-V`; `apply` prints a summary, not the plan again; progress lines off a
//! TTY; a run where every person is skipped is exit 2. On the demo district (a
//! PowerSchool-shaped SQLite file, corrupted by the test where it says so) and the Directory
//! emulator over HTTP.

#[path = "support/reliability.rs"]
mod reliability;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reliability::{cli, fast_directory, today};
use roster::about::{Binary, Job};
use roster::core::report::ExitCode;
use roster::demo::Demo;
use roster::{Mode, run_accounts};

fn binaries() -> Vec<(Binary, Job<'static>)> {
    let leak = |j| &*Box::leak(Box::new(j));
    let bin = |name, about| Binary {
        name,
        version: env!("CARGO_PKG_VERSION"),
        about,
    };
    vec![
        (bin("d118-students", d118_students::ABOUT), Job::Accounts),
        (bin("d118-staff", d118_staff::ABOUT), Job::Accounts),
        (
            bin("kipp-chicago-stmath", kipp_chicago_stmath::ABOUT),
            Job::Vendor(leak(kipp_chicago_stmath::job())),
        ),
        (
            bin("grow-staff", grow_staff::ABOUT),
            Job::Vendor(leak(grow_staff::job())),
        ),
    ]
}

#[test]
fn the_four_binaries_name_their_job_environment_and_exit_codes() {
    let mut abouts = std::collections::BTreeSet::new();
    for (bin, job) in binaries() {
        let help = bin.command(&job).render_long_help().to_string();
        let first = help.lines().next().unwrap().to_string();
        assert_eq!(first, bin.about, "{}", bin.name);
        assert!(abouts.insert(first), "{}: about text shared", bin.name);
        assert!(help.contains(&format!("Usage: {}", bin.name)), "{help}");
        assert!(help.contains("Exit codes:\n  0  plan:"), "{help}");
        assert!(help.contains("POWERSCHOOL_READ_USER"), "{help}");
        let accounts = matches!(job, Job::Accounts);
        assert_eq!(help.contains("NEW_USER_PASSWORD"), accounts, "{help}");
        assert_eq!(help.contains("  1  apply:"), accounts, "{help}");
        let sftp_user = match bin.name {
            "kipp-chicago-stmath" => Some("STMATH_SFTP_USER"),
            "grow-staff" => Some("GROW_SFTP_USER"),
            _ => None,
        };
        if let Some(user) = sftp_user {
            assert!(help.contains(user), "{help}");
        }
        let version = bin.command(&job).render_version();
        assert_eq!(
            version,
            format!(
                "{} {} (commit {})\n",
                bin.name,
                env!("CARGO_PKG_VERSION"),
                roster::about::COMMIT
            )
        );
        // The flags still parse as the shared CLI.
        let cli = bin
            .try_parse_from(&job, [bin.name, "apply", "--school", "101"])
            .unwrap();
        assert_eq!((cli.mode(), cli.opts.school), (Mode::Apply, Some(101)));
    }
    assert_eq!(abouts.len(), 4);
    assert!(
        roster::about::COMMIT == "unknown" || roster::about::COMMIT.len() >= 7,
        "{}",
        roster::about::COMMIT
    );
}

/// A `tracing` writer into a shared buffer (the runs below are on one thread, so a scoped
/// default subscriber sees every line they log).
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    fn subscriber(&self) -> impl tracing::Subscriber + Send + Sync {
        let logs = self.clone();
        tracing_subscriber::fmt()
            .with_writer(move || logs.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .finish()
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test(flavor = "current_thread")]
async fn apply_prints_a_summary_and_logs_progress_off_a_tty() {
    let dir = tempfile::tempdir().unwrap();
    let job = d118_students::job();
    let site = d118_students::site();
    let demo = Demo::start(dir.path(), &site.domain, today(), 1_500).unwrap();
    let target = fast_directory(&demo, &job).await;
    let sis = demo.sis(site.powerschool.clone()).unwrap();
    let logs = Logs::default();
    let _guard = tracing::subscriber::set_default(logs.subscriber());

    let mut opts = cli(dir.path(), &["--demo"]).opts;
    opts.progress_interval = Duration::from_millis(1);
    let mut table = Vec::new();
    let plan = run_accounts(&job, Mode::Plan, &opts, &sis, &target, &mut table).await;
    assert_eq!(plan.exit_code(), ExitCode::Ok, "{}", plan.summary());
    let table = String::from_utf8(table).unwrap();
    // Creates sorted numerically by student number, skips apart, not counted as changes.
    let ids: Vec<u64> = table
        .lines()
        .filter(|l| l.starts_with("CREATE"))
        .map(|l| l.split_whitespace().nth(2).unwrap().parse().unwrap())
        .collect();
    assert!(ids.len() > 1_000 && ids.is_sorted(), "{table}");
    let last = table.lines().last().unwrap();
    let creates = plan.planned["create"];
    assert!(
        last.starts_with(&format!("{creates} changes (create: {creates})"))
            && last.contains(&format!("{} skipped", plan.skipped.len())),
        "{last}"
    );

    let mut printed = Vec::new();
    let apply = run_accounts(&job, Mode::Apply, &opts, &sis, &target, &mut printed).await;
    assert_eq!(apply.exit_code(), ExitCode::Ok, "{}", apply.summary());
    assert!(printed.is_empty(), "apply does not print the plan again");
    let summary = apply.summary();
    assert!(summary.lines().count() <= 4, "{summary}");
    assert!(
        summary.contains(&format!("applied: create {creates}")),
        "{summary}"
    );
    assert!(
        !summary.contains("skip "),
        "skips are not changes: {summary}"
    );

    let log = logs.text();
    let progress: Vec<&str> = log.lines().filter(|l| l.contains(" apply: ")).collect();
    // Every 10% (the interval is 1 ms here, so every change past it may log too), never
    // the last change (the summary says that).
    assert!(progress.len() >= 9, "{log}");
    assert!(
        progress
            .iter()
            .all(|l| !l.contains(&format!(" {creates}/{creates} "))),
        "{log}"
    );
    for phase in ["read the SIS: ", "listed the directory: "] {
        assert_eq!(log.matches(phase).count(), 2, "{phase} once per run: {log}");
    }
    eprintln!(
        "progress: {} apply lines for {creates} creates, {} heartbeat lines",
        progress.len(),
        log.matches("still running").count()
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_slow_phase_logs_still_running_lines() {
    let logs = Logs::default();
    let _guard = tracing::subscriber::set_default(logs.subscriber());
    let out = roster::progress::with_heartbeat(
        "reading the SIS",
        Duration::from_millis(20),
        || ", 3 API calls".to_string(),
        async {
            tokio::time::sleep(Duration::from_millis(110)).await;
            7
        },
    )
    .await;
    assert_eq!(out, 7);
    let log = logs.text();
    let lines = log
        .matches("reading the SIS: still running after 0.")
        .count();
    assert!((3..=5).contains(&lines), "{log}");
    assert!(log.contains(", 3 API calls"), "{log}");
}

#[tokio::test(flavor = "current_thread")]
async fn a_run_where_everyone_is_skipped_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let job = d118_students::job();
    let site = d118_students::site();
    // Every test that logs holds a subscriber: `tracing` caches a callsite's interest, and a
    // callsite first met with no subscriber would stay silent for the test that has one.
    let logs = Logs::default();
    let _guard = tracing::subscriber::set_default(logs.subscriber());
    let demo = Demo::start(dir.path(), &site.domain, today(), 60).unwrap();
    // Every student gets a name on the bad-name list: the SIS export is broken.
    let db = rusqlite::Connection::open(&demo.db).unwrap();
    db.execute("UPDATE STUDENTS SET FIRST_NAME = 'Test'", [])
        .unwrap();
    drop(db);
    let target = fast_directory(&demo, &job).await;
    let sis = demo.sis(site.powerschool.clone()).unwrap();
    for mode in [Mode::Plan, Mode::Apply] {
        let opts = cli(dir.path(), &["--demo"]).opts;
        let mut out = Vec::new();
        let report = run_accounts(&job, mode, &opts, &sis, &target, &mut out).await;
        assert_eq!(
            report.exit_code(),
            ExitCode::Aborted,
            "{}",
            report.summary()
        );
        let why = report.aborted.as_deref().unwrap();
        assert!(why.starts_with("nobody to sync: all "), "{why}");
        assert_eq!(report.applied.values().sum::<usize>(), 0);
        assert!(report.skipped.len() >= 55, "{}", report.skipped.len());
    }
}

/// The only test here that sets the process environment (the others do not read it).
#[tokio::test(flavor = "current_thread")]
async fn a_bad_google_subject_fails_before_the_sis_is_read() {
    let logs = Logs::default();
    let _guard = tracing::subscriber::set_default(logs.subscriber());
    let dir = tempfile::tempdir().unwrap();
    let emulator = roster::google_emulator::Emulator::start(Default::default()).unwrap();
    let email = "roster@project.iam.gserviceaccount.com";
    let (key, public_pem) =
        roster::google_emulator::test_keys::service_account_key(email, &emulator.token_url());
    emulator
        .register_service_account(email, &public_pem, &["admin@d118.org"])
        .unwrap();
    let key_file = dir.path().join("key.json");
    std::fs::write(&key_file, key).unwrap();
    // SAFETY: no other test in this binary reads the environment.
    unsafe {
        std::env::set_var("GOOGLE_SERVICE_ACCOUNT_KEY", &key_file);
        std::env::set_var("GOOGLE_ADMIN_SUBJECT", "not-delegated@d118.org");
        std::env::set_var("GOOGLE_DIRECTORY_URL", emulator.base_url());
        std::env::remove_var("POWERSCHOOL_PROD_DB");
    }
    let started = std::time::Instant::now();
    let cli = cli(dir.path(), &["apply"]);
    let report = roster::accounts_cli(
        &d118_students::job(),
        &d118_students::site(),
        &cli,
        &mut Vec::new(),
    )
    .await;
    let why = report.aborted.clone().unwrap_or_default();
    assert_eq!(report.exit_code(), ExitCode::Aborted, "{why}");
    assert!(
        !why.contains("POWERSCHOOL"),
        "Google is checked first: {why}"
    );
    assert!(
        why.to_lowercase().contains("token") || why.contains("unauthorized"),
        "{why}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    eprintln!("bad subject: {why} ({} ms)", started.elapsed().as_millis());
}
