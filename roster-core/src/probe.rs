//! What a setup check (`doctor`) asks of a source: one verdict per thing checked, each
//! failure with the one-line fix an admin can act on. Nothing here writes.
//!
//! [`crate::SisSource::probe`] returns [`Check`]s; its default reads what a run reads
//! ([`probe_reads`]); a source with more to say (PowerSchool's tables, an API's token,
//! OneRoster's files and headers) overrides it.

use chrono::NaiveDate;

use crate::source::{Scope, SisSource};

/// How one check came out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// It works; the detail says what was seen (counts, a path, an account).
    Ok(String),
    /// It does not: why, and the one-line fix.
    Fail {
        /// What is wrong (never a secret).
        why: String,
        /// What to do about it.
        fix: String,
    },
    /// Not checked, and why (an earlier failure, or not used in this mode).
    Skipped(String),
}

/// One line of a setup checklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// What was checked (`SIS tables`, `Google scopes`).
    pub name: String,
    /// The outcome.
    pub verdict: Verdict,
}

impl Check {
    /// A check that passed.
    pub fn ok(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Check {
            name: name.into(),
            verdict: Verdict::Ok(detail.into()),
        }
    }

    /// A check that failed, with its fix.
    pub fn fail(name: impl Into<String>, why: impl Into<String>, fix: impl Into<String>) -> Self {
        Check {
            name: name.into(),
            verdict: Verdict::Fail {
                why: why.into(),
                fix: fix.into(),
            },
        }
    }

    /// A check not made, with the reason.
    pub fn skipped(name: impl Into<String>, reason: impl Into<String>) -> Self {
        Check {
            name: name.into(),
            verdict: Verdict::Skipped(reason.into()),
        }
    }

    /// Did it fail?
    pub fn failed(&self) -> bool {
        matches!(self.verdict, Verdict::Fail { .. })
    }
}

/// What the job reads from the source, so the probe asks for exactly that.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProbeNeeds {
    /// Students (account jobs for students, vendor jobs).
    pub students: bool,
    /// Staff (staff account jobs, vendor jobs).
    pub staff: bool,
    /// Classes as of this date (vendor jobs).
    pub classes_as_of: Option<NaiveDate>,
}

/// The default probe: every read a run makes (schools, and what `needs` asks for) over the
/// whole district, one [`Check`] each with the rows read and the bad ones.
pub async fn probe_reads<S: SisSource + ?Sized>(sis: &S, needs: &ProbeNeeds) -> Vec<Check> {
    let fix = "check the SIS account's read access to this data (docs/DOCTOR.md#sis-queries)";
    let all = Scope::All;
    let counted = |name: &str, rows: usize, bad: usize| {
        Check::ok(name, format!("{rows} rows, {bad} refused as bad rows"))
    };
    let mut out = Vec::new();
    out.push(match sis.schools(&all).await {
        Ok(l) if l.rows.is_empty() => Check::fail(
            "SIS query: schools",
            "the SIS returned no schools",
            "point the job at the production SIS (an empty database is not a district)",
        ),
        Ok(l) => counted("SIS query: schools", l.rows.len(), l.errors.len()),
        Err(e) => Check::fail("SIS query: schools", e.to_string(), fix),
    });
    if needs.students {
        out.push(match sis.students(&all).await {
            Ok(l) => counted("SIS query: students", l.rows.len(), l.errors.len()),
            Err(e) => Check::fail("SIS query: students", e.to_string(), fix),
        });
    }
    if needs.staff {
        out.push(match sis.staff(&all).await {
            Ok(l) => counted("SIS query: staff", l.rows.len(), l.errors.len()),
            Err(e) => Check::fail("SIS query: staff", e.to_string(), fix),
        });
    }
    if let Some(today) = needs.classes_as_of {
        out.push(match sis.classes(&all, today).await {
            Ok(c) => Check::ok(
                "SIS query: classes",
                format!(
                    "{} sections, {} enrollments, {} refused as bad rows",
                    c.sections.len(),
                    c.enrollments.len(),
                    c.errors.len()
                ),
            ),
            Err(e) => Check::fail("SIS query: classes", e.to_string(), fix),
        });
    }
    out
}
