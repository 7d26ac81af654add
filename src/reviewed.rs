//! Reviewed plans: `plan --save-plan FILE` writes the plan a person reviews, `apply --plan
//! FILE` applies exactly that plan (issue 14, item 4).
//!
//! The apply never re-plans and never reads the SIS: it re-reads, by immutable id, only the
//! accounts the plan's changes touch, refuses (and reports) every change whose account drifted
//! or vanished since the plan, checks the rest against the same safety limits and applies it.
//! The file format lives in [`roster_core::plan::file`].

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

use chrono::Utc;
use roster_core::model::SchoolNumber;
use roster_core::plan::file::{PLAN_FORMAT, PLAN_FORMAT_VERSION, fingerprint, sis_fingerprint};
use roster_core::policy::Intent;
use roster_core::report::RunReport;
use roster_core::{
    Account, ChangeKind, DirectoryTarget, Plan, PlanFile, Policy, School, Scope, safety,
};

use crate::cli::{Mode, RunOptions};
use crate::error::{PlanFlagError, RunError};
use crate::run::{AccountJob, Population};

/// The roster release that writes and reads plan files.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Refuses `plan --plan` and `apply --save-plan`.
pub fn check_flags(mode: Mode, opts: &RunOptions) -> Result<(), PlanFlagError> {
    match mode {
        Mode::Plan | Mode::Doctor if opts.plan.is_some() => Err(PlanFlagError::PlanWithoutApply),
        Mode::Apply if opts.save_plan.is_some() => Err(PlanFlagError::SaveWithApply),
        _ => Ok(()),
    }
}

/// Refuses either flag on a vendor job.
pub fn refuse_for_vendor(opts: &RunOptions) -> Result<(), PlanFlagError> {
    if opts.plan.is_some() || opts.save_plan.is_some() {
        return Err(PlanFlagError::VendorJob);
    }
    Ok(())
}

/// The district a job belongs to, as plan files record it: its domain(s).
pub fn district(job: &AccountJob) -> String {
    match &job.population {
        Population::Students(p) => p.domain.clone(),
        Population::Staff(p) => p.domains.join(","),
    }
}

/// What a plan was computed from, for its file.
pub struct Read<'a> {
    /// The run's scope.
    pub scope: &'a Scope,
    /// The desired state the SIS read produced.
    pub desired: &'a [Intent],
    /// Every account the directory listing returned.
    pub observed: &'a [Account],
    /// The schools in scope.
    pub schools: &'a [School],
    /// Each person's school, by person id.
    pub school_of: &'a BTreeMap<String, SchoolNumber>,
}

/// Writes the plan file for `plan` with what it was computed from.
pub fn save(
    job: &AccountJob,
    path: &Path,
    read: &Read<'_>,
    plan: &Plan,
) -> Result<(), roster_core::PlanFileError> {
    let changed: std::collections::BTreeSet<&str> =
        plan.writes().map(|c| c.person.id.as_str()).collect();
    let file = PlanFile {
        format: PLAN_FORMAT.into(),
        version: PLAN_FORMAT_VERSION,
        tool_version: TOOL_VERSION.into(),
        job: job.name.clone(),
        district: district(job),
        scope: read.scope.to_string(),
        created_at: Utc::now(),
        sis_fingerprint: sis_fingerprint(read.desired),
        accounts: read
            .observed
            .iter()
            .filter_map(|a| a.id.clone().map(|id| (id, fingerprint(a))))
            .collect(),
        schools: read.schools.to_vec(),
        school_of: read
            .school_of
            .iter()
            .filter(|(id, _)| changed.contains(id.as_str()))
            .map(|(id, s)| (id.clone(), *s))
            .collect(),
        plan: plan.clone(),
        checksum: String::new(),
    };
    file.write(path)?;
    tracing::info!(path = %path.display(), changes = plan.writes().count(), "plan saved");
    Ok(())
}

/// `apply --plan FILE`: the file's changes whose accounts are as planned, within the safety
/// limits; the others refused in the report.
pub async fn apply_reviewed(
    job: &AccountJob,
    path: &Path,
    opts: &RunOptions,
    policy: &Policy,
    target: &dyn DirectoryTarget,
    out: &mut dyn Write,
    report: &mut RunReport,
) -> Result<(), RunError> {
    let file = PlanFile::read(path)?;
    file.check_owner(path, &job.name, &district(job), TOOL_VERSION)?;
    report.notes.push(format!(
        "applying the plan {} made at {} (scope {})",
        path.display(),
        file.created_at.to_rfc3339(),
        file.scope
    ));

    let t = Instant::now();
    let calls_before = target.api_calls();
    let current = target
        .get_accounts_by_id(&file.touched_ids())
        .await
        .map_err(RunError::ReadAccounts)?;
    report.timings.read_directory_ms = t.elapsed().as_millis() as u64;
    let (mut plan, refused) = file.reconcile(&current);
    for r in &refused {
        tracing::warn!(person = %r.person, action = %r.action, "not applied: {}", r.reason);
    }
    report.refused = refused;
    crate::run::record_plan(&plan, report);
    crate::run::print_plan(&plan, opts.json, out);

    report.violations = safety::check_with_schools(
        &plan,
        &file.schools,
        &policy.may_be_empty,
        &policy.safety,
        &file.school_of,
    );
    report.api_calls = target.api_calls().saturating_sub(calls_before);
    if let Some(refused) = crate::run::safety_refusal(opts, report) {
        return Err(refused);
    }
    // The file holds no password: the run supplies the policy's again.
    for c in &mut plan.changes {
        if let ChangeKind::Create { password, .. } = &mut c.kind {
            password.clone_from(&policy.new_account.password);
        }
    }
    crate::run::apply_plan(job, opts, policy, target, &plan, report).await
}
