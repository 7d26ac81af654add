//! The run report, the audit log, and the exit-code contract (DESIGN §4.6).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::model::{Person, RowError};
use crate::plan::Change;
use crate::safety::SafetyViolation;
use crate::target::TargetError;

/// Process exit codes: 0 all applied, 1 some changes failed, 2 aborted (safety valve or a
/// fatal error such as bad credentials or an unreachable SIS).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitCode {
    /// Everything planned was applied (or nothing was to be).
    Ok = 0,
    /// Some changes failed after their retries.
    SomeFailed = 1,
    /// The run stopped before writing.
    Aborted = 2,
}

impl ExitCode {
    /// The number for `std::process::exit`.
    pub fn code(self) -> i32 {
        self as i32
    }
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(c: ExitCode) -> Self {
        std::process::ExitCode::from(c as u8)
    }
}

/// A change that failed after its retries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeFailure {
    /// Who the change was for.
    pub person: Person,
    /// The change's kind label.
    pub action: String,
    /// The account's primary email.
    pub email: String,
    /// The last error.
    pub error: TargetError,
    /// Attempts made, the first included.
    pub attempts: u32,
}

/// Wall-clock time of each phase, in milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timings {
    /// Reading the SIS.
    pub read_sis_ms: u64,
    /// Listing the directory.
    pub read_directory_ms: u64,
    /// Computing the plan.
    pub plan_ms: u64,
    /// Applying it.
    pub apply_ms: u64,
}

/// Everything a run did, as JSON for `--report FILE`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// The job's name.
    pub job: String,
    /// `plan` (dry run) or `apply`.
    pub mode: String,
    /// When the run started.
    pub started_at: DateTime<Utc>,
    /// When it finished; `None` while running.
    pub finished_at: Option<DateTime<Utc>>,
    /// People the SIS returned.
    pub people_read: usize,
    /// SIS rows that could not be read, each with its location.
    pub row_errors: Vec<RowError>,
    /// Bad optional SIS values (DOB, CLASSOF): the person was read without them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub row_warnings: Vec<RowError>,
    /// Planned changes per kind (skips included).
    pub planned: BTreeMap<String, usize>,
    /// Applied changes per kind.
    pub applied: BTreeMap<String, usize>,
    /// Changes that failed after their retries.
    pub failures: Vec<ChangeFailure>,
    /// People the policy skipped, with the reason.
    pub skipped: Vec<Skipped>,
    /// Why the safety valve refused the plan, if it did.
    pub violations: Vec<SafetyViolation>,
    /// What targets did beyond the plan, one line per change (e.g. a 409 on create that
    /// adopted an existing account).
    pub notes: Vec<String>,
    /// Planned changes `apply --plan` did not apply: their account drifted or vanished since
    /// the plan (exit code 1).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<crate::plan::RefusedChange>,
    /// Set when the run stopped before writing: the safety valve or a fatal error.
    pub aborted: Option<String>,
    /// Directory API calls made.
    pub api_calls: u64,
    /// Retried API calls.
    pub retries: u64,
    /// Time per phase.
    pub timings: Timings,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
/// A person the policy skipped.
pub struct Skipped {
    /// Who.
    pub person: Person,
    /// Why.
    pub reason: String,
}

impl RunReport {
    /// An empty report for a job in a mode (`plan` or `apply`), started now.
    pub fn new(job: impl Into<String>, mode: impl Into<String>) -> Self {
        RunReport {
            job: job.into(),
            mode: mode.into(),
            started_at: Utc::now(),
            finished_at: None,
            people_read: 0,
            row_errors: Vec::new(),
            row_warnings: Vec::new(),
            planned: BTreeMap::new(),
            applied: BTreeMap::new(),
            failures: Vec::new(),
            skipped: Vec::new(),
            violations: Vec::new(),
            notes: Vec::new(),
            refused: Vec::new(),
            aborted: None,
            api_calls: 0,
            retries: 0,
            timings: Timings::default(),
        }
    }

    /// 0, 1 or 2 from what the report holds (see [`ExitCode`]).
    pub fn exit_code(&self) -> ExitCode {
        if self.aborted.is_some() {
            ExitCode::Aborted
        } else if !self.failures.is_empty() || !self.refused.is_empty() {
            ExitCode::SomeFailed
        } else {
            ExitCode::Ok
        }
    }

    /// The report as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report always serialises")
    }

    /// Writes the JSON to `path`.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        std::fs::write(path, self.to_json() + "\n")
    }

    /// A few lines for people.
    pub fn summary(&self) -> String {
        let fmt = |m: &BTreeMap<String, usize>| {
            if m.is_empty() {
                "none".to_string()
            } else {
                m.iter()
                    .map(|(k, v)| format!("{k} {v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        // Skips are not changes: they are counted on the first line.
        let mut planned = self.planned.clone();
        planned.remove("skip");
        let mut s = format!(
            "{} ({}): {} people read, {} bad rows, {} skipped\n  planned: {}\n",
            self.job,
            self.mode,
            self.people_read,
            self.row_errors.len(),
            self.skipped.len(),
            fmt(&planned)
        );
        if self.mode == "apply" {
            s.push_str(&format!(
                "  applied: {}\n  failed: {}, API calls: {}, retries: {}\n",
                fmt(&self.applied),
                self.failures.len(),
                self.api_calls,
                self.retries
            ));
        }
        for f in &self.failures {
            s.push_str(&format!(
                "  FAILED {} {} {}: {}\n",
                f.action, f.person, f.email, f.error
            ));
        }
        for r in &self.refused {
            s.push_str(&format!(
                "  REFUSED {} {} {}: {}\n",
                r.action, r.person, r.email, r.reason
            ));
        }
        if let Some(why) = &self.aborted {
            s.push_str(&format!("  ABORTED: {why}\n"));
        }
        s
    }
}

/// One line of the audit log: a write attempted against the directory and its outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When the write finished.
    pub at: DateTime<Utc>,
    /// The job's name.
    pub job: String,
    /// The change attempted.
    pub change: Change,
    /// `ok` or `failed`.
    pub outcome: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The error, when it failed.
    pub error: Option<TargetError>,
    /// Attempts made, the first included.
    pub attempts: u32,
    /// What the target did beyond the change (e.g. adopted an account on a 409).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The write that carried this change together with other changes of the account (one
    /// `users.patch`), when it did; absent when the change was a call of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call: Option<CombinedCall>,
}

/// One write that carried several changes of one account: each change keeps its own audit
/// line, and the lines of one call share its `id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CombinedCall {
    /// The call's number within the run (1, 2, ...): lines with the same job, run and id
    /// were one write.
    pub id: u64,
    /// The labels of the changes the call carried, in plan order (`update`, `move`, ...).
    pub carried: Vec<String>,
}

/// An append-only JSON-lines log of every write. Lines are flushed as they are written, so a
/// crash loses nothing already done.
#[derive(Debug)]
pub struct AuditLog {
    file: Mutex<File>,
}

impl AuditLog {
    /// Opens `path` for appending, creating it if absent. On Windows too: the standard
    /// library opens it sharing read and write, so an admin can read (or `Get-Content
    /// -Wait`) the log while a run appends to it; its permissions are its folder's.
    pub fn open(path: &Path) -> std::io::Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(AuditLog {
            file: Mutex::new(file),
        })
    }

    /// Appends one line and flushes it.
    pub fn record(&self, entry: &AuditEntry) -> std::io::Result<()> {
        let mut line = serde_json::to_string(entry).map_err(std::io::Error::other)?;
        line.push('\n');
        let mut f = self.file.lock().unwrap_or_else(|e| e.into_inner());
        f.write_all(line.as_bytes())?;
        f.flush()
    }
}
