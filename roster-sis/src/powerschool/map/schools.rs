//! `SCHOOLS` rows -> [`School`]s.

use roster_core::{RowError, School};

use super::super::backend::Rows;
use super::parse::{RowCheck, text};

/// `SCHOOLS` rows. The trait returns plain schools, so a school row without a number is
/// logged and skipped (and listed in the second value); NULL name/abbreviation read as "".
pub fn schools(rows: &Rows) -> (Vec<School>, Vec<RowError>) {
    let idx = rows.index();
    let mut out = Vec::with_capacity(rows.rows.len());
    let mut errors = Vec::new();
    for (i, row) in rows.rows.iter().enumerate() {
        let key = text(idx.get(row, "SCHOOL_NUMBER")).unwrap_or_else(|| format!("row {}", i + 1));
        let mut c = RowCheck::new("SCHOOLS", format!("SCHOOL_NUMBER={key}"), &idx, row);
        let number = c.req_int("SCHOOL_NUMBER");
        let excluded = c.opt_int("STATE_EXCLUDEFROMREPORTING").unwrap_or(0) != 0;
        let name = c.opt_text("NAME").unwrap_or_default();
        let abbreviation = c.opt_text("ABBREVIATION").unwrap_or_default();
        match number {
            Some(number) if c.errors.is_empty() => out.push(School {
                number,
                name,
                abbreviation,
                state_excluded: excluded,
            }),
            _ => errors.append(&mut c.errors),
        }
    }
    (out, errors)
}
