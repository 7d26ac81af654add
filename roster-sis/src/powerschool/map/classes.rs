//! The class rows -> [`Classes`](roster_core::Classes) parts: `TERMS`, `SECTIONS`, `CC`
//! enrollments and homerooms.

use std::collections::{BTreeMap, HashMap};

use roster_core::{Enrollment, RowError, Section, Term};

use super::super::backend::{ColumnIndex, Rows, Value};
use super::parse::{RowCheck, int, text};

/// Terms from `TERMS` rows; bad rows become errors.
pub fn terms(rows: &Rows) -> (Vec<Term>, Vec<RowError>) {
    let idx = rows.index();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, row) in rows.rows.iter().enumerate() {
        let key = match (text(idx.get(row, "ID")), text(idx.get(row, "SCHOOLID"))) {
            (Some(id), Some(s)) => format!("ID={id} SCHOOLID={s}"),
            _ => format!("row {}", i + 1),
        };
        let mut c = RowCheck::new("TERMS", key, &idx, row);
        let id = c.req_int("ID");
        let year_id = c.req_int("YEARID");
        let name = c.opt_text("NAME").unwrap_or_default();
        let school = c.req_int("SCHOOLID");
        let first_day = c.req_date("FIRSTDAY");
        let last_day = c.req_date("LASTDAY");
        match (id, year_id, school, first_day, last_day) {
            (Some(id), Some(year_id), Some(school), Some(first_day), Some(last_day))
                if c.errors.is_empty() =>
            {
                out.push(Term {
                    id,
                    year_id,
                    name,
                    school,
                    first_day,
                    last_day,
                })
            }
            _ => errors.append(&mut c.errors),
        }
    }
    (out, errors)
}

/// Sections from `SECTIONS` rows; bad rows become errors.
pub fn sections(rows: &Rows) -> (Vec<Section>, Vec<RowError>) {
    let idx = rows.index();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, row) in rows.rows.iter().enumerate() {
        let key = text(idx.get(row, "ID"))
            .map_or_else(|| format!("row {}", i + 1), |id| format!("ID={id}"));
        let mut c = RowCheck::new("SECTIONS", key, &idx, row);
        let id = c.req_int("ID");
        let school = c.req_int("SCHOOLID");
        let course_number = c.req_text("COURSE_NUMBER");
        let course_name = c.opt_text("COURSE_NAME");
        let section_number = c.opt_text("SECTION_NUMBER").unwrap_or_default();
        let term_id = c.req_int("TERMID");
        let teacher_dcid = c.opt_int("TEACHER_DCID");
        let expression = c.opt_text("EXPRESSION").unwrap_or_default();
        match (id, school, course_number, term_id) {
            (Some(id), Some(school), Some(course_number), Some(term_id)) if c.errors.is_empty() => {
                out.push(Section {
                    id,
                    school,
                    course_name: course_name.unwrap_or_else(|| course_number.clone()),
                    course_number,
                    section_number,
                    term_id,
                    teacher_dcid,
                    expression,
                })
            }
            _ => errors.append(&mut c.errors),
        }
    }
    (out, errors)
}

/// Enrollments from `CC` rows; bad rows become errors.
pub fn enrollments(rows: &Rows) -> (Vec<Enrollment>, Vec<RowError>) {
    let idx = rows.index();
    let owner = first_records(rows, &idx);
    let mut out = Vec::with_capacity(rows.rows.len());
    let mut errors = Vec::new();
    for (i, row) in rows.rows.iter().enumerate() {
        let mut c = RowCheck::new("CC", format!("row {}", i + 1), &idx, row);
        let student_number = c.req_text("STUDENT_NUMBER");
        let section_id = c.req_int("SECTIONID");
        match (student_number, section_id) {
            (Some(student_number), Some(section_id)) if c.errors.is_empty() => {
                if owns(&owner, &student_number, &idx, row) {
                    out.push(Enrollment {
                        student_number,
                        section_id,
                    })
                }
            }
            _ => errors.append(&mut c.errors),
        }
    }
    (out, errors)
}

/// Student number -> the lowest `STUDENT_DCID` among the rows: the record that
/// [`super::students()`] loads when a number is duplicated (it loads the lowest DCID first).
fn first_records(rows: &Rows, idx: &ColumnIndex) -> HashMap<String, i64> {
    let mut owner: HashMap<String, i64> = HashMap::new();
    for row in &rows.rows {
        if let (Some(n), Ok(Some(d))) = (
            text(idx.get(row, "STUDENT_NUMBER")),
            int(idx.get(row, "STUDENT_DCID")),
        ) {
            owner.entry(n).and_modify(|m| *m = (*m).min(d)).or_insert(d);
        }
    }
    owner
}

/// Does this row belong to the student record that loads? (Rows of a later duplicate
/// record do not: they are another person's classes.)
fn owns(owner: &HashMap<String, i64>, number: &str, idx: &ColumnIndex, row: &[Value]) -> bool {
    match (owner.get(number), int(idx.get(row, "STUDENT_DCID"))) {
        (Some(first), Ok(Some(d))) => *first == d,
        _ => true,
    }
}

/// Student number -> homeroom teacher DCID; the first row per student wins (see
/// [`crate::powerschool::sql::HOMEROOMS`] for the order).
pub fn homerooms(rows: &Rows) -> BTreeMap<String, i64> {
    let idx = rows.index();
    let owner = first_records(rows, &idx);
    let mut out = BTreeMap::new();
    for row in &rows.rows {
        if let (Some(n), Ok(Some(t))) = (
            text(idx.get(row, "STUDENT_NUMBER")),
            int(idx.get(row, "TEACHER_DCID")),
        ) && owns(&owner, &n, &idx, row)
        {
            out.entry(n).or_insert(t);
        }
    }
    out
}
