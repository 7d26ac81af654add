//! The safety valve: refuse a plan that looks like a broken SIS read (DESIGN §4.4).
//!
//! GCDS calls this "deletion limits", Grow an "error percentage threshold". It runs after the
//! plan and before any write; `--force` is the only way past it.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

pub use crate::limits::SafetyLimits;
use crate::model::{School, SchoolNumber};
use crate::plan::Plan;

/// Why a plan was refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "violation", rename_all = "snake_case")]
pub enum SafetyViolation {
    #[error("the SIS returned no people at all; refusing to plan against an empty read")]
    NoSisRows,
    #[error("the SIS returned no people for school {school} ({name}), which is in scope")]
    EmptySchool { school: SchoolNumber, name: String },
    #[error("the plan suspends {planned} of {managed} managed accounts, over the limit of {limit}")]
    TooManySuspensions {
        planned: usize,
        limit: usize,
        managed: usize,
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
    let mut v = Vec::new();
    if plan.people == 0 {
        v.push(SafetyViolation::NoSisRows);
    }
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
    let planned = plan.count("suspend");
    let share_limit = limits
        .max_suspend_share
        .map(|share| (share * plan.managed_accounts as f64).floor() as usize);
    let limit = match (share_limit, limits.max_suspend_count) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    if let Some(limit) = limit
        && planned > limit
    {
        v.push(SafetyViolation::TooManySuspensions {
            planned,
            limit,
            managed: plan.managed_accounts,
        });
    }
    v
}
