//! `SCHOOLS` rows -> [`School`]s.

use std::collections::HashMap;

use roster_core::validate::{self, FieldRules};
use roster_core::{Loaded, School};

use super::super::backend::Rows;
use super::parse::{RowCheck, text};

/// `SCHOOLS` rows. A row without a number, or whose `ABBREVIATION` or `NAME` cannot be an
/// OU name ([`validate::ou_component`]: NULL, '', `X/Y`, `..`, control characters, over 60
/// characters), is a row error and the school is not loaded: the students and staff placed
/// by it become row errors in [`super::students()`] and [`super::staff()`].
///
/// Also returns the refused schools: number -> the row key, for locating their people.
pub fn schools(rows: &Rows, rules: &FieldRules) -> (Loaded<School>, RefusedSchools) {
    let idx = rows.index();
    let mut loaded = Loaded::default();
    let mut refused = RefusedSchools::new();
    for (i, row) in rows.rows.iter().enumerate() {
        let key = text(idx.get(row, "SCHOOL_NUMBER")).unwrap_or_else(|| format!("row {}", i + 1));
        let mut c = RowCheck::new("SCHOOLS", format!("SCHOOL_NUMBER={key}"), &idx, row);
        let number = c.req_int("SCHOOL_NUMBER");
        let number = c.check("SCHOOL_NUMBER", number, |n| {
            validate::school_number(n, rules)
        });
        let excluded = c.opt_int("STATE_EXCLUDEFROMREPORTING").unwrap_or(0) != 0;
        let name = text(c.value("NAME")).unwrap_or_default();
        let name = c.check("NAME", Some(name), |n| validate::ou_component(&n));
        let abbreviation = text(c.value("ABBREVIATION")).unwrap_or_default();
        let abbreviation = c.check("ABBREVIATION", Some(abbreviation), |a| {
            validate::ou_component(&a)
        });
        match (number, name, abbreviation) {
            (Some(number), Some(name), Some(abbreviation)) if c.errors.is_empty() => {
                loaded.rows.push(School {
                    number,
                    name,
                    abbreviation,
                    state_excluded: excluded,
                })
            }
            _ => {
                if let Ok(Some(n)) = super::int(c.value("SCHOOL_NUMBER")) {
                    refused.insert(n, c.source_row());
                }
                loaded.errors.append(&mut c.errors)
            }
        }
    }
    (loaded, refused)
}

/// Schools whose SCHOOLS row was refused: number -> `SCHOOLS SCHOOL_NUMBER=n`.
pub type RefusedSchools = HashMap<i64, String>;

/// The reason given to a person placed by a refused school.
pub fn refused_school_reason(number: i64, row: &str) -> String {
    format!("school {number} is not loaded: its row {row} is refused; this row is not loaded")
}
