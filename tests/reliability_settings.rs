//! Settings are validated before any work (issue 19 item 4): every numeric flag and variable
//! fed 0, -1, NaN and a huge value through the parser and the entry point the district
//! binaries run is exit 2 with one line naming it, never a panic; Google's credentials are
//! checked before the SIS; creating accounts with no initial password is refused at apply.

#[path = "support/reliability.rs"]
mod reliability;

use clap::Parser;
use clap::error::ErrorKind;
use reliability::{cli, fast_directory, managed_users, today};
use roster::core::report::ExitCode;
use roster::demo::Demo;
use roster::{Cli, Mode, accounts_cli, run_accounts};

const BAD: [&str; 4] = ["0", "-1", "NaN", "99999999999999999999999"];

/// The first line of clap's message for `args`, when clap refuses them with exit 2.
fn refused(args: &[&str]) -> String {
    let mut all = vec!["d118-students"];
    all.extend_from_slice(args);
    let e = Cli::try_parse_from(&all).expect_err(&format!("{args:?} must be refused"));
    assert_eq!(e.kind(), ErrorKind::ValueValidation, "{args:?}: {e}");
    assert_eq!(e.exit_code(), 2, "{args:?}");
    e.to_string().lines().next().unwrap().to_string()
}

#[test]
fn every_numeric_flag_out_of_range_is_exit_2_naming_the_flag() {
    // The limits (`--max-suspend` ...) have their own test: reliability_guards.rs.
    for flag in ["--concurrency", "--school"] {
        for value in BAD {
            let arg = format!("{flag}={value}");
            let line = refused(&[&arg]);
            assert!(line.contains(flag), "{line}");
            assert!(line.contains("must be"), "the range is named: {line}");
        }
    }
    // In range: accepted as given.
    let ok =
        Cli::try_parse_from(["d118-students", "--concurrency", "256", "--school", "101"]).unwrap();
    assert_eq!((ok.opts.concurrency, ok.opts.school), (256, Some(101)));
}

/// Everything that touches the process environment runs in this one test (the environment
/// is shared by the test threads).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn environment_settings_are_checked_before_the_sis_or_google_is_touched() {
    let job = d118_students::job();
    let site = d118_students::site();
    for value in ["0", "-1", "NaN", "1e400", "99999999", "2400\n[forged]"] {
        let dir = tempfile::tempdir().unwrap();
        // SAFETY: no other test in this binary reads or writes the environment.
        unsafe { std::env::set_var("GOOGLE_QUOTA_PER_MINUTE", value) };
        let cli = cli(dir.path(), &["--demo", "apply"]);
        let mut out = Vec::new();
        let report = accounts_cli(&job, &site, &cli, &mut out).await;
        assert_eq!(report.exit_code(), ExitCode::Aborted, "{value:?}");
        let why = report.aborted.unwrap();
        assert!(why.starts_with("GOOGLE_QUOTA_PER_MINUTE="), "{why}");
        assert!(!why.contains('\n'), "one line, value escaped: {why}");
        // Before any work: no demo district generated, no plan printed.
        assert!(out.is_empty());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "{value:?}"
        );
    }
    unsafe { std::env::remove_var("GOOGLE_QUOTA_PER_MINUTE") };

    // Production with no Google credentials and no PowerSchool settings: Google is named
    // (checked first), not PowerSchool.
    let dir = tempfile::tempdir().unwrap();
    for var in ["GOOGLE_SERVICE_ACCOUNT_KEY", "POWERSCHOOL_READ_USER"] {
        unsafe { std::env::remove_var(var) };
    }
    let missing = dir.path().join("no-credentials.json");
    unsafe { std::env::set_var("GOOGLE_CREDENTIALS", &missing) };
    let cli = cli(dir.path(), &[]);
    let report = accounts_cli(&job, &site, &cli, &mut Vec::new()).await;
    unsafe { std::env::remove_var("GOOGLE_CREDENTIALS") };
    let why = report.aborted.unwrap();
    assert!(why.starts_with("no Google credentials"), "{why}");
    assert!(!why.contains("POWERSCHOOL"), "{why}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creating_accounts_without_an_initial_password_is_refused_at_apply() {
    let dir = tempfile::tempdir().unwrap();
    let mut job = d118_students::job();
    job.policy.new_account.password = None;
    let demo = Demo::start(dir.path(), "d118.org", today(), 30).unwrap();
    let sis = demo.sis(d118_students::site().powerschool).unwrap();
    let target = fast_directory(&demo, &job).await;
    // What the production wiring sets (the demo and tests create throwaway accounts).
    let mut opts = cli(dir.path(), &[]).opts;
    opts.require_initial_password = true;

    // `plan` shows the creates and succeeds; `apply` refuses, naming the variable.
    let plan = run_accounts(&job, Mode::Plan, &opts, &sis, &target, &mut Vec::new()).await;
    assert_eq!(plan.exit_code(), ExitCode::Ok, "{:?}", plan.aborted);
    let creates = plan.planned["create"];
    assert!(creates > 0);
    let apply = run_accounts(&job, Mode::Apply, &opts, &sis, &target, &mut Vec::new()).await;
    assert_eq!(apply.exit_code(), ExitCode::Aborted);
    let why = apply.aborted.unwrap();
    assert!(why.contains("NEW_USER_PASSWORD is not set"), "{why}");
    assert!(
        why.starts_with(&format!("{creates} account(s) to create")),
        "{why}"
    );
    assert!(managed_users(&demo, &job).is_empty(), "nothing was created");

    // A policy that says how random passwords reach people applies.
    job.policy.new_account.random_passwords = Some("the help desk resets them".into());
    let apply = run_accounts(&job, Mode::Apply, &opts, &sis, &target, &mut Vec::new()).await;
    assert_eq!(apply.exit_code(), ExitCode::Ok, "{:?}", apply.aborted);
    assert_eq!(managed_users(&demo, &job).len(), creates);
}

#[test]
fn school_alone_implies_scope_school() {
    let cli = Cli::try_parse_from(["d118-students", "--school", "101"]).unwrap();
    assert_eq!(cli.opts.scope().unwrap(), roster::core::Scope::School(101));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unwritable_report_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let job = d118_students::job();
    let demo = Demo::start(dir.path(), "d118.org", today(), 30).unwrap();
    let sis = demo.sis(d118_students::site().powerschool).unwrap();
    let target = fast_directory(&demo, &job).await;
    let report_path = dir.path().join("no-such-dir").join("report.json");
    let opts = cli(dir.path(), &["--report", report_path.to_str().unwrap()]).opts;
    let report = run_accounts(&job, Mode::Plan, &opts, &sis, &target, &mut Vec::new()).await;
    assert_eq!(report.exit_code(), ExitCode::Aborted);
    let why = report.aborted.unwrap();
    assert!(why.starts_with("cannot write the report"), "{why}");
}
