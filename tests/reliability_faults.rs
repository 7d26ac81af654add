//! Faults: a district-sized apply against the Directory emulator while it answers 10% of
//! calls with 503 `backendError`, 5% with 429 and drops 2% of connections without an
//! answer; killed halfway and run again. Every intended account must exist exactly once with
//! the intended values, the report must name every change that gave up, and the next plan
//! must be empty. (DESIGN §4.5, §4.6.)

#[path = "support/reliability.rs"]
mod reliability;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reliability::{audit_lines, cli, desired, differences, fast_directory, managed_users, today};
use roster::core::report::{ExitCode, RunReport};
use roster::core::{Account, Applied, Change, DirectoryTarget, OrgUnitPath, TargetError};
use roster::demo::Demo;
use roster::google_emulator::Faults;
use roster::{AccountJob, Mode, run_accounts};

/// Students in the generated district (see docs/RELIABILITY.md for the measured time).
const STUDENTS: usize = 11_000;

const FAULTS: Faults = Faults {
    backend_error: 0.10,
    too_many_requests: 0.05,
    drop_connection: 0.02,
};

/// Runs the job; `None` when `kill_after_inserts` inserts reached the emulator first and the
/// run was dropped mid-flight (like a killed process: requests in flight are abandoned).
async fn run(
    demo: &Demo,
    job: &AccountJob,
    site: &roster::Site,
    dir: &std::path::Path,
    mode: Mode,
    kill_after_inserts: Option<u64>,
) -> Option<RunReport> {
    let sis = demo.sis(site.powerschool.clone()).unwrap();
    let target = fast_directory(demo, job).await;
    let opts = cli(dir, &["--concurrency", "32"]).opts;
    let mut out = Vec::new();
    let work = run_accounts(job, mode, &opts, &sis, &target, &mut out);
    match kill_after_inserts {
        None => Some(work.await),
        Some(n) => {
            let watch = async {
                loop {
                    let inserts = demo
                        .emulator
                        .counters()
                        .get("users.insert")
                        .copied()
                        .unwrap_or(0);
                    if inserts >= n {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            };
            tokio::select! {
                r = work => Some(r),
                () = watch => None,
            }
        }
    }
}

/// Every desired active account exists once with the desired values, nothing else is
/// under the managed roots, and no account is there twice under another address.
async fn assert_converged(demo: &Demo, job: &AccountJob, site: &roster::Site) -> usize {
    let sis = demo.sis(site.powerschool.clone()).unwrap();
    let (active, _suspended) = desired(job, &sis).await;
    let users = managed_users(demo, job);
    let mut wrong = Vec::new();
    for d in &active {
        match users.get(&d.primary_email) {
            None => wrong.push(format!("{}: missing", d.primary_email)),
            Some(u) => {
                let diff = differences(d, u);
                if !diff.is_empty() {
                    wrong.push(format!("{}: {}", d.primary_email, diff.join("; ")));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} accounts wrong, e.g. {:?}",
        wrong.len(),
        active.len(),
        &wrong[..wrong.len().min(5)]
    );
    let wanted: BTreeSet<&str> = active.iter().map(|d| d.primary_email.as_str()).collect();
    let extra: Vec<&String> = users
        .keys()
        .filter(|e| !wanted.contains(e.as_str()))
        .collect();
    assert!(extra.is_empty(), "accounts nobody wants: {extra:?}");
    // Exactly once: no two accounts carry one person's identity (the student's number in
    // the name of the account, or the staff DCID) under different addresses.
    let mut by_identity: BTreeMap<String, usize> = BTreeMap::new();
    for u in users.values() {
        let id = match &u["customSchemas"]["Synchronization_Data"]["DCID"] {
            serde_json::Value::Null => u["primaryEmail"].as_str().unwrap().to_lowercase(),
            v => v.to_string(),
        };
        *by_identity.entry(id).or_insert(0) += 1;
    }
    let twice: Vec<_> = by_identity.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "duplicated accounts: {twice:?}");
    active.len()
}

/// A change may give up only after its last attempt on a retryable error.
fn assert_failures_exhausted_retries(report: &RunReport) {
    for f in &report.failures {
        assert!(
            f.error.retryable && f.attempts == roster::core::Retry::default().max_attempts,
            "a change failed for another reason than exhausted retries: {f:?}"
        );
    }
    if !report.failures.is_empty() {
        assert_eq!(report.exit_code(), ExitCode::SomeFailed);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_converges_through_faults_and_a_kill_halfway() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let job = d118_students::job();
    let site = d118_students::site();
    let staff_job = d118_staff::job();
    let staff_site = d118_staff::site();
    let demo = Demo::start(dir.path(), &site.domain, today(), STUDENTS).unwrap();
    let generated = started.elapsed();

    let sis = demo.sis(site.powerschool.clone()).unwrap();
    let (active, _) = desired(&job, &sis).await;
    let (staff_active, _) = desired(&staff_job, &sis).await;
    assert!(!staff_active.is_empty());
    assert!(active.len() > STUDENTS * 3 / 4, "{} active", active.len());

    demo.emulator.set_faults(FAULTS);
    demo.emulator.reset_counters();

    // 1. Killed once about half of the creates have reached the directory.
    let t = Instant::now();
    let killed = run(
        &demo,
        &job,
        &site,
        dir.path(),
        Mode::Apply,
        Some(active.len() as u64 / 2),
    )
    .await;
    assert!(
        killed.is_none(),
        "the run finished before it could be killed"
    );
    let first_run = t.elapsed();
    let after_kill = managed_users(&demo, &job).len();
    assert!(
        after_kill > 0 && after_kill < active.len(),
        "{after_kill} of {} accounts after the kill",
        active.len()
    );
    let audited_before = audit_lines(&dir.path().join("audit.jsonl")).len();
    // Writes in flight at the kill may have landed without an audit line (the process died
    // before it heard back); they are never lost and never repeated: the next plan sees them.
    let audited_ok = audit_lines(&dir.path().join("audit.jsonl"))
        .iter()
        .filter(|l| l["outcome"] == "ok")
        .count();
    assert!(
        audited_ok <= after_kill,
        "{audited_ok} audited creates, {after_kill} accounts"
    );
    let unaudited_at_kill = after_kill - audited_ok;

    // 2. Run again, faults still on: it finishes what is left, creating nobody twice.
    let t = Instant::now();
    let report = run(&demo, &job, &site, dir.path(), Mode::Apply, None)
        .await
        .unwrap();
    let second_run = t.elapsed();
    assert!(report.aborted.is_none(), "{:?}", report.aborted);
    assert_failures_exhausted_retries(&report);
    let planned_creates = report.planned.get("create").copied().unwrap_or(0);
    assert!(
        planned_creates <= active.len() - after_kill,
        "the second run plans {planned_creates} creates, but only {} accounts were missing",
        active.len() - after_kill
    );
    assert!(planned_creates > 0);
    let audit = audit_lines(&dir.path().join("audit.jsonl"));
    assert!(audit.len() > audited_before);
    // Every change of the second run is in the audit log with its outcome.
    let audited_now = audit.len() - audited_before;
    let applied: usize = report.applied.values().sum();
    assert_eq!(audited_now, applied + report.failures.len());

    // 3. The staff job through the same faults (matched by DCID, not email).
    let staff_report = run(
        &demo,
        &staff_job,
        &staff_site,
        dir.path(),
        Mode::Apply,
        None,
    )
    .await
    .unwrap();
    assert!(staff_report.aborted.is_none(), "{:?}", staff_report.aborted);
    assert_failures_exhausted_retries(&staff_report);

    // 4. Whatever gave up is finished by the next run; then the plan is empty.
    let mut extra_runs = 0;
    for (j, s) in [(&job, &site), (&staff_job, &staff_site)] {
        for _ in 0..3 {
            let r = run(&demo, j, s, dir.path(), Mode::Apply, None)
                .await
                .unwrap();
            assert_failures_exhausted_retries(&r);
            if r.planned.keys().any(|k| k != "skip") {
                extra_runs += 1;
            }
            if r.failures.is_empty() {
                break;
            }
        }
    }
    for (j, s) in [(&job, &site), (&staff_job, &staff_site)] {
        let r = run(&demo, j, s, dir.path(), Mode::Plan, None)
            .await
            .unwrap();
        assert_eq!(r.exit_code(), ExitCode::Ok);
        let writes: Vec<_> = r.planned.iter().filter(|(k, _)| *k != "skip").collect();
        assert!(writes.is_empty(), "{}: planned {writes:?}", j.name);
    }

    let students = assert_converged(&demo, &job, &site).await;
    let staff = assert_converged(&demo, &staff_job, &staff_site).await;

    let events = demo.emulator.events();
    let injected = |k: &str| events.get(k).copied().unwrap_or(0);
    assert!(
        injected("backendError") > 0 && injected("tooManyRequests") > 0 && injected("dropped") > 0
    );
    println!(
        "faults: {} students + {} staff created through {} 503s, {} 429s and {} dropped \
         connections ({} API calls, {} engine retries in the second run, {} failures after \
         retries, {} extra runs; killed with {} of {} accounts made, {} of them unaudited in-flight \
         writes); generate {:.1}s, killed run {:.1}s, second run {:.1}s, \
         total {:.1}s",
        students,
        staff,
        injected("backendError"),
        injected("tooManyRequests"),
        injected("dropped"),
        demo.emulator.total_calls(),
        report.retries,
        report.failures.len() + staff_report.failures.len(),
        extra_runs,
        after_kill,
        students,
        unaudited_at_kill,
        generated.as_secs_f64(),
        first_run.as_secs_f64(),
        second_run.as_secs_f64(),
        started.elapsed().as_secs_f64(),
    );
}

type Fut<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, TargetError>> + Send + 'a>>;

/// A directory whose replies to writes are lost now and then *after* the write happened
/// (the connection drops on the way back), the fault the emulator cannot inject: it drops
/// connections before it acts. Every `every`th write is applied, then reported as a
/// retryable network error.
struct LostReplies {
    inner: roster::google::GoogleDirectory,
    every: u64,
    writes: AtomicU64,
    lost: AtomicU64,
}

// `DirectoryTarget` is an `async_trait`; written out by hand so the root package needs no
// extra dependency for this test.
impl DirectoryTarget for LostReplies {
    fn list_accounts<'a, 'b, 'f>(&'a self, under: &'b [OrgUnitPath]) -> Fut<'f, Vec<Account>>
    where
        'a: 'f,
        'b: 'f,
    {
        self.inner.list_accounts(under)
    }

    fn get_account<'a, 'b, 'f>(&'a self, email: &'b str) -> Fut<'f, Option<Account>>
    where
        'a: 'f,
        'b: 'f,
    {
        self.inner.get_account(email)
    }

    fn apply<'a, 'b, 'f>(&'a self, change: &'b Change) -> Fut<'f, Applied>
    where
        'a: 'f,
        'b: 'f,
    {
        Box::pin(async move {
            let applied = self.inner.apply(change).await?;
            if self.writes.fetch_add(1, Ordering::SeqCst) % self.every == self.every - 1 {
                self.lost.fetch_add(1, Ordering::SeqCst);
                return Err(TargetError::new(0, "connectionReset", "the reply was lost"));
            }
            Ok(applied)
        })
    }

    fn ensure_org_unit<'a, 'b, 'f>(&'a self, path: &'b OrgUnitPath) -> Fut<'f, ()>
    where
        'a: 'f,
        'b: 'f,
    {
        self.inner.ensure_org_unit(path)
    }

    fn api_calls(&self) -> u64 {
        self.inner.api_calls()
    }
}

/// Creates whose reply was lost are retried, meet Google's 409 and adopt the account they
/// made: nobody gets two accounts, and the report says which creates were adopted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_whose_reply_is_lost_are_not_repeated_into_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let job = d118_staff::job();
    let site = d118_staff::site();
    let demo = Demo::start(dir.path(), &site.domain, today(), 3_000).unwrap();
    let sis = demo.sis(site.powerschool.clone()).unwrap();
    let target = LostReplies {
        inner: fast_directory(&demo, &job).await,
        every: 7,
        writes: AtomicU64::new(0),
        lost: AtomicU64::new(0),
    };
    let opts = cli(dir.path(), &["--concurrency", "16"]).opts;
    let mut out = Vec::new();
    let report = run_accounts(&job, Mode::Apply, &opts, &sis, &target, &mut out).await;
    assert_eq!(report.exit_code(), ExitCode::Ok, "{}", report.summary());
    let lost = target.lost.load(Ordering::SeqCst);
    assert!(lost > 10, "{lost}");
    // Every lost create came back as a 409 and was adopted, and says so.
    let adopted = report
        .notes
        .iter()
        .filter(|n| n.contains("409 on create"))
        .count();
    assert!(
        adopted > 0 && adopted as u64 <= lost,
        "{adopted} notes, {lost} lost: {:#?}",
        &report.notes[..5.min(report.notes.len())]
    );
    assert_eq!(report.retries, lost);

    let staff = assert_converged(&demo, &job, &site).await;
    let again = run(&demo, &job, &site, dir.path(), Mode::Plan, None)
        .await
        .unwrap();
    assert!(
        again.planned.keys().all(|k| k == "skip"),
        "{:?}",
        again.planned
    );
    println!(
        "lost replies: {lost} of {staff} creates' replies lost, {adopted} adopted on 409, no duplicates"
    );
}

/// A client far faster than the project's quota, against a directory that enforces it
/// (403 `userRateLimitExceeded`) and allows only a few requests in flight per user (403
/// `quotaExceeded`): the engine waits both out and every account is made once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quota_and_concurrency_limits_are_waited_out() {
    let dir = tempfile::tempdir().unwrap();
    let job = d118_students::job();
    let site = d118_students::site();
    let demo = Demo::start(dir.path(), &site.domain, today(), 1_500).unwrap();
    let _ = fast_directory(&demo, &job).await;
    demo.emulator
        .set_quota(Some(roster::google_emulator::Quota::per_minute(60 * 400)));
    demo.emulator.set_max_concurrent(Some(4));
    // Requests stay in flight for a while, as at Google, so they overlap.
    demo.emulator.set_latency(Duration::from_millis(5));
    demo.emulator.reset_counters();

    let report = run(&demo, &job, &site, dir.path(), Mode::Apply, None)
        .await
        .unwrap();
    assert!(report.aborted.is_none(), "{:?}", report.aborted);
    assert_failures_exhausted_retries(&report);
    let events = demo.emulator.events();
    let over_quota = events.get("overQuota").copied().unwrap_or(0);
    let over_concurrency = events.get("concurrencyExceeded").copied().unwrap_or(0);
    assert!(over_quota > 0 && over_concurrency > 0, "{events:?}");
    for _ in 0..3 {
        let r = run(&demo, &job, &site, dir.path(), Mode::Apply, None)
            .await
            .unwrap();
        if r.failures.is_empty() {
            break;
        }
    }
    let again = run(&demo, &job, &site, dir.path(), Mode::Plan, None)
        .await
        .unwrap();
    assert!(
        again.planned.keys().all(|k| k == "skip"),
        "{:?}",
        again.planned
    );
    let students = assert_converged(&demo, &job, &site).await;
    println!(
        "quota: {students} accounts through {over_quota} over-quota and {over_concurrency} \
         too-many-concurrent answers ({} failures after retries)",
        report.failures.len()
    );
}
