//! Where people come from: a student information system.

use async_trait::async_trait;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::model::{Classes, Loaded, School, SchoolNumber, Staff, Student};

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

/// Errors that stop a whole SIS read (a bad row is a [`crate::RowError`] instead).
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("cannot connect to the SIS: {0}")]
    Connect(String),
    #[error("SIS query failed: {0}")]
    Query(String),
    #[error("cannot read {path}: {reason}")]
    File { path: String, reason: String },
    #[error("{0}")]
    Other(String),
}

/// A student information system. Object-safe: districts hold a `Box<dyn SisSource>`.
#[async_trait]
pub trait SisSource: Send + Sync {
    async fn schools(&self, scope: &Scope) -> Result<Vec<School>, SourceError>;
    async fn students(&self, scope: &Scope) -> Result<Loaded<Student>, SourceError>;
    async fn staff(&self, scope: &Scope) -> Result<Loaded<Staff>, SourceError>;
    /// Terms, sections, enrollments and homeroom teachers as of `today`, for vendor rosters.
    async fn classes(&self, scope: &Scope, today: NaiveDate) -> Result<Classes, SourceError>;
}
