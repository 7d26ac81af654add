//! Section 6: the start-of-year rollover of N students against the Directory API emulator at
//! a quota, with write latency.
//!
//! Last year's directory is built from this year's desired state: every continuing student
//! sits in last year's grade OU (so every one of them moves), 1 in 100 has a misspelt given
//! name and 2 in 100 another school (`Homeschool_ID`), both updates next to the move; the
//! senior class (1 in 14 students) graduates and is suspended into the graduated OU; 3 in
//! 100 are new (a create); 3 in 100 left (suspend, move to `/Suspended Accounts`, and two
//! groups each to leave). The listing and the plan run at latency 0 (untimed: listing at
//! real latency is section 5); the apply is timed at the quota, and the emulator's counters
//! give the calls: `users.patch` + `users.insert` per changed account, group calls
//! (`groups.list`, `members.delete`) counted apart.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate};
use roster_core::apply::{ApplyOptions, apply};
use roster_core::policy::{Intent, MatchKey, Policy};
use roster_core::{
    Account, DirectoryTarget, EnrollStatus, FieldValue, OrgUnitPath, RunReport, Student, plan,
};
use roster_google::GoogleDirectory;
use roster_google::target::{SchemaTypes, user_from_account};
use roster_google_emulator::{Emulator, EmulatorConfig, LatencyModel, Quota};
use serde::Serialize;

use crate::google::{BenchError, client};
use crate::synth::{self, DOMAIN, STUDENT_ROOT, SUSPENDED_OU};

/// Schools of the generated district.
const SCHOOLS: usize = 40;

/// What to run.
#[derive(Debug, Clone)]
pub struct RolloverBench {
    pub students: usize,
    /// The emulator's latency during the apply (the realistic profile: 300 ms per read plus
    /// 2 ms per returned item, 250 ms per write, ±20% jitter).
    pub latency: LatencyModel,
    /// The emulator's quota; the client runs at the same rate.
    pub quota_per_minute: u32,
    /// Accounts the engine works on at once (enough to keep the quota busy at this
    /// latency: rate x latency calls are in flight).
    pub concurrency: usize,
    pub today: NaiveDate,
}

#[derive(Debug, Clone, Serialize)]
pub struct RolloverResult {
    pub students: usize,
    pub latency: LatencyModel,
    /// The latency model in words, for the table.
    pub latency_text: String,
    pub quota_per_minute: u32,
    pub client_rate_per_s: f64,
    pub concurrency: usize,
    /// Accounts in last year's directory, and the seeding's time (latency 0).
    pub accounts_before: usize,
    pub seed_s: f64,
    /// Listing and planning last year's directory (latency 0, untimed for the targets).
    pub plan_s: f64,
    /// Changes planned, by kind.
    pub planned: BTreeMap<String, usize>,
    /// Whether the plan equals the injected drift.
    pub plan_exact: bool,
    /// Accounts with at least one write.
    pub changed_accounts: usize,
    pub apply_s: f64,
    /// `users.patch` + `users.insert` at the emulator during the apply.
    pub account_write_calls: u64,
    /// What `account_write_calls` would be with one call per change (the old engine).
    pub account_changes: usize,
    pub write_calls_per_changed_account: f64,
    /// `groups.list` + `members.delete`.
    pub group_calls: u64,
    /// Every API call during the apply (OU checks and schema reads happen before it).
    pub api_calls: u64,
    pub calls_per_s: f64,
    pub share_of_quota: f64,
    pub failed: usize,
    pub first_failures: Vec<String>,
    pub over_quota_responses: u64,
    pub engine_retries: u64,
    pub emulator_methods: BTreeMap<String, u64>,
    /// Writes the plan finds after the apply (must be 0).
    pub next_plan_writes: usize,
}

/// This year's students: grade `i % 14` (13: the senior class that just graduated), 3 in 100
/// new, 3 in 100 transferred out.
fn students(n: usize, schools: &[roster_core::School], today: NaiveDate) -> Vec<Student> {
    let mut students = synth::students(n, schools, None, today);
    for (i, s) in students.iter_mut().enumerate() {
        let grade = (i % 14) as i32;
        if grade == 13 {
            s.enroll_status = EnrollStatus::Graduated;
            s.grade.0 = 12;
            s.class_of = Some(today.year());
        } else {
            s.grade.0 = grade;
            s.class_of = Some(today.year() + 12 - grade);
        }
        if (3..6).contains(&(i % 100)) && grade != 13 {
            s.enroll_status = EnrollStatus::TransferredOut;
        }
    }
    students
}

/// Last year's accounts, the members of each group (group email -> member emails), and the
/// changes a correct plan makes by kind.
type LastYear = (
    Vec<Account>,
    BTreeMap<String, Vec<String>>,
    BTreeMap<String, usize>,
);

/// Last year's accounts for this year's desired state, the groups each leaver is in, and
/// the changes a correct plan makes.
fn last_year(
    desired: &[Intent],
    students: &[Student],
    schools: &[roster_core::School],
) -> LastYear {
    let policy = synth::student_policy();
    let school_of: BTreeMap<i64, &roster_core::School> =
        schools.iter().map(|s| (s.number, s)).collect();
    let mut accounts = Vec::with_capacity(desired.len());
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut expected = BTreeMap::new();
    let mut bump = |k: &str| *expected.entry(k.to_string()).or_insert(0) += 1;
    for (i, (intent, s)) in desired.iter().zip(students).enumerate() {
        let Intent::Account { account: d, .. } = intent else {
            continue;
        };
        if (0..3).contains(&(i % 100)) && !d.suspended {
            bump("create");
            continue;
        }
        let Some(school) = school_of.get(&s.school) else {
            continue;
        };
        let mut a = Account {
            id: None,
            primary_email: d.primary_email.clone(),
            given_name: d.given_name.clone(),
            family_name: d.family_name.clone(),
            org_unit_path: policy.active_ou(school, s.grade.0 - 1),
            suspended: false,
            custom_schemas: d.custom_schemas.clone(),
            external_ids: Vec::new(),
            admin: None,
        };
        if s.enroll_status == EnrollStatus::Graduated {
            a.org_unit_path = policy.active_ou(school, 12);
        }
        if s.enroll_status == EnrollStatus::TransferredOut {
            for g in ["a", "b"] {
                groups
                    .entry(format!("s{}-{g}@{DOMAIN}", s.school))
                    .or_default()
                    .push(d.primary_email.clone());
            }
        } else if i % 100 == 50 {
            a.given_name.push('x');
            bump("update");
        } else if (60..62).contains(&(i % 100))
            && let Some(f) = a.custom_schemas.get_mut("Synchronization_Data")
        {
            f.insert("Homeschool_ID".into(), FieldValue::Int(s.school + 1));
            bump("update");
        }
        bump("move");
        if d.suspended {
            bump("suspend");
            bump("remove_from_groups");
        }
        accounts.push(a);
    }
    (accounts, groups, expected)
}

async fn plan_now(
    target: &GoogleDirectory,
    desired: &[Intent],
    policy: &Policy,
    today: NaiveDate,
) -> Result<roster_core::Plan, BenchError> {
    let observed = target
        .list_accounts(&policy.managed_roots)
        .await
        .map_err(|e| BenchError::Setup("listing", e.to_string()))?;
    Ok(plan(desired, &observed, policy, today))
}

/// Runs section 6 on its own emulator.
pub async fn run(cfg: &RolloverBench) -> Result<RolloverResult, BenchError> {
    let setup = |what: &'static str| move |e: String| BenchError::Setup(what, e);
    let schools = synth::schools(SCHOOLS);
    let students = students(cfg.students, &schools, cfg.today);
    let desired = synth::student_policy().desired(&students, &schools, cfg.today);
    let (accounts, groups, expected) = last_year(&desired, &students, &schools);
    let policy = Policy::new(
        MatchKey::PrimaryEmail,
        vec![
            OrgUnitPath::new(STUDENT_ROOT),
            OrgUnitPath::new(SUSPENDED_OU),
        ],
    );

    let emu = Emulator::start(EmulatorConfig {
        domains: vec![DOMAIN.to_string()],
        ..EmulatorConfig::default()
    })
    .map_err(|e| setup("starting the emulator")(e.to_string()))?;
    for s in roster::demo::demo_schemas() {
        emu.add_schema(&s)
            .map_err(|e| setup("adding a schema")(e.to_string()))?;
    }
    let mut ous: BTreeSet<OrgUnitPath> = accounts.iter().map(|a| a.org_unit_path.clone()).collect();
    for i in &desired {
        if let Intent::Account { account, .. } = i {
            ous.insert(account.org_unit_path.clone());
        }
    }
    for ou in &ous {
        emu.add_org_unit(ou.as_str())
            .map_err(|e| setup("adding an OU")(e.to_string()))?;
    }
    let token = emu.issue_access_token(&format!("admin@{DOMAIN}"));
    let fast = client(&emu, &token, 1_000.0, 100, 8)?;
    let types = SchemaTypes::from_schemas(&fast.list_schemas().await?);
    let t = Instant::now();
    for a in &accounts {
        let user = serde_json::to_value(user_from_account(a, &types))
            .map_err(|e| setup("user JSON")(e.to_string()))?;
        emu.add_user(&user)
            .map_err(|e| setup("seeding an account")(e.to_string()))?;
    }
    for (group, members) in &groups {
        let members: Vec<&str> = members.iter().map(String::as_str).collect();
        emu.add_group(group, &members);
    }
    let seed_s = t.elapsed().as_secs_f64();

    // The plan, read at latency 0.
    let t = Instant::now();
    let p = plan_now(
        &GoogleDirectory::new(fast.clone()),
        &desired,
        &policy,
        cfg.today,
    )
    .await?;
    let plan_s = t.elapsed().as_secs_f64();
    let planned: BTreeMap<String, usize> = p
        .counts()
        .into_iter()
        .filter(|(k, _)| *k != "skip")
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    let changed: BTreeSet<&str> = p.writes().map(|c| c.email.as_str()).collect();
    let account_changes = p
        .writes()
        .filter(|c| c.kind.label() != "remove_from_groups")
        .count();

    // The apply, timed, at the quota and the latency.
    let rate = f64::from(cfg.quota_per_minute) / 60.0;
    let c = client(&emu, &token, rate, 10, cfg.concurrency)?;
    let target = GoogleDirectory::new(c.clone());
    target.schema_types().await;
    for ou in &ous {
        target
            .ensure_org_unit(ou)
            .await
            .map_err(|e| setup("ensuring OUs")(e.to_string()))?;
    }
    emu.set_latency_model(cfg.latency);
    emu.set_quota(Some(Quota::per_minute(cfg.quota_per_minute)));
    emu.reset_counters();
    tracing::info!(
        accounts = changed.len(),
        changes = p.writes().count(),
        quota = cfg.quota_per_minute,
        "applying the rollover"
    );
    let mut report = RunReport::new("bench-rollover", "apply");
    let opts = ApplyOptions {
        job: "bench-rollover".into(),
        concurrency: cfg.concurrency,
        ..ApplyOptions::default()
    };
    let t = Instant::now();
    apply(&target, &p, &opts, None, None, &mut report).await;
    let apply_s = t.elapsed().as_secs_f64();
    let methods = emu.counters();
    let events = emu.events();
    let get = |m: &str| methods.get(m).copied().unwrap_or(0);
    let account_write_calls = get("users.patch") + get("users.insert");
    let group_calls = get("groups.list") + get("members.delete");
    let api_calls = emu.total_calls();

    emu.set_latency(Duration::ZERO);
    emu.set_quota(None);
    let next = plan_now(&GoogleDirectory::new(fast), &desired, &policy, cfg.today).await?;
    emu.shutdown();

    let calls_per_s = api_calls as f64 / apply_s;
    Ok(RolloverResult {
        students: students.len(),
        latency: cfg.latency,
        latency_text: latency_text(&cfg.latency),
        quota_per_minute: cfg.quota_per_minute,
        client_rate_per_s: rate,
        concurrency: cfg.concurrency,
        accounts_before: accounts.len(),
        seed_s,
        plan_s,
        plan_exact: planned == expected,
        planned,
        changed_accounts: changed.len(),
        apply_s,
        account_write_calls,
        account_changes,
        write_calls_per_changed_account: account_write_calls as f64 / changed.len().max(1) as f64,
        group_calls,
        api_calls,
        calls_per_s,
        share_of_quota: calls_per_s / rate,
        failed: report.failures.len(),
        first_failures: first_failures(&report),
        over_quota_responses: events.get("overQuota").copied().unwrap_or(0),
        engine_retries: report.retries,
        emulator_methods: methods,
        next_plan_writes: next.writes().count(),
    })
}

/// Section 6's targets: write calls per changed account, share of quota, failures, next plan.
pub const WRITES_PER_ACCOUNT_MAX: f64 = 1.05;

/// One line per missed target of section 6.
pub fn missed(r: &RolloverResult) -> Vec<String> {
    let mut m = Vec::new();
    if r.write_calls_per_changed_account > WRITES_PER_ACCOUNT_MAX {
        m.push(format!(
            "rollover: {:.3} write calls per changed account > {WRITES_PER_ACCOUNT_MAX}",
            r.write_calls_per_changed_account
        ));
    }
    if r.share_of_quota < crate::table::QUOTA_SHARE_MIN {
        m.push(format!(
            "rollover: {:.1}% of quota < {:.0}%",
            r.share_of_quota * 100.0,
            crate::table::QUOTA_SHARE_MIN * 100.0
        ));
    }
    if r.failed > 0 {
        m.push(format!("rollover: {} failed changes", r.failed));
    }
    if r.next_plan_writes > 0 {
        m.push(format!(
            "rollover: the next plan has {} writes",
            r.next_plan_writes
        ));
    }
    if !r.plan_exact {
        m.push("rollover: the plan differs from the injected changes".into());
    }
    m
}

/// Section 6's rows of the Markdown table.
pub fn rows(r: &RolloverResult, row: &mut impl FnMut([&str; 7])) {
    use crate::table::thousands;
    let yes = |ok: bool| if ok { "yes" } else { "**NO**" };
    let planned: Vec<String> = r
        .planned
        .iter()
        .map(|(k, v)| format!("{k} {}", thousands(*v as u64)))
        .collect();
    row([
        "6",
        &format!(
            "Start-of-year rollover of {} students, emulator quota {}/min, client {:.0}/s, latency {}, {} accounts at once: write calls per changed account",
            thousands(r.students as u64),
            thousands(u64::from(r.quota_per_minute)),
            r.client_rate_per_s,
            r.latency_text,
            r.concurrency
        ),
        &format!(
            "{:.3} ({} `users.patch` + `users.insert` for {} changed accounts; {} changes, so one call per change would be {:.2})",
            r.write_calls_per_changed_account,
            thousands(r.account_write_calls),
            thousands(r.changed_accounts as u64),
            thousands(r.account_changes as u64),
            r.account_changes as f64 / r.changed_accounts.max(1) as f64
        ),
        "",
        "",
        "<= 1.05 (group calls apart)",
        yes(r.write_calls_per_changed_account <= WRITES_PER_ACCOUNT_MAX),
    ]);
    row([
        "6",
        "... achieved call rate",
        &format!(
            "{:.1} calls/s = {:.1}% of quota ({} calls in {:.1} s, of which {} group calls: `groups.list` + `members.delete`)",
            r.calls_per_s,
            r.share_of_quota * 100.0,
            thousands(r.api_calls),
            r.apply_s,
            thousands(r.group_calls)
        ),
        "",
        "",
        ">= 90% of quota",
        yes(r.share_of_quota >= crate::table::QUOTA_SHARE_MIN),
    ]);
    row([
        "6",
        "... failed changes; next plan",
        &format!(
            "{} failed; {} writes in the next plan ({} over-quota answers, {} engine retries)",
            r.failed, r.next_plan_writes, r.over_quota_responses, r.engine_retries
        ),
        "",
        "",
        "0; empty",
        yes(r.failed == 0 && r.next_plan_writes == 0),
    ]);
    row([
        "6",
        "... the plan",
        &format!(
            "{} (equals the injected changes: {}); listed and planned at 0 ms in {:.1} s, {} accounts seeded in {:.1} s",
            planned.join(", "),
            if r.plan_exact { "yes" } else { "no" },
            r.plan_s,
            thousands(r.accounts_before as u64),
            r.seed_s
        ),
        "",
        "",
        "exact",
        yes(r.plan_exact),
    ]);
}

/// "300 ms per read + 2 ms per returned item, 250 ms per write, ±20%", or "5 ms per call".
fn latency_text(l: &LatencyModel) -> String {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut t = match l.write {
        Some(w) => format!("{:.0} ms per read, {:.0} ms per write", ms(l.base), ms(w)),
        None => format!("{:.0} ms per call", ms(l.base)),
    };
    if !l.per_user.is_zero() {
        t.push_str(&format!(", +{:.0} ms per listed item", ms(l.per_user)));
    }
    if l.jitter_pct > 0 {
        t.push_str(&format!(", ±{}% jitter", l.jitter_pct));
    }
    t
}

/// The first five failures of an apply, one line each (shared with section 2).
pub(crate) fn first_failures(report: &RunReport) -> Vec<String> {
    report
        .failures
        .iter()
        .take(5)
        .map(|f| format!("{} {}: {}", f.action, f.email, f.error))
        .collect()
}
