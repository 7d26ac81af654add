//! A OneRoster 1.1 CSV directory as a [`SisSource`], for districts not on PowerSchool.
//!
//! The directory may also be a `.zip` of the CSV files (at the archive's root), read in
//! memory with limits on entries and inflated size ([`archive`]).
//!
//! Files: `orgs.csv`, `users.csv` (needed by every call), and `academicSessions.csv`,
//! `classes.csv`, `enrollments.csv` (needed by [`SisSource::classes`]). Columns are found by
//! header name, so column order does not matter; extra columns are ignored.
//!
//! Mapping to the model:
//! - **orgs** of type `school` -> [`School`]: the number is `identifier` when numeric, else
//!   `sourcedId` when numeric, else [`derived_id`]`(sourcedId)`; the abbreviation is a
//!   non-numeric `identifier`, else the capitals of the name ("Riverside High School" ->
//!   "RHS"). OneRoster has no state-reporting flag: `state_excluded` is false, so
//!   [`Scope::StateReporting`] is every school.
//! - **users** with role `student` -> [`Student`]: `student_number` is `identifier` (else
//!   `sourcedId`), the school is the first school in `orgSourcedIds`, the grade is the first
//!   of `grades` ([`parse_grade`]), enroll status is active unless `enabledUser` is false or
//!   `status` is `tobedeleted` (then inactive). A later row with a student number already
//!   loaded is a row error.
//! - role `teacher`, `administrator`, `aide` -> [`Staff`]: `dcid` is `sourcedId` when it is
//!   a non-negative integer, else [`derived_id`]`(sourcedId)`; one assignment per school in
//!   `orgSourcedIds` (teacher: staff type 1, others 2; status 1, or 2 when disabled); the
//!   first school is the home school; `identifier` is the teacher number; `sms` the cell
//!   phone. Other roles (parent, guardian, ...) are not people this tool manages: skipped.
//!   PowerSchool's own fields come from the optional extension columns
//!   ([`roster_core::oneroster_extension`], read in `powerschool_columns`) when the file has
//!   them: `metadata.powerschool.dcid` replaces the `sourcedId`-derived DCID,
//!   `.homeschoolid` the first school, `.stafftype` the role's type at the home school, and
//!   `.groupvalue`, `.ptaccess` fill `group`, `pt_access` (else unknown).
//! - **classes** + **enrollments** + **academicSessions** -> [`Classes`] as of `today`:
//!   classes with a term in session, their teacher (primary teacher enrollment first), the
//!   student enrollments in session, and homerooms from classes of `classType` `homeroom`.
//!
//! A malformed row becomes a [`RowError`](roster_core::RowError) such as
//! `users.csv line 7: familyName: is empty` (line 1 is the header); the other rows load.
//!
//! One file per reader (`orgs`, `users`, `sessions`, `classes`, `enrollments`), on the CSV
//! plumbing of `table`; value conversions (ids, grades, abbreviations) in `values`.

pub mod archive;
mod classes;
mod enrollments;
mod orgs;
mod powerschool_columns;
mod sessions;
mod table;
mod users;
mod values;

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use chrono::NaiveDate;
use roster_core::validate::FieldRules;
use roster_core::{Classes, Loaded, School, Scope, SisSource, SourceError, Staff, Student};

use crate::powerschool::NameCase;

pub use self::values::{derived_id, numeric_or_derived, parse_grade};

/// A OneRoster 1.1 CSV directory.
#[derive(Debug, Clone)]
pub struct OneRosterSource {
    dir: PathBuf,
    name_case: NameCase,
    rules: FieldRules,
}

impl OneRosterSource {
    /// A source on the directory holding the OneRoster CSV files, or on a zip of them.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        OneRosterSource {
            dir: dir.into(),
            name_case: NameCase::Keep,
            rules: FieldRules::default(),
        }
    }

    /// Limits of the field checks ([`roster_core::validate`]), e.g. the longest student number.
    pub fn with_rules(mut self, rules: FieldRules) -> Self {
        self.rules = rules;
        self
    }

    /// Title-case person names (default: keep the spelling of the file).
    pub fn with_name_case(mut self, name_case: NameCase) -> Self {
        self.name_case = name_case;
        self
    }

    /// The directory read.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The PowerSchool extension columns ([`roster_core::oneroster_extension`]) the
    /// directory's `users.csv` has in its header; an error when it cannot be read.
    pub fn powerschool_columns(&self) -> Result<Vec<&'static str>, SourceError> {
        powerschool_columns::in_users_header(&self.dir)
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(Read) -> Result<T, SourceError> + Send + 'static,
    ) -> Result<T, SourceError> {
        let read = Read {
            dir: self.dir.clone(),
            names: self.name_case,
            rules: self.rules,
        };
        tokio::task::spawn_blocking(move || f(read))
            .await
            .map_err(|e| SourceError::Other(format!("OneRoster read task failed: {e}")))?
    }
}

#[async_trait]
impl SisSource for OneRosterSource {
    async fn schools(&self, scope: &Scope) -> Result<Loaded<School>, SourceError> {
        let scope = scope.clone();
        self.blocking(move |r| {
            let orgs = r.orgs()?;
            let rows = orgs
                .schools
                .into_iter()
                .filter(|s| scope.includes(s))
                .collect();
            Ok(Loaded::new(rows, orgs.errors))
        })
        .await
    }

    async fn students(&self, scope: &Scope) -> Result<Loaded<Student>, SourceError> {
        let scope = scope.clone();
        self.blocking(move |r| {
            let orgs = r.orgs()?;
            Ok(r.users(&orgs, &scope)?.students)
        })
        .await
    }

    async fn staff(&self, scope: &Scope) -> Result<Loaded<Staff>, SourceError> {
        let scope = scope.clone();
        self.blocking(move |r| {
            let orgs = r.orgs()?;
            Ok(r.users(&orgs, &scope)?.staff)
        })
        .await
    }

    async fn classes(&self, scope: &Scope, today: NaiveDate) -> Result<Classes, SourceError> {
        let scope = scope.clone();
        self.blocking(move |r| r.classes(&scope, today)).await
    }
}

/// The readers of one directory, run on a blocking thread.
struct Read {
    dir: PathBuf,
    names: NameCase,
    rules: FieldRules,
}
