//! The safety valve: refuse a plan that looks like a broken SIS read (DESIGN §4.4).
//!
//! GCDS calls this "deletion limits", Grow an "error percentage threshold", ClassLink OneSync
//! guards inserts, updates, enables and disables separately. It runs after the plan and before
//! any write; `--force` is the only way past it. Every limit is a [`crate::limits::Cap`] on one
//! kind of change, for the run (against the managed accounts) and per school (against the
//! school's managed accounts; creates against its SIS rows); beside them, the empty-school
//! rule refuses a school in scope that read no SIS rows at all.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

pub use crate::limits::{
    Cap, CapError, DEFAULT_MAX_REMOVE_LICENCE, KindCaps, LimitedKind, SafetyLimits,
};
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
        base_name(*kind, school.is_some())
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
        /// Managed accounts (run limits), the school's managed accounts (per-school limits),
        /// or for per-school creates the school's SIS rows.
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
    /// A vendor full-refresh file with fewer rows than the district's minimum for it (the
    /// check that needs no earlier delivery: a first run, or a lost delivery state).
    #[error(
        "{file} has {rows} rows, under the district's minimum of {minimum}: a full refresh would remove everyone else at the vendor"
    )]
    BelowMinimum {
        /// The file's name.
        file: String,
        /// Rows in the file.
        rows: usize,
        /// The district's minimum.
        minimum: usize,
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
            let base = per_school_base(plan, kind, school);
            if let Some(over) = over(kind, Some(school), &people, base, cap) {
                v.push(over);
            }
        }
    }
    v
}

/// What a per-school limit counts against: the school's managed accounts (those the plan
/// matched to its people), so that one school's broken feed cannot suspend, move or rename
/// more than its share of that school; for creates, which have no accounts yet, its SIS rows.
pub fn per_school_base(plan: &Plan, kind: LimitedKind, school: SchoolNumber) -> usize {
    let per = match kind {
        LimitedKind::Create => &plan.rows_per_school,
        _ => &plan.managed_per_school,
    };
    per.get(&school).copied().unwrap_or(0)
}

/// The base's name in a violation's message.
fn base_name(kind: LimitedKind, per_school: bool) -> &'static str {
    match (per_school, kind) {
        (false, _) => "managed accounts",
        (true, LimitedKind::Create) => "SIS rows of the school",
        (true, _) => "managed accounts of the school",
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PersonKind;
    use crate::plan::{Change, ChangeKind};

    fn suspend(id: &str) -> Change {
        Change {
            person: Person {
                kind: PersonKind::Student,
                id: id.into(),
                name: "B, A".into(),
            },
            email: format!("{id}@d.org"),
            account_id: Some(id.into()),
            kind: ChangeKind::Suspend,
        }
    }

    /// School 1 has 100 managed accounts and 25 suspensions; school 2 has 400 and 10.
    fn broken_feed_at_school_1() -> (Plan, BTreeMap<String, SchoolNumber>) {
        let mut plan = Plan {
            managed_accounts: 500,
            people: 500,
            rows_per_school: BTreeMap::from([(1, 100), (2, 400)]),
            managed_per_school: BTreeMap::from([(1, 100), (2, 400)]),
            ..Plan::default()
        };
        let mut school_of = BTreeMap::new();
        for (school, n) in [(1, 25), (2, 10)] {
            for i in 0..n {
                let id = format!("{school}-{i}");
                school_of.insert(id.clone(), school);
                plan.changes.push(suspend(&id));
            }
        }
        (plan, school_of)
    }

    #[test]
    fn one_schools_broken_feed_is_refused_when_the_district_share_is_fine() {
        let (plan, school_of) = broken_feed_at_school_1();
        let mut limits = SafetyLimits::default();
        limits.run.suspend = Cap::share(0.10); // 35 of 500 = 7%: fine for the district
        assert!(check_with_schools(&plan, &[], &BTreeSet::new(), &limits, &school_of).is_empty());

        limits.per_school.suspend = Cap::share(0.20);
        let v = check_with_schools(&plan, &[], &BTreeSet::new(), &limits, &school_of);
        let [
            SafetyViolation::OverLimit {
                kind: LimitedKind::Suspend,
                school: Some(1),
                planned: 25,
                limit: 20,
                base: 100,
                people,
            },
        ] = v.as_slice()
        else {
            panic!("{v:?}")
        };
        assert_eq!(people.len(), 25);
        assert!(people.iter().all(|p| p.id.starts_with("1-")));
        let why = v[0].to_string();
        assert!(
            why.contains("in school 1 against 100 managed accounts of the school"),
            "{why}"
        );
    }

    #[test]
    fn the_empty_school_rule_sits_beside_the_per_school_caps() {
        let (plan, school_of) = broken_feed_at_school_1();
        let school = |number| School {
            number,
            name: format!("S{number}"),
            abbreviation: String::new(),
            state_excluded: false,
        };
        let schools = [school(1), school(2), school(3)];
        let mut limits = SafetyLimits::default();
        limits.run.suspend = Cap::NONE;
        limits.per_school.suspend = Cap::share(0.20);
        let v = check_with_schools(&plan, &schools, &BTreeSet::new(), &limits, &school_of);
        assert!(v.contains(&SafetyViolation::EmptySchool {
            school: 3,
            name: "S3".into()
        }));
        assert_eq!(v.len(), 2, "{v:?}");
        // A school allowed to be empty, and the rule off: only the cap remains.
        let v = check_with_schools(&plan, &schools, &BTreeSet::from([3]), &limits, &school_of);
        assert_eq!(v.len(), 1, "{v:?}");
        limits.refuse_empty_school = false;
        let v = check_with_schools(&plan, &schools, &BTreeSet::new(), &limits, &school_of);
        assert_eq!(v.len(), 1, "{v:?}");
    }
}
