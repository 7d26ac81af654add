//! The account job every district runs: read the SIS, plan against the directory, check the
//! safety valve, apply, report.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::Instant;

use chrono::Utc;
use roster_core::apply::ApplyOptions;
use roster_core::licence::LicenceLoss;
use roster_core::policy::{Intent, StaffPolicy, StudentPolicy};
use roster_core::report::{AuditLog, RunReport, Skipped};
use roster_core::{
    DirectoryTarget, Plan, Policy, SisSource, SourceError, model::SchoolNumber, plan, safety,
};

use crate::cli::{Mode, RunOptions};
use crate::error::{ConfigError, RunError};
use crate::lock::{RunLock, lock_path};
use crate::progress::{Bar, LogLines, with_heartbeat};

/// Whose accounts a job manages, with the rules that make their desired state.
pub enum Population {
    Students(StudentPolicy),
    Staff(StaffPolicy),
}

/// One account job: a name for logs and reports, the reconcile rules, and the population.
pub struct AccountJob {
    pub name: String,
    pub policy: Policy,
    pub population: Population,
}

impl AccountJob {
    /// The licence the job removes (D118 students: summer graduates' Education Plus), if
    /// any: the job then needs the licensing API and its scope.
    pub fn licence(&self) -> Option<&roster_core::licence::Licence> {
        match &self.population {
            Population::Students(p) => p.summer_graduate_licence.as_ref(),
            Population::Staff(_) => None,
        }
    }
}

/// Runs the job and returns its report (the report's exit code is the process's).
/// The plan goes to `out` as a table, or as JSON with `--json`.
pub async fn run_accounts(
    job: &AccountJob,
    mode: Mode,
    opts: &RunOptions,
    sis: &dyn SisSource,
    target: &dyn DirectoryTarget,
    out: &mut dyn Write,
) -> RunReport {
    let mut report = RunReport::new(&job.name, mode.name());
    let result = run_inner(job, mode, opts, sis, target, out, &mut report).await;
    conclude(report, result, opts)
}

/// Ends a run: records why it stopped, if it did, stamps the time, writes `--report`.
pub(crate) fn conclude(
    mut report: RunReport,
    result: Result<(), RunError>,
    opts: &RunOptions,
) -> RunReport {
    // Not logged here: the summary the binary prints ends with `ABORTED: why` (once).
    if let Err(why) = result {
        tracing::debug!("run stopped: {why}");
        report.aborted = Some(why.to_string());
    }
    report.finished_at = Some(Utc::now());
    if let Some(path) = &opts.report
        && let Err(e) = report.write(path)
    {
        // An unwritable report is not a success (exit 2): cron would lose the record.
        let why = format!("cannot write the report {}: {e}", path.display());
        match &report.aborted {
            // The summary names the first reason; this one would be lost.
            Some(_) => tracing::error!("{why}"),
            None => report.aborted = Some(why),
        }
    }
    report
}

async fn run_inner(
    job: &AccountJob,
    mode: Mode,
    opts: &RunOptions,
    sis: &dyn SisSource,
    target: &dyn DirectoryTarget,
    out: &mut dyn Write,
    report: &mut RunReport,
) -> Result<(), RunError> {
    let scope = opts.scope()?;
    crate::reviewed::check_flags(mode, opts).map_err(ConfigError::from)?;
    let today = opts.today();
    let mut policy = job.policy.clone();
    if opts.demo && policy.new_account.password.is_none() {
        // The demo's accounts are throwaway: a known password, as the quickstart prints it.
        policy.new_account.password = Some(roster_core::Secret::new(crate::demo::DEMO_PASSWORD));
    }
    for (kind, cap) in opts.cap_overrides() {
        *policy.safety.run.get_mut(kind) = cap;
    }
    for (kind, cap) in opts.per_school_overrides() {
        *policy.safety.per_school.get_mut(kind) = cap;
    }
    policy
        .safety
        .validate()
        .map_err(|(at, source)| ConfigError::BadLimit { at, source })?;
    let lock = RunLock::acquire(&lock_path(&opts.audit_log, &job.name), &job.name)
        .map_err(RunError::Locked)?;
    if let Some(stale) = &lock.took_over {
        report.notes.push(stale.to_string());
    }
    // The admin the credentials act as: suspending it would stop every later run.
    policy.protected_accounts.extend(target.acting_as());
    if let Some(path) = &opts.plan {
        return crate::reviewed::apply_reviewed(job, path, opts, &policy, target, out, report)
            .await;
    }

    let t = Instant::now();
    let every = opts.progress_interval;
    let (schools, desired, licence_losses) = with_heartbeat(
        "reading the SIS",
        every,
        String::new,
        read_sis(job, sis, &scope, today, report),
    )
    .await?;
    report.people_read = desired.len();
    report.timings.read_sis_ms = t.elapsed().as_millis() as u64;
    tracing::info!(
        "read the SIS: {} people, {} bad rows in {:.1} s",
        desired.len(),
        report.row_errors.len(),
        t.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let calls_before = target.api_calls();
    let observed = with_heartbeat(
        "listing the directory",
        every,
        || format!(", {} API calls", target.api_calls() - calls_before),
        target.list_accounts(&policy.listed_roots()),
    )
    .await
    .map_err(RunError::ListDirectory)?;
    report.timings.read_directory_ms = t.elapsed().as_millis() as u64;
    tracing::info!(
        "listed the directory: {} accounts in {:.1} s",
        observed.len(),
        t.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let mut plan = plan(&desired, &observed, &policy, today);
    if let Some(licence) = job.licence()
        && !licence_losses.is_empty()
    {
        // One bulk read of who holds it: a graduate without it costs no write.
        let holders = target
            .licence_holders(licence)
            .await
            .map_err(RunError::ListDirectory)?;
        let added = roster_core::licence::add_removals(
            &mut plan,
            licence,
            &licence_losses,
            &holders,
            &observed,
            &policy,
        );
        tracing::info!(%licence, summer_graduates = licence_losses.len(), holders = holders.len(), removals = added, "licence rule");
    }
    report.timings.plan_ms = t.elapsed().as_millis() as u64;
    record_plan(&plan, report);
    // `apply` prints its summary at the end (the plan was seen at `plan`; a refused apply
    // prints it below); `--json` is for programs and always gets the plan.
    if mode == Mode::Plan || opts.json {
        print_plan(&plan, opts.json, out);
    }
    if let Some(why) = nobody_to_sync(report) {
        return Err(why);
    }

    let school_of: BTreeMap<String, SchoolNumber> = desired
        .iter()
        .filter_map(|i| i.school().map(|s| (i.person().id.clone(), s)))
        .collect();
    report.violations = safety::check_with_schools(
        &plan,
        &schools,
        &policy.may_be_empty,
        &policy.safety,
        &school_of,
    );
    report.api_calls = target.api_calls().saturating_sub(calls_before);
    if !report.violations.is_empty() && !opts.force && mode == Mode::Apply && !opts.json {
        // Refused: the admin sees what the apply would have done.
        print_plan(&plan, false, out);
    }
    if let Some(refused) = safety_refusal(opts, report) {
        return Err(refused);
    }
    if let Some(path) = &opts.save_plan {
        let read = crate::reviewed::Read {
            scope: &scope,
            desired: &desired,
            observed: &observed,
            schools: &schools,
            school_of: &school_of,
        };
        crate::reviewed::save(job, path, &read, &plan)?;
        report.notes.push(format!(
            "plan saved to {} for `apply --plan`",
            path.display()
        ));
    }
    // Only `apply` writes (`doctor` never reaches a run: the mains divert it).
    if mode != Mode::Apply {
        return Ok(());
    }
    apply_plan(job, opts, &policy, target, &plan, report).await
}

/// Applies a plan that passed the safety valve: the initial-password rule, the audit log, the
/// engine. Shared by `apply` and `apply --plan`.
pub(crate) async fn apply_plan(
    job: &AccountJob,
    opts: &RunOptions,
    policy: &Policy,
    target: &dyn DirectoryTarget,
    plan: &Plan,
    report: &mut RunReport,
) -> Result<(), RunError> {
    let creates = plan
        .writes()
        .filter(|c| matches!(c.kind, roster_core::ChangeKind::Create { .. }))
        .count();
    let new_account = &policy.new_account;
    if opts.require_initial_password
        && creates > 0
        && new_account.password.is_none()
        && new_account.random_passwords.is_none()
    {
        return Err(ConfigError::NoInitialPassword { count: creates }.into());
    }

    let audit = AuditLog::open(&opts.audit_log).map_err(|source| RunError::AuditLog {
        path: opts.audit_log.clone(),
        source,
    })?;
    let apply_opts = ApplyOptions {
        concurrency: opts.concurrency,
        create_org_units: policy.create_org_units,
        job: job.name.clone(),
        rules: Some(std::sync::Arc::new(policy.clone())),
        ..ApplyOptions::default()
    };
    let writes = plan.writes().count();
    let bar = Bar::for_tty(writes);
    let lines = LogLines::new(writes, opts.progress_interval);
    let progress: &dyn roster_core::apply::Progress = match &bar {
        Some(b) => b,
        None => &lines,
    };
    let calls_before = target.api_calls();
    let api_calls_so_far = report.api_calls;
    roster_core::apply(
        target,
        plan,
        &apply_opts,
        Some(&audit),
        Some(progress),
        report,
    )
    .await;
    if let Some(b) = &bar {
        b.finish();
    }
    report.api_calls = api_calls_so_far + target.api_calls().saturating_sub(calls_before);
    Ok(())
}

/// What the SIS read gives the plan: the schools, each person's desired account, and the
/// summer graduates who lose a licence.
type SisRead = (Vec<roster_core::School>, Vec<Intent>, Vec<LicenceLoss>);

/// Reads the schools and the people in scope; row errors and warnings go to the report.
async fn read_sis(
    job: &AccountJob,
    sis: &dyn SisSource,
    scope: &roster_core::Scope,
    today: chrono::NaiveDate,
    report: &mut RunReport,
) -> Result<SisRead, RunError> {
    let schools = sis.schools(scope).await?;
    if let roster_core::Scope::School(n) = *scope
        && schools.rows.is_empty()
        && schools.errors.is_empty()
    {
        return Err(ConfigError::NoSuchSchool(n).into());
    }
    report.row_errors.extend(schools.errors);
    let schools = schools.rows;
    let mut licence_losses = Vec::new();
    let desired: Vec<Intent> = match &job.population {
        Population::Students(p) => {
            let loaded = sis.students(scope).await?;
            report.row_errors.extend(loaded.errors);
            report.row_warnings.extend(loaded.warnings);
            licence_losses = p.licence_losses(&loaded.rows, today);
            p.desired(&loaded.rows, &all_schools(sis, &schools).await?, today)
        }
        Population::Staff(p) => {
            let loaded = sis.staff(scope).await?;
            report.row_errors.extend(loaded.errors);
            p.desired(&loaded.rows, &all_schools(sis, &schools).await?)
        }
    };
    Ok((schools, desired, licence_losses))
}

/// A run where everyone read was skipped (and the rest unreadable) is not a success (exit 2).
fn nobody_to_sync(report: &RunReport) -> Option<RunError> {
    let skipped: std::collections::BTreeSet<&str> = report
        .skipped
        .iter()
        .map(|s| s.person.id.as_str())
        .collect();
    let (skipped, bad_rows) = (skipped.len(), report.row_errors.len());
    // Nobody read at all is the safety valve's (`no_sis_rows`, `empty_school`).
    if report.people_read > 0 && skipped >= report.people_read {
        return Some(RunError::NobodyToSync {
            total: report.people_read + bad_rows,
            skipped,
            bad_rows,
        });
    }
    None
}

/// The people the policy skipped, for the report.
/// The safety valve's verdict on the report's violations: the refusal (its error names every
/// violation once), or `None` when there is none or `--force` overrides it (each violation is
/// then logged here).
pub(crate) fn safety_refusal(opts: &RunOptions, report: &RunReport) -> Option<RunError> {
    if report.violations.is_empty() {
        return None;
    }
    if !opts.force {
        return Some(RunError::Refused(report.violations.clone()));
    }
    for v in &report.violations {
        tracing::warn!("safety valve: {v}");
    }
    tracing::warn!("--force: applying despite the safety valve");
    None
}

/// The plan's counts per kind and its skipped people, in the report.
pub(crate) fn record_plan(plan: &Plan, report: &mut RunReport) {
    for (k, v) in plan.counts() {
        report.planned.insert(k.to_string(), v);
    }
    report.skipped = skipped(plan);
}

fn skipped(plan: &Plan) -> Vec<Skipped> {
    plan.changes
        .iter()
        .filter_map(|c| match &c.kind {
            roster_core::ChangeKind::Skip { reason } => Some(Skipped {
                person: c.person.clone(),
                reason: reason.clone(),
            }),
            _ => None,
        })
        .collect()
}

/// OU and schema rules need every school (a student's school may be out of scope while the
/// graduated school is not), so read all schools when the scope is narrower.
async fn all_schools(
    sis: &dyn SisSource,
    in_scope: &[roster_core::School],
) -> Result<Vec<roster_core::School>, SourceError> {
    let all = sis.schools(&roster_core::Scope::All).await?.rows;
    Ok(if all.is_empty() {
        in_scope.to_vec()
    } else {
        all
    })
}

pub(crate) fn print_plan(plan: &Plan, json: bool, out: &mut dyn Write) {
    let text = if json {
        plan.to_json() + "\n"
    } else {
        plan.table()
    };
    if let Err(e) = out.write_all(text.as_bytes()) {
        tracing::warn!(error = %e, "cannot print the plan");
    }
}
