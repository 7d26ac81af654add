//! Why a run stopped, as typed errors that name the step and keep their cause (`#[source]`).
//!
//! Every message includes its cause's, so the rendered error is the whole chain: that text is
//! what the log prints and what `RunReport.aborted` records. No variant holds a secret.

use std::path::PathBuf;

use roster_core::vendor::VendorError;
use roster_core::{CapError, SafetyViolation, SourceError, TargetError};

use crate::lock::LockError;
use crate::vendor_guard::StateError;
use roster_google::DirectoryError;
use roster_google::auth::AuthError;
use roster_sftp::delivery::SftpError;

use crate::demo::DemoError;

/// A flag or an environment variable that is missing or wrong.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("--scope school needs --school NUMBER")]
    SchoolWithoutNumber,
    /// `--school N` names a school the SIS does not have (a typo, not a broken SIS read).
    #[error("school {0} does not exist in the SIS (check --school)")]
    NoSuchSchool(i64),
    /// A variable the district's code names (e.g. the SFTP login) is not set.
    #[error("{0} is not set")]
    MissingEnv(String),
    #[error(
        "GOOGLE_SERVICE_ACCOUNT_KEY is set but GOOGLE_ADMIN_SUBJECT (the admin to act as) is not"
    )]
    MissingAdminSubject,
    #[error(
        "no Google credentials: set GOOGLE_SERVICE_ACCOUNT_KEY and GOOGLE_ADMIN_SUBJECT, or put an OAuth client's {credentials} here (see README)"
    )]
    NoGoogleCredentials { credentials: String },
    /// A limit in the district's policy is unusable (a flag's is refused by the parser).
    #[error("the policy's limit {at}: {source}")]
    BadLimit {
        at: String,
        #[source]
        source: CapError,
    },
    /// A value only the district knows (see [`crate::Unset`]) is still unset or a
    /// placeholder: production refuses to start.
    #[error("{0}")]
    UnsetDistrictValues(String),
    /// A setting outside its range (the value is shown escaped: `{:?}`).
    #[error("{name}={value:?} is out of range: {range}")]
    OutOfRange {
        name: &'static str,
        value: String,
        range: &'static str,
    },
    /// Creates are planned, no `NEW_USER_PASSWORD` is set, and the policy does not say that
    /// random passwords are intended (and how people get them).
    #[error(
        "{count} account(s) to create and NEW_USER_PASSWORD is not set: set it, or give the policy a random-password rule that says how people get their passwords"
    )]
    NoInitialPassword { count: usize },
    /// An SFTP override variable (`STMATH_SFTP_PORT`...) with a bad value.
    #[error("{name}={value:?} is refused: {why}")]
    BadEnv {
        /// The variable.
        name: String,
        /// Its value (never a secret: host, port, directory, fingerprint or timeout).
        value: String,
        /// What it must be.
        why: String,
    },
    /// A full-refresh vendor job was given a partial scope.
    #[error(
        "a vendor file is a full refresh of the whole district: --scope/--school ({0}) would send a partial file the vendor takes as everyone; run without --scope and --school (nothing was read, built or sent)"
    )]
    PartialScope(String),
    /// A flag a vendor binary does not honour.
    #[error("{0}")]
    VendorFlag(&'static str),
    /// A bad `--sis` value.
    #[error("{0}")]
    SisChoice(String),
    /// The job reads a field the chosen source does not carry ([`crate::sis_choice`]).
    #[error("{0}")]
    SisLacks(String),
    /// A notification variable (`--notify-on`) missing or wrong.
    #[error("{0}")]
    Notify(#[from] crate::notify::NotifyConfigError),
    /// `--save-plan`/`--plan` in the wrong place.
    #[error("{0}")]
    PlanFlag(#[from] PlanFlagError),
}

/// A reviewed-plan flag used where it does not belong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PlanFlagError {
    /// `plan --plan FILE`.
    #[error("--plan FILE is for `apply` (`plan --save-plan FILE` writes one)")]
    PlanWithoutApply,
    /// `apply --save-plan FILE`.
    #[error("--save-plan FILE is for `plan` (`apply --plan FILE` applies one)")]
    SaveWithApply,
    /// A vendor job given either flag.
    #[error(
        "--save-plan and --plan are for account jobs: a vendor job's plan is the files it writes under --out; review them, then run `apply`"
    )]
    VendorJob,
}

/// Why the production Google directory could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum GoogleSetupError {
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Auth(#[source] AuthError),
    #[error("{0}")]
    Client(#[source] DirectoryError),
}

/// Why an account or vendor run stopped before it finished (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Demo(#[from] DemoError),
    #[error("{0}")]
    Google(#[from] GoogleSetupError),
    /// Connecting to or reading the SIS failed.
    #[error("{0}")]
    ReadSis(#[from] SourceError),
    /// Another run of the same job holds its lock.
    #[error("{0}")]
    Locked(#[source] LockError),
    /// The vendor guard refused a file and `--force` was not given.
    #[error("vendor refresh guard (use --force to override): {}", joined(.0))]
    DeliveryRefused(Vec<SafetyViolation>),
    /// The vendor delivery state could not be read or written.
    #[error("{0}")]
    DeliveryState(#[from] StateError),
    /// Every person the SIS returned was skipped or unreadable: nothing could be synced,
    /// which is a broken SIS read or policy, not a quiet success.
    #[error(
        "nobody to sync: all {total} people the SIS returned were skipped ({skipped}) or unreadable ({bad_rows}); see the plan's SKIPPED list and the report's row_errors"
    )]
    NobodyToSync {
        /// People read plus unreadable rows.
        total: usize,
        /// People the policy skipped.
        skipped: usize,
        /// Rows that could not be read.
        bad_rows: usize,
    },
    /// The reviewed plan file cannot be used (exit 2, one line).
    #[error("{0}")]
    PlanFile(#[from] roster_core::PlanFileError),
    /// The accounts a reviewed plan touches could not be re-read.
    #[error("cannot re-read the accounts the plan touches: {0}")]
    ReadAccounts(#[source] TargetError),
    #[error("cannot list the directory: {0}")]
    ListDirectory(#[source] TargetError),
    /// The safety valve objected and `--force` was not given.
    #[error("safety valve (use --force to override): {}", joined(.0))]
    Refused(Vec<SafetyViolation>),
    /// `plugin DIR` could not write a file (the error names it).
    #[error("cannot write the PowerSchool plugin: {0}")]
    Plugin(#[source] std::io::Error),
    #[error("cannot open the audit log {}: {source}", path.display())]
    AuditLog {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the SIS returned nobody: refusing to send an empty roster (a full refresh would wipe the vendor's)"
    )]
    EmptyRoster,
    /// A vendor export could not be built.
    #[error("{export}: {source}")]
    Export {
        export: String,
        #[source]
        source: VendorError,
    },
    /// The directory for the vendor files could not be created.
    #[error("cannot create {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A vendor file could not be written locally.
    #[error("cannot write {}: {source}", path.display())]
    WriteFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The SFTP delivery stopped: the files that arrived and those that did not are named.
    #[error(
        "SFTP delivery to {addr} failed (delivered: {delivered}; not delivered: {not_delivered}): {source}"
    )]
    Deliver {
        addr: String,
        /// Files replaced on the server, comma-separated, or `none`.
        delivered: String,
        /// Files not replaced, comma-separated.
        not_delivered: String,
        #[source]
        source: SftpError,
    },
}

fn joined(violations: &[SafetyViolation]) -> String {
    let why: Vec<String> = violations.iter().map(ToString::to_string).collect();
    why.join("; ")
}
