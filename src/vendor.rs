//! The vendor job: read the roster, build the vendor's files, write them locally, and (on
//! `apply`) deliver them over SFTP with the pinned host key.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

use chrono::Utc;

use roster_core::report::RunReport;
use roster_core::{Roster, SafetyViolation, SisSource, Student, VendorExport};
use roster_sftp::Secret;
use roster_sftp::delivery::{Delivery, SftpAuth, SftpTarget, Upload};
use roster_sftp::vendor::VendorChecks;

use crate::cli::{Mode, RunOptions};
use crate::error::{ConfigError, RunError};
use crate::lock::{RunLock, lock_path};
use crate::vendor_guard::{self as guard, DeliveryState};

type StudentFilter = Box<dyn Fn(&Student) -> bool + Send + Sync>;

/// One vendor feed: which students go in, which formats, where they are sent.
pub struct VendorJob {
    pub name: String,
    /// Students that belong in the feed (KIPP's ST Math: not grades 3 and 4).
    pub students: StudentFilter,
    pub exports: Vec<Box<dyn VendorExport>>,
    pub sftp: Option<SftpSettings>,
    /// The checks every person passes before any file lists them (the district's domains and
    /// bad-name list; see [`VendorChecks`]): a person who fails is a row error, in no file.
    pub checks: VendorChecks,
    /// The district's minimum data rows per full-refresh file, by file name
    /// (`students.csv`): a file below it is not delivered (exit 2) unless `--force`. Unlike
    /// `--max-drop` it needs no earlier delivery, so it also guards a first run and a run
    /// whose delivery state was lost.
    pub min_rows: BTreeMap<String, usize>,
}

/// A vendor's SFTP drop as the district's code pins it; the login comes from the environment.
#[derive(Debug, Clone)]
pub struct SftpSettings {
    pub host: String,
    pub port: u16,
    /// The server's host key, `SHA256:...` (print it once with `sftp-fingerprint HOST`).
    pub host_key_sha256: String,
    pub remote_dir: String,
    /// Environment variables holding the user name and the password.
    pub user_env: String,
    pub password_env: String,
    /// Prefix of the variables that override the drop, e.g. `STMATH_SFTP` for
    /// `STMATH_SFTP_HOST`, `_PORT`, `_DIR`, `_FINGERPRINT`, `_TIMEOUT` ([`crate::vendor_env`]).
    pub env_prefix: String,
    /// How long a silent server is waited for (connect, SSH banner and key exchange, each
    /// write) before the delivery gives up; [`crate::vendor_env::DEFAULT_SFTP_TIMEOUT`].
    pub timeout: std::time::Duration,
}

impl SftpSettings {
    /// The delivery target, with a dated copy of every file kept under `dir/archive`.
    pub fn target_from_env(&self, dir: &Path) -> Result<SftpTarget, ConfigError> {
        let user = std::env::var(&self.user_env)
            .map_err(|_| ConfigError::MissingEnv(self.user_env.clone()))?;
        let password = Secret::from_env(&self.password_env)
            .ok_or_else(|| ConfigError::MissingEnv(self.password_env.clone()))?;
        let target = SftpTarget::new(
            &self.host,
            user,
            SftpAuth::Password(password),
            &self.host_key_sha256,
        )
        .port(self.port)
        .remote_dir(&self.remote_dir)
        .archive_dir(dir.join("archive"));
        Ok(self.apply_timeout(target))
    }
}

/// Builds the files into `dir` and, in `apply` mode with a target, uploads them.
pub async fn run_vendor(
    job: &VendorJob,
    mode: Mode,
    opts: &RunOptions,
    sis: &dyn SisSource,
    dir: &Path,
    target: Option<&SftpTarget>,
    out: &mut dyn Write,
) -> RunReport {
    let mut report = RunReport::new(&job.name, mode.name());
    let result = vendor_inner(job, mode, opts, sis, dir, target, out, &mut report).await;
    crate::run::conclude(report, result, opts)
}

#[allow(clippy::too_many_arguments)]
async fn vendor_inner(
    job: &VendorJob,
    mode: Mode,
    opts: &RunOptions,
    sis: &dyn SisSource,
    dir: &Path,
    target: Option<&SftpTarget>,
    out: &mut dyn Write,
    report: &mut RunReport,
) -> Result<(), RunError> {
    crate::vendor_env::refuse_partial_scope(opts)?;
    let scope = opts.scope()?;
    crate::reviewed::refuse_for_vendor(opts).map_err(ConfigError::from)?;
    let lock = RunLock::acquire(&lock_path(&opts.audit_log, &job.name), &job.name)
        .map_err(RunError::Locked)?;
    if let Some(stale) = &lock.took_over {
        report.notes.push(stale.to_string());
    }
    let state_path = guard::state_path(&opts.audit_log, &job.name);
    let mut state = DeliveryState::load(&state_path)?;
    let t = Instant::now();
    let schools = sis.schools(&scope).await?;
    report.row_errors.extend(schools.errors);
    let schools = schools.rows;
    let students = sis.students(&scope).await?;
    let staff = sis.staff(&scope).await?;
    let classes = sis.classes(&scope, opts.today()).await?;
    report.row_errors.extend(students.errors);
    report.row_warnings.extend(students.warnings);
    report.row_errors.extend(staff.errors);
    report.row_errors.extend(classes.errors.iter().cloned());
    let read_errors = report.row_errors.clone();
    let screened = job.checks.screen_after(
        Roster {
            schools,
            students: students
                .rows
                .into_iter()
                .filter(|s| (job.students)(s))
                .collect(),
            staff: staff.rows,
            classes,
        },
        &read_errors,
    );
    for e in &screened.errors {
        tracing::warn!(row = %e.source_row, "left out of every vendor file: {}: {}", e.field, e.reason);
    }
    report.row_errors.extend(screened.errors);
    let roster = screened.roster;
    report.people_read = roster.students.len() + roster.staff.len();
    report.timings.read_sis_ms = t.elapsed().as_millis() as u64;
    if report.people_read == 0 {
        return Err(RunError::EmptyRoster);
    }

    std::fs::create_dir_all(dir).map_err(|source| RunError::CreateDir {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut uploads = Vec::new();
    let mut built_files = Vec::new();
    let now = Utc::now();
    for export in &job.exports {
        let built = export.export(&roster).map_err(|source| RunError::Export {
            export: export.name().to_string(),
            source,
        })?;
        for e in &built.errors {
            tracing::warn!(export = export.name(), row = %e.source_row, "left out: {}: {}", e.field, e.reason);
        }
        report.row_errors.extend(built.errors);
        for file in built.files {
            let path = dir.join(&file.name);
            std::fs::write(&path, &file.bytes).map_err(|source| RunError::WriteFile {
                path: path.clone(),
                source,
            })?;
            let _ = writeln!(
                out,
                "{:<10} {:>12} bytes  {}",
                export.name(),
                file.bytes.len(),
                path.display()
            );
            *report.planned.entry("file".into()).or_insert(0) += 1;
            let key_column = state
                .files
                .get(&file.name)
                .and_then(|d| d.key_column.as_deref());
            let summary = guard::summarize(&file.name, &file.bytes, now, key_column);
            built_files.push((file.name.clone(), summary));
            uploads.push(Upload::from(file));
        }
    }

    refresh_guard(&state, &built_files, &job.min_rows, opts, report)
        .map_err(RunError::DeliveryRefused)?;
    // Only `apply` sends (`doctor` never reaches a run: the mains divert it).
    if mode != Mode::Apply {
        return Ok(());
    }
    let Some(target) = target else {
        let _ = writeln!(
            out,
            "no SFTP target configured: files written, nothing sent"
        );
        return Ok(());
    };
    let t = Instant::now();
    let delivery = target.deliver(uploads).await;
    report.timings.apply_ms = t.elapsed().as_millis() as u64;
    report_delivery(&delivery, out, report);
    if let Some(source) = delivery.error {
        // Only what arrived is recorded: the guard compares the next run with it.
        let arrived: Vec<_> = built_files
            .into_iter()
            .filter(|(name, _)| delivery.delivered.iter().any(|d| &d.name == name))
            .collect();
        state.record(&arrived);
        state.save(&state_path)?;
        return Err(RunError::Deliver {
            addr: target.addr(),
            delivered: names(delivery.delivered.iter().map(|d| d.name.as_str())),
            not_delivered: names(delivery.not_delivered.iter().map(String::as_str)),
            source,
        });
    }
    state.record(&built_files);
    state.save(&state_path)?;
    drop(lock);
    Ok(())
}

/// Prints one line per file delivered and per file not, and puts the true counts in the
/// report: `applied: upload N`, `retries` = reconnections after a failed attempt.
fn report_delivery(delivery: &Delivery, out: &mut dyn Write, report: &mut RunReport) {
    for s in &delivery.delivered {
        let _ = writeln!(
            out,
            "sent {} ({} bytes, attempt {})",
            s.remote_path, s.bytes, s.attempts
        );
    }
    for name in &delivery.not_delivered {
        let _ = writeln!(out, "NOT sent {name} (the server keeps its previous copy)");
    }
    if !delivery.delivered.is_empty() {
        let n = delivery.delivered.len();
        report.applied.insert("upload".into(), n);
    }
    report.retries += u64::from(delivery.retries);
}

fn names<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let v: Vec<&str> = names.collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// Refuses files that would empty or shrink the vendor's roster, unless `--force`; what it
/// finds goes in the report either way.
fn refresh_guard(
    state: &DeliveryState,
    files: &[(String, guard::Delivered)],
    minimums: &BTreeMap<String, usize>,
    opts: &RunOptions,
    report: &mut RunReport,
) -> Result<(), Vec<SafetyViolation>> {
    let mut violations = guard::check(state, files, opts.max_drop);
    violations.extend(guard::below_minimum(files, minimums));
    if violations.is_empty() {
        return Ok(());
    }
    for v in &violations {
        tracing::warn!("vendor refresh guard: {v}");
    }
    report.violations.extend(violations.iter().cloned());
    if !opts.force {
        return Err(violations);
    }
    tracing::warn!("--force: delivering despite the vendor refresh guard");
    Ok(())
}
