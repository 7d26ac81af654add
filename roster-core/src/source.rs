//! Where people come from: a student information system.

use async_trait::async_trait;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::model::{Classes, Loaded, School, SchoolNumber, Staff, Student};
use crate::probe::{Check, ProbeNeeds, probe_reads};

/// Which schools a run covers (the three modes of the D118 student sync).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// Every school in the SIS.
    #[default]
    All,
    /// Schools included in state reporting (`SCHOOLS.STATE_EXCLUDEFROMREPORTING = 0`).
    StateReporting,
    /// One school by number.
    School(SchoolNumber),
}

impl Scope {
    /// Does a school fall in this scope?
    pub fn includes(&self, school: &School) -> bool {
        match self {
            Scope::All => true,
            Scope::StateReporting => !school.state_excluded,
            Scope::School(n) => school.number == *n,
        }
    }
}

/// `all`, `state-reporting` or `school N`: how plan files and messages name a scope.
impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scope::All => f.write_str("all"),
            Scope::StateReporting => f.write_str("state-reporting"),
            Scope::School(n) => write!(f, "school {n}"),
        }
    }
}

/// The cause kept inside a [`SourceError`]: the driver's own error, or its scrubbed message.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Errors that stop a whole SIS read (a bad row is a [`crate::RowError`] instead).
///
/// No variant holds a password: a backend whose driver might echo one (Oracle) scrubs the
/// driver's message when it builds the error, and keeps that text as the cause.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The SIS could not be reached or logged into.
    #[error("cannot connect to the SIS: {0}")]
    Connect(#[source] BoxError),
    /// A database file exists but could not be opened.
    #[error("cannot connect to the SIS: {path}: {source}")]
    Open {
        /// The file.
        path: String,
        #[source]
        /// Why it did not open.
        source: BoxError,
    },
    /// A statement failed, or was refused before it ran (binds that do not match).
    #[error("SIS query failed: {0}")]
    Query(#[source] BoxError),
    /// A file the source reads is missing or malformed.
    #[error("cannot read {path}: {reason}")]
    File {
        /// The file's path.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A read on a worker thread panicked or was cancelled.
    #[error("{what} failed: {source}")]
    Task {
        /// The read that failed.
        what: String,
        #[source]
        /// The panic or cancellation.
        source: BoxError,
    },
    #[error("{0}")]
    /// Any other failure, as text.
    Other(String),
}

impl SourceError {
    /// A [`SourceError::Connect`] from a driver error or a (scrubbed) message.
    pub fn connect(cause: impl Into<BoxError>) -> Self {
        SourceError::Connect(cause.into())
    }

    /// A [`SourceError::Query`] from a driver error or a (scrubbed) message.
    pub fn query(cause: impl Into<BoxError>) -> Self {
        SourceError::Query(cause.into())
    }
}

/// A student information system. Object-safe: districts hold a `Box<dyn SisSource>`.
#[async_trait]
pub trait SisSource: Send + Sync {
    /// Schools in scope; a SCHOOLS row with a bad value (an abbreviation or name that cannot
    /// be an OU name) is a row error, and the people at that school are row errors too.
    async fn schools(&self, scope: &Scope) -> Result<Loaded<School>, SourceError>;
    /// Students in scope; bad rows come back as errors, not failures.
    async fn students(&self, scope: &Scope) -> Result<Loaded<Student>, SourceError>;
    /// Staff in scope; bad rows come back as errors, not failures.
    async fn staff(&self, scope: &Scope) -> Result<Loaded<Staff>, SourceError>;
    /// Terms, sections, enrollments and homeroom teachers as of `today`, for vendor rosters.
    async fn classes(&self, scope: &Scope, today: NaiveDate) -> Result<Classes, SourceError>;
    /// `doctor`'s look at the source, writing nothing: one [`Check`] per thing a run needs.
    /// The default makes every read `needs` asks for ([`probe_reads`]); a source overrides
    /// it to check more first (PowerSchool: its tables; an API: its token; OneRoster: its
    /// files and headers).
    async fn probe(&self, needs: &ProbeNeeds) -> Vec<Check> {
        probe_reads(self, needs).await
    }
}
