//! roster-sis: where people come from.
//!
//! - [`powerschool`]: PowerSchool over SQL, one set of statements run by two backends
//!   (Oracle through the `oracle` crate, and SQLite on a PowerSchool-shaped file).
//! - [`oneroster`]: a OneRoster 1.1 CSV directory, the export most SIS offer.
//! - [`demo`]: a deterministic demo district as a PowerSchool-shaped SQLite file, for the
//!   quickstart, tests and benchmarks.
//!
//! All of them implement [`roster_core::SisSource`]: good rows load, bad rows become
//! [`roster_core::RowError`]s naming where they came from.
//!
//! ```no_run
//! use roster_core::{Scope, SisSource};
//! use roster_sis::OneRosterSource;
//!
//! # async fn run() -> Result<(), roster_core::SourceError> {
//! let sis = OneRosterSource::new("exports/oneroster"); // users.csv, orgs.csv, ...
//! let students = sis.students(&Scope::All).await?;
//! for bad in &students.errors {
//!     eprintln!("{bad}"); // e.g. `users.csv line 17: ...`
//! }
//! println!("{} students", students.rows.len());
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

pub mod demo;
pub mod oneroster;
pub mod powerschool;

pub use demo::{DemoConfig, DemoSummary};
pub use oneroster::OneRosterSource;
pub use powerschool::{
    NameCase, OracleBackend, OracleConfig, OracleError, PowerSchoolOptions, PowerSchoolSource,
    SqlBackend, SqliteBackend,
};
