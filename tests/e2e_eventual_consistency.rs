//! End to end with the emulator's eventual consistency switched on, as Google behaves: a new
//! or changed account is missing from `users.list` for a while, and a change to an account
//! created moments ago answers 412 "User creation is not complete.". The D118 student job
//! runs twice back to back (the second inside the lag, so its listing misses every account the
//! first created), then once after the lag.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use clap::Parser;
use roster::core::report::{ExitCode, RunReport};
use roster::demo::Demo;
use roster::{AccountJob, Cli, Mode, Site, run_accounts};
use roster_google_emulator::Consistency;

const STUDENTS: usize = 200;
const LAG: Duration = Duration::from_secs(15);

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

async fn run(
    demo: &Demo,
    job: &AccountJob,
    site: &Site,
    mode: Mode,
    dir: &Path,
) -> (RunReport, String) {
    let (sis, target) = demo
        .connect(site.powerschool.clone(), &job.policy.managed_roots)
        .await
        .unwrap();
    let out_dir = dir.to_str().unwrap();
    let audit = dir.join("audit.jsonl");
    let cli = Cli::parse_from([
        "e2e",
        "--today",
        "2026-11-24",
        "--out",
        out_dir,
        "--audit-log",
        audit.to_str().unwrap(),
        "--json",
    ]);
    let mut out = Vec::new();
    let report = run_accounts(job, mode, &cli.opts, &sis, &target, &mut out).await;
    (report, String::from_utf8(out).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_twice_inside_the_list_lag_creates_no_duplicates_and_converges_after_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let demo = Demo::start(dir, d118_students::DOMAIN, today(), STUDENTS).unwrap();
    demo.emulator.set_consistency(Consistency {
        list_lag: LAG,
        settle: Duration::from_millis(300),
    });
    let (job, site) = (d118_students::job(), d118_students::site());

    let started = Instant::now();
    let (first, _) = run(&demo, &job, &site, Mode::Apply, dir).await;
    assert_eq!(first.exit_code(), ExitCode::Ok, "{}", first.summary());
    let created = first.applied["create"];
    assert!(created > 150, "{}", first.summary());
    assert_eq!(demo.emulator.users().len(), created);

    // Right after: the listing still misses every new account, so the plan creates them all
    // again; each create meets its account (409) and adopts it. No duplicate, no failure.
    let (second, _) = run(&demo, &job, &site, Mode::Apply, dir).await;
    assert!(
        started.elapsed() < LAG,
        "the second run must fall inside the lag"
    );
    assert_eq!(second.exit_code(), ExitCode::Ok, "{}", second.summary());
    assert!(second.failures.is_empty(), "{:#?}", second.failures);
    assert_eq!(
        demo.emulator.users().len(),
        created,
        "no duplicate accounts"
    );
    assert_eq!(
        demo.emulator.counters()["users.insert"],
        2 * created as u64,
        "every second-run create was answered 409 and adopted"
    );

    eprintln!(
        "two applies of {created} accounts inside the lag took {:?}; the second wrote {} \
         call(s) to users.patch",
        started.elapsed(),
        demo.emulator
            .counters()
            .get("users.patch")
            .copied()
            .unwrap_or(0)
    );

    // After the lag (counted from the adoptions' writes) the listing shows everything and the
    // next run has nothing to do.
    tokio::time::sleep(LAG).await;
    let (third, _) = run(&demo, &job, &site, Mode::Plan, dir).await;
    let planned: Vec<&String> = third.planned.keys().filter(|k| *k != "skip").collect();
    assert!(planned.is_empty(), "{}", third.summary());
}
