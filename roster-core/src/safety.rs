//! The safety valve: refuse a plan that looks like a broken SIS read (DESIGN §4.4).
//!
//! GCDS calls this "deletion limits", Grow an "error percentage threshold", ClassLink OneSync
//! guards inserts, updates, enables and disables separately. It runs after the plan and before
//! any write; `--force` is the only way past it. Every limit is a [`crate::limits::Cap`] on one
//! kind of change, for the run (against the managed accounts) and per school (against the
//! school's SIS rows); the empty-school rule is the other check.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

pub use crate::limits::{Cap, CapError, KindCaps, LimitedKind, SafetyLimits};
use crate::model::{Person, School, SchoolNumber};
use crate::plan::Plan;

/// Why a plan (or a vendor file) was refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "violation", rename_all = "snake_case")]
pub enum SafetyViolation {
    #[error("the SIS returned no people at all; refusing to plan against an empty read")]
    /// The SIS returned nobody.
    NoSisRows,
    #[error("the SIS returned no people for school {school} ({name}), which is in scope")]
    /// A school in scope has no SIS rows.
    EmptySchool {
        /// The school number.
        school: SchoolNumber,
        /// The school's name.
        name: String,
    },
    /// More changes of one kind than a limit allows; `people` are the ones planned.
    #[error(
        "the plan has {planned} {kind} change(s){} against {base} {}, over the limit of {limit}",
        school.map(|s| format!(" in school {s}")).unwrap_or_default(),
        if school.is_some() { "SIS rows" } else { "managed accounts" }
    )]
    OverLimit {
        /// The kind of change.
        kind: LimitedKind,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        /// The school, for a per-school limit.
        school: Option<SchoolNumber>,
        /// Changes of that kind planned.
        planned: usize,
        /// The limit, as a count.
        limit: usize,
        /// Managed accounts (run limits) or the school's SIS rows (per-school limits).
        base: usize,
        /// The people those changes are for.
        people: Vec<Person>,
    },
    /// A vendor full-refresh file with a header and no rows.
    #[error("{file} has no rows: a full refresh would remove everyone at the vendor")]
    EmptyFile {
        /// The file's name.
        file: String,
    },
    /// A vendor full-refresh file lost more rows since the last delivery than allowed.
    #[error(
        "{file} has {rows} rows against {previous} last delivered ({dropped_pct:.1}% fewer, over the limit of {max_drop_pct}%): {} key(s) missing",
        missing.len()
    )]
    FileShrank {
        /// The file's name.
        file: String,
        /// Rows in the last delivery.
        previous: usize,
        /// Rows now.
        rows: usize,
        /// The drop, in percent.
        dropped_pct: f64,
        /// The allowed drop, in percent.
        max_drop_pct: f64,
        /// Row keys (the person's id column) delivered last time and absent now.
        missing: Vec<String>,
    },
}

/// Checks a plan against the limits. `schools` are the schools in the run's scope;
/// `may_be_empty` lists those allowed to have no rows. Returns every violation found.
pub fn check(
    plan: &Plan,
    schools: &[School],
    may_be_empty: &BTreeSet<SchoolNumber>,
    limits: &SafetyLimits,
) -> Vec<SafetyViolation> {
    check_with_schools(plan, schools, may_be_empty, limits, &BTreeMap::new())
}

/// [`check`], with each person's school (by person id) for the per-school limits.
pub fn check_with_schools(
    plan: &Plan,
    schools: &[School],
    may_be_empty: &BTreeSet<SchoolNumber>,
    limits: &SafetyLimits,
    school_of: &BTreeMap<String, SchoolNumber>,
) -> Vec<SafetyViolation> {
    let mut v = Vec::new();
    if plan.people == 0 {
        v.push(SafetyViolation::NoSisRows);
    }
    if limits.refuse_empty_school {
        for s in schools {
            if !may_be_empty.contains(&s.number)
                && plan.rows_per_school.get(&s.number).copied().unwrap_or(0) == 0
            {
                v.push(SafetyViolation::EmptySchool {
                    school: s.number,
                    name: s.name.clone(),
                });
            }
        }
    }
    for kind in LimitedKind::ALL {
        let people: Vec<&Person> = plan
            .changes
            .iter()
            .filter(|c| c.kind.label() == kind.label())
            .map(|c| &c.person)
            .collect();
        if let Some(over) = over(
            kind,
            None,
            &people,
            plan.managed_accounts,
            limits.run.get(kind),
        ) {
            v.push(over);
        }
        let cap = limits.per_school.get(kind);
        if cap.is_none() {
            continue;
        }
        let mut by_school: BTreeMap<SchoolNumber, Vec<&Person>> = BTreeMap::new();
        for p in &people {
            if let Some(s) = school_of.get(&p.id) {
                by_school.entry(*s).or_default().push(p);
            }
        }
        for (school, people) in by_school {
            let base = plan.rows_per_school.get(&school).copied().unwrap_or(0);
            if let Some(over) = over(kind, Some(school), &people, base, cap) {
                v.push(over);
            }
        }
    }
    v
}

fn over(
    kind: LimitedKind,
    school: Option<SchoolNumber>,
    people: &[&Person],
    base: usize,
    cap: &Cap,
) -> Option<SafetyViolation> {
    let limit = cap.limit(base)?;
    (people.len() > limit).then(|| SafetyViolation::OverLimit {
        kind,
        school,
        planned: people.len(),
        limit,
        base,
        people: people.iter().map(|p| (*p).clone()).collect(),
    })
}
