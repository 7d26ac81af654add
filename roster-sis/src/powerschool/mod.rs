//! PowerSchool as a [`SisSource`]: one set of SQL ([`sql`]), two backends ([`SqliteBackend`],
//! [`OracleBackend`]) behind [`SqlBackend`], and shared row mapping ([`map`]).
//!
//! ```no_run
//! # async fn demo() -> Result<(), roster_core::SourceError> {
//! use roster_core::{Scope, SisSource};
//! use roster_sis::powerschool::{PowerSchoolOptions, PowerSchoolSource};
//! // The demo district (see `roster_sis::demo`), or PowerSchool itself with
//! // `PowerSchoolSource::oracle_from_env(options).await?`.
//! let sis = PowerSchoolSource::sqlite("demo.sqlite", PowerSchoolOptions::default())?;
//! let students = sis.students(&Scope::StateReporting).await?;
//! println!("{} students, {} bad rows", students.rows.len(), students.errors.len());
//! # Ok(()) }
//! ```

pub mod backend;
pub mod instant_client;
pub mod map;
pub mod oracle;
pub mod probe;
pub mod sql;
pub mod sqlite;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::NaiveDate;
use roster_core::validate::FieldRules;
use roster_core::{
    Classes, Loaded, RowError, School, Scope, SisSource, SourceError, Staff, Student,
};

pub use self::backend::{Bind, Rows, SqlBackend, Value};
pub use self::map::NameCase;
pub use self::oracle::{OracleBackend, OracleConfig, OracleError};
pub use self::sql::ScopedSql;
pub use self::sqlite::SqliteBackend;

/// District choices for reading PowerSchool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PowerSchoolOptions {
    /// Person-name casing; default [`NameCase::Keep`] (the SIS spelling).
    pub name_case: NameCase,
    /// The `CC.EXPRESSION` of the homeroom period; default `1(A)`.
    pub homeroom_expression: String,
    /// A statement returning `USERSDCID, CELLPHONE` (no binds), run after the staff query;
    /// e.g. [`sql::D118_CELL_PHONES`]. `None` (default) leaves `Staff::cell_phone` empty.
    /// A `&'static str` on purpose: statements are constants, never built from values.
    pub cell_phone_sql: Option<&'static str>,
    /// Limits of the field checks ([`roster_core::validate`]), e.g. the longest student number.
    pub rules: FieldRules,
    /// A statement returning `STUDENTSDCID, WEB_USERNAME, WEB_PASSWORD` (no binds), run after
    /// the students query; e.g. KIPP's over its custom fields
    /// (`kipp_chicago_stmath::WEB_LOGIN_SQL`). `None` (default) leaves
    /// `Student::web_username` / `web_password` empty. The password becomes a
    /// [`roster_core::Secret`] as it is read.
    pub web_login_sql: Option<&'static str>,
}

impl Default for PowerSchoolOptions {
    fn default() -> Self {
        PowerSchoolOptions {
            name_case: NameCase::Keep,
            homeroom_expression: "1(A)".into(),
            cell_phone_sql: None,
            rules: FieldRules::default(),
            web_login_sql: None,
        }
    }
}

/// PowerSchool read through a [`SqlBackend`]. Queries run on the blocking thread pool.
pub struct PowerSchoolSource<B: SqlBackend> {
    backend: Arc<B>,
    options: PowerSchoolOptions,
}

impl<B: SqlBackend> std::fmt::Debug for PowerSchoolSource<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PowerSchoolSource")
            .field("backend", &self.backend.name())
            .field("options", &self.options)
            .finish()
    }
}

impl PowerSchoolSource<SqliteBackend> {
    /// A PowerSchool-shaped SQLite file (e.g. from [`crate::demo::generate`]).
    pub fn sqlite(
        path: impl AsRef<Path>,
        options: PowerSchoolOptions,
    ) -> Result<Self, SourceError> {
        Ok(Self::new(SqliteBackend::open(path)?, options))
    }
}

impl PowerSchoolSource<OracleBackend> {
    /// Connects with `POWERSCHOOL_READ_USER`, `POWERSCHOOL_DB_PASSWORD`, `POWERSCHOOL_PROD_DB`.
    pub async fn oracle_from_env(options: PowerSchoolOptions) -> Result<Self, SourceError> {
        let config = OracleConfig::from_env()?;
        Ok(Self::new(
            OracleBackend::connect_async(config).await?,
            options,
        ))
    }
}

impl<B: SqlBackend> PowerSchoolSource<B> {
    /// A source on a backend, with these options.
    pub fn new(backend: B, options: PowerSchoolOptions) -> Self {
        PowerSchoolSource {
            backend: Arc::new(backend),
            options,
        }
    }

    /// The options.
    pub fn options(&self) -> &PowerSchoolOptions {
        &self.options
    }

    /// The backend.
    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// Runs one statement off the async runtime.
    async fn run(
        &self,
        name: &'static str,
        sql: &'static str,
        binds: Vec<Bind>,
    ) -> Result<Rows, SourceError> {
        let backend = Arc::clone(&self.backend);
        let started = std::time::Instant::now();
        let rows = tokio::task::spawn_blocking(move || backend.query(sql, &binds))
            .await
            .map_err(|e| SourceError::Task {
                what: format!("query task {name}"),
                source: Box::new(e),
            })??;
        tracing::debug!(
            query = name,
            backend = self.backend.name(),
            rows = rows.rows.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "PowerSchool query"
        );
        Ok(rows)
    }

    async fn run_scoped(
        &self,
        q: ScopedSql,
        scope: &Scope,
        mut binds: Vec<Bind>,
    ) -> Result<Rows, SourceError> {
        binds.extend(ScopedSql::scope_binds(scope));
        self.run(q.name, q.sql(scope), binds).await
    }

    /// Schools whose SCHOOLS row is refused (any scope: a student's school may be out of it).
    async fn refused_schools(&self) -> Result<map::RefusedSchools, SourceError> {
        let rows = self
            .run_scoped(sql::SCHOOLS, &Scope::All, Vec::new())
            .await?;
        Ok(map::schools(&rows, &self.options.rules).1)
    }

    fn log_errors(what: &str, errors: &[roster_core::RowError]) {
        for e in errors {
            tracing::warn!(source = what, row = %e.source_row, field = %e.field, reason = %e.reason, "bad SIS row");
        }
    }
}

#[async_trait]
impl<B: SqlBackend> SisSource for PowerSchoolSource<B> {
    async fn schools(&self, scope: &Scope) -> Result<Loaded<School>, SourceError> {
        let rows = self.run_scoped(sql::SCHOOLS, scope, Vec::new()).await?;
        let (loaded, _) = map::schools(&rows, &self.options.rules);
        Self::log_errors("SCHOOLS", &loaded.errors);
        Ok(loaded)
    }

    async fn students(&self, scope: &Scope) -> Result<Loaded<Student>, SourceError> {
        let refused = self.refused_schools().await?;
        let rows = self.run_scoped(sql::STUDENTS, scope, Vec::new()).await?;
        let mut loaded =
            map::students(&rows, self.options.name_case, &self.options.rules, &refused);
        if let Some(q) = self.options.web_login_sql {
            let logins = self.run("web_logins", q, Vec::new()).await?;
            let mut errors = map::web_logins(&logins, &mut loaded.rows);
            loaded.errors.append(&mut errors);
        }
        Self::log_errors("STUDENTS", &loaded.errors);
        Self::log_errors("STUDENTS (optional values ignored)", &loaded.warnings);
        Ok(loaded)
    }

    async fn staff(&self, scope: &Scope) -> Result<Loaded<Staff>, SourceError> {
        let refused = self.refused_schools().await?;
        let rows = self.run_scoped(sql::STAFF, scope, Vec::new()).await?;
        let (phones, mut phone_errors) = match self.options.cell_phone_sql {
            Some(q) => map::cell_phones(&self.run("cell_phones", q, Vec::new()).await?),
            None => (HashMap::new(), Vec::new()),
        };
        let mut loaded = map::staff(
            &rows,
            self.options.name_case,
            &phones,
            &self.options.rules,
            &refused,
        );
        loaded.errors.append(&mut phone_errors);
        Self::log_errors("USERS", &loaded.errors);
        Ok(loaded)
    }

    async fn probe(
        &self,
        needs: &roster_core::probe::ProbeNeeds,
    ) -> Vec<roster_core::probe::Check> {
        probe::probe(self, needs).await
    }

    async fn classes(&self, scope: &Scope, today: NaiveDate) -> Result<Classes, SourceError> {
        let today_bind = || vec![("today", Value::Date(today))];
        let terms = self.run_scoped(sql::TERMS, scope, today_bind()).await?;
        let sections = self.run_scoped(sql::SECTIONS, scope, today_bind()).await?;
        let enrollments = self
            .run_scoped(sql::ENROLLMENTS, scope, today_bind())
            .await?;
        let mut hr_binds = today_bind();
        hr_binds.push((
            "expression",
            Value::Text(self.options.homeroom_expression.clone()),
        ));
        let homerooms = self.run_scoped(sql::HOMEROOMS, scope, hr_binds).await?;
        let (terms, e1) = map::terms(&terms);
        let (sections, e2) = map::sections(&sections);
        let (enrollments, e3) = map::enrollments(&enrollments);
        let errors: Vec<RowError> = [e1, e2, e3].concat();
        Self::log_errors("classes", &errors);
        Ok(Classes {
            terms,
            sections,
            enrollments,
            homerooms: map::homerooms(&homerooms),
            errors,
        })
    }
}
