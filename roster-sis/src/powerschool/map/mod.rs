//! PowerSchool rows -> model values. Shared by both backends; every bad value becomes a
//! [`RowError`] naming the table, the row's key and the column, and the rest still load.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use roster_core::policy::title_case;
use roster_core::{
    EnrollStatus, Enrollment, Grade, Loaded, RowError, School, SchoolAssignment, Section, Staff,
    StaffType, Student, Term,
};

use super::backend::{ColumnIndex, Rows, Value};

/// How person names leave the source.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum NameCase {
    /// Exactly as the SIS spells them (no trimming, no case change). The default.
    #[default]
    Keep,
    /// [`roster_core::policy::title_case`]: `O'BRIEN` -> `O'Brien`, `DE LA CRUZ` -> `de la Cruz`;
    /// whitespace runs collapse to one space.
    Title,
}

impl NameCase {
    pub fn apply(self, name: String) -> String {
        match self {
            NameCase::Keep => name,
            NameCase::Title => title_case(&name),
        }
    }
}

/// A whole number, or why not. NULL is `Ok(None)`.
pub fn int(v: &Value) -> Result<Option<i64>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Int(n) => Ok(Some(*n)),
        Value::Float(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => Ok(Some(*x as i64)),
        Value::Float(x) => Err(format!("is not a whole number: {x}")),
        Value::Text(s) => {
            let t = s.trim();
            if t.is_empty() {
                Ok(None)
            } else {
                t.parse::<i64>()
                    .map(Some)
                    .map_err(|_| format!("is not a whole number: '{s}'"))
            }
        }
        Value::Date(d) => Err(format!("is a date ({d}), expected a number")),
    }
}

/// Text as the SIS holds it; numbers print without a decimal point when whole.
pub fn text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::Int(n) => Some(n.to_string()),
        Value::Float(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => Some((*x as i64).to_string()),
        Value::Float(x) => Some(x.to_string()),
        Value::Text(s) => Some(s.clone()),
        Value::Date(d) => Some(d.format("%Y-%m-%d").to_string()),
    }
}

/// A date: an Oracle `DATE`, or SQLite text `YYYY-MM-DD` (a time part is ignored).
pub fn date(v: &Value) -> Result<Option<NaiveDate>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Date(d) => Ok(Some(*d)),
        Value::Text(s) if s.trim().is_empty() => Ok(None),
        Value::Text(s) => {
            let t = s.trim();
            let day = t.get(..10).unwrap_or(t);
            NaiveDate::parse_from_str(day, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| format!("is not a date (YYYY-MM-DD): '{s}'"))
        }
        other => Err(format!("is not a date: {other}")),
    }
}

/// Collects the problems of one row.
struct RowCheck<'a> {
    table: &'static str,
    key: String,
    idx: &'a ColumnIndex,
    row: &'a [Value],
    errors: Vec<RowError>,
}

impl<'a> RowCheck<'a> {
    fn new(table: &'static str, key: String, idx: &'a ColumnIndex, row: &'a [Value]) -> Self {
        RowCheck {
            table,
            key,
            idx,
            row,
            errors: Vec::new(),
        }
    }

    fn source_row(&self) -> String {
        format!("{} {}", self.table, self.key)
    }

    fn fail(&mut self, column: &str, reason: impl Into<String>) {
        let e = RowError::new(self.source_row(), column, reason);
        self.errors.push(e);
    }

    fn value(&self, column: &str) -> &'a Value {
        self.idx.get(self.row, column)
    }

    /// A parsed value; a parse error is recorded against `column`.
    fn parsed<T>(&mut self, column: &str, parsed: Result<Option<T>, String>) -> Option<T> {
        parsed.unwrap_or_else(|reason| {
            self.fail(column, reason);
            None
        })
    }

    /// Like [`Self::parsed`], and a missing value is recorded as `missing`.
    fn required<T>(
        &mut self,
        column: &str,
        parsed: Result<Option<T>, String>,
        missing: &str,
    ) -> Option<T> {
        match parsed {
            Ok(None) => {
                self.fail(column, missing);
                None
            }
            other => self.parsed(column, other),
        }
    }

    fn opt_int(&mut self, column: &str) -> Option<i64> {
        let v = int(self.value(column));
        self.parsed(column, v)
    }

    fn req_int(&mut self, column: &str) -> Option<i64> {
        let v = self.value(column);
        let missing = if v.is_null() { "is NULL" } else { "is blank" };
        self.required(column, int(v), missing)
    }

    fn req_i32(&mut self, column: &str) -> Option<i32> {
        let n = self.req_int(column)?;
        self.narrow(column, n)
    }

    fn opt_i32(&mut self, column: &str) -> Option<i32> {
        let n = self.opt_int(column)?;
        self.narrow(column, n)
    }

    /// `n` as an `i32`, or an error on `column` when it does not fit.
    fn narrow(&mut self, column: &str, n: i64) -> Option<i32> {
        let v = i32::try_from(n).ok();
        if v.is_none() {
            self.fail(column, format!("is out of range: {n}"));
        }
        v
    }

    /// Required text: NULL and whitespace-only are errors; the value is kept as spelled.
    fn req_text(&mut self, column: &str) -> Option<String> {
        match text(self.value(column)) {
            None => {
                self.fail(column, "is NULL");
                None
            }
            Some(s) if s.trim().is_empty() => {
                self.fail(column, "is blank");
                None
            }
            Some(s) => Some(s),
        }
    }

    /// Optional text: NULL and whitespace-only are `None`.
    fn opt_text(&self, column: &str) -> Option<String> {
        text(self.value(column)).filter(|s| !s.trim().is_empty())
    }

    fn opt_date(&mut self, column: &str) -> Option<NaiveDate> {
        let d = date(self.value(column));
        self.parsed(column, d)
    }

    fn req_date(&mut self, column: &str) -> Option<NaiveDate> {
        let d = date(self.value(column));
        self.required(column, d, "is NULL")
    }
}

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

/// `STUDENTS` rows, in the order the query returns them (oldest DCID first). A second row
/// with a student number already loaded is a row error on `STUDENT_NUMBER`.
pub fn students(rows: &Rows, names: NameCase) -> Loaded<Student> {
    let idx = rows.index();
    let mut loaded = Loaded::default();
    let mut seen: HashMap<String, Option<i64>> = HashMap::with_capacity(rows.rows.len());
    for (i, row) in rows.rows.iter().enumerate() {
        let number = text(idx.get(row, "STUDENT_NUMBER")).filter(|s| !s.trim().is_empty());
        let key = match (&number, text(idx.get(row, "DCID"))) {
            (Some(n), _) => format!("STUDENT_NUMBER={n}"),
            (None, Some(dcid)) => format!("DCID={dcid}"),
            (None, None) => format!("row {}", i + 1),
        };
        let mut c = RowCheck::new("STUDENTS", key, &idx, row);
        let student_number = c.req_text("STUDENT_NUMBER");
        let id = c.opt_int("ID");
        let dcid = c.opt_int("DCID");
        let first_name = c.req_text("FIRST_NAME");
        let last_name = c.req_text("LAST_NAME");
        let grade = c.req_i32("GRADE_LEVEL");
        let school = c.req_int("SCHOOLID");
        let enroll_status = c.req_i32("ENROLL_STATUS");
        let class_of = c.opt_i32("CLASSOF");
        let home_room = c.opt_text("HOME_ROOM");
        let dob = c.opt_date("DOB");
        if let Some(n) = &student_number
            && let Some(first_dcid) = seen.get(n)
        {
            let first =
                first_dcid.map_or_else(|| "an earlier row".to_string(), |d| format!("DCID={d}"));
            c.fail(
                "STUDENT_NUMBER",
                format!("duplicate: already loaded from {first}; this row is not loaded"),
            );
        }
        if !c.errors.is_empty() {
            loaded.errors.append(&mut c.errors);
            continue;
        }
        let (
            Some(student_number),
            Some(first_name),
            Some(last_name),
            Some(grade),
            Some(school),
            Some(status),
        ) = (
            student_number,
            first_name,
            last_name,
            grade,
            school,
            enroll_status,
        )
        else {
            continue; // unreachable: a missing required value recorded an error above
        };
        seen.insert(student_number.clone(), dcid);
        loaded.rows.push(Student {
            student_number,
            id,
            dcid,
            first_name: names.apply(first_name),
            last_name: names.apply(last_name),
            grade: Grade(grade),
            school,
            enroll_status: EnrollStatus::from(status),
            class_of,
            home_room,
            dob,
            email: None,
        });
    }
    loaded
}

/// `USERS` x `SCHOOLSTAFF` rows ordered by DCID, grouped into one [`Staff`] per user.
/// A bad user column drops the user (row error on `USERS DCID=n`); a bad assignment drops
/// only that assignment (row error on `SCHOOLSTAFF ID=n`). A NULL `STAFFSTATUS` reads as 0
/// (not assigned), as PowerSchool's screens show it. `cell_phones` come from the optional
/// district query.
pub fn staff(rows: &Rows, names: NameCase, cell_phones: &HashMap<i64, String>) -> Loaded<Staff> {
    let idx = rows.index();
    let mut loaded: Loaded<Staff> = Loaded::default();
    let mut i = 0;
    while i < rows.rows.len() {
        let row = &rows.rows[i];
        let dcid_value = idx.get(row, "DCID");
        // The group: consecutive rows with the same DCID.
        let mut j = i + 1;
        while j < rows.rows.len()
            && idx.get(&rows.rows[j], "DCID") == dcid_value
            && !dcid_value.is_null()
        {
            j += 1;
        }
        let key =
            text(dcid_value).map_or_else(|| format!("row {}", i + 1), |d| format!("DCID={d}"));
        let mut c = RowCheck::new("USERS", key, &idx, row);
        let dcid = c.req_int("DCID");
        let first_name = c.req_text("FIRST_NAME");
        let last_name = c.req_text("LAST_NAME");
        let home_school = c.req_int("HOMESCHOOLID");
        let group = c.opt_int("GROUPVALUE");
        let email = c.opt_text("EMAIL_ADDR");
        let teacher_number = c.opt_text("TEACHERNUMBER");
        let mut schools = Vec::new();
        for arow in &rows.rows[i..j] {
            let Some(ss_id) = text(idx.get(arow, "SCHOOLSTAFF_ID")) else {
                continue; // LEFT JOIN: no assignments
            };
            let mut a = RowCheck::new("SCHOOLSTAFF", format!("ID={ss_id}"), &idx, arow);
            let school = a.req_int("SCHOOLID");
            let status = a.req_i32("STATUS");
            let staff_type = a.opt_i32("STAFFSTATUS").unwrap_or(0);
            match (school, status) {
                (Some(school), Some(status)) if a.errors.is_empty() => {
                    schools.push(SchoolAssignment {
                        school,
                        status,
                        staff_type: StaffType::from(staff_type),
                    })
                }
                _ => loaded.errors.append(&mut a.errors),
            }
        }
        i = j;
        if !c.errors.is_empty() {
            loaded.errors.append(&mut c.errors);
            continue;
        }
        let (Some(dcid), Some(first_name), Some(last_name), Some(home_school)) =
            (dcid, first_name, last_name, home_school)
        else {
            continue;
        };
        loaded.rows.push(Staff {
            dcid,
            email,
            first_name: names.apply(first_name),
            last_name: names.apply(last_name),
            teacher_number,
            home_school,
            schools,
            group,
            cell_phone: cell_phones.get(&dcid).cloned(),
        });
    }
    loaded
}

/// Rows of the cell-phone query -> DCID -> phone (first non-blank per DCID).
pub fn cell_phones(rows: &Rows) -> (HashMap<i64, String>, Vec<RowError>) {
    let idx = rows.index();
    let mut out = HashMap::new();
    let mut errors = Vec::new();
    for (i, row) in rows.rows.iter().enumerate() {
        let mut c = RowCheck::new("U_HUMANRESOURCES", format!("row {}", i + 1), &idx, row);
        let dcid = c.req_int("USERSDCID");
        let phone = c.opt_text("CELLPHONE");
        errors.append(&mut c.errors);
        if let (Some(d), Some(p)) = (dcid, phone) {
            out.entry(d).or_insert(p);
        }
    }
    (out, errors)
}

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
/// [`students`] loads when a number is duplicated (it loads the lowest DCID first).
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
/// [`super::sql::HOMEROOMS`] for the order).
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

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(columns: &[&str], data: Vec<Vec<Value>>) -> Rows {
        Rows {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: data,
        }
    }

    const STUDENT_COLS: [&str; 11] = [
        "STUDENT_NUMBER",
        "ID",
        "DCID",
        "FIRST_NAME",
        "LAST_NAME",
        "GRADE_LEVEL",
        "SCHOOLID",
        "ENROLL_STATUS",
        "CLASSOF",
        "HOME_ROOM",
        "DOB",
    ];

    fn student(num: Value, dcid: i64, first: &str, last: Value, status: i64) -> Vec<Value> {
        vec![
            num,
            Value::Int(dcid),
            Value::Int(dcid),
            Value::Text(first.into()),
            last,
            Value::Int(3),
            Value::Int(110),
            Value::Int(status),
            Value::Int(2035),
            Value::Null,
            Value::Text("2017-04-02".into()),
        ]
    }

    #[test]
    fn bad_student_rows_are_located_and_the_rest_load() {
        let r = rows(
            &STUDENT_COLS,
            vec![
                student(Value::Int(1001), 1, "Ana", Value::Text("Lopez".into()), 0),
                student(Value::Int(1234), 2, "Prince", Value::Null, 0),
                student(Value::Int(1001), 3, "Jordan", Value::Text("Lee".into()), 0),
                student(Value::Null, 4, "Nobody", Value::Text("Here".into()), 0),
                student(
                    Value::Text("1005".into()),
                    5,
                    "Kai",
                    Value::Text("  ".into()),
                    0,
                ),
                student(Value::Int(1006), 6, "Odd", Value::Text("Status".into()), 7),
            ],
        );
        let loaded = students(&r, NameCase::Keep);
        let numbers: Vec<_> = loaded
            .rows
            .iter()
            .map(|s| s.student_number.as_str())
            .collect();
        assert_eq!(numbers, ["1001", "1006"]);
        assert_eq!(loaded.rows[0].first_name, "Ana");
        assert_eq!(loaded.rows[0].dob, NaiveDate::from_ymd_opt(2017, 4, 2));
        assert_eq!(loaded.rows[1].enroll_status, EnrollStatus::Other(7));
        let errs: Vec<_> = loaded
            .errors
            .iter()
            .map(|e| (e.source_row.as_str(), e.field.as_str(), e.reason.as_str()))
            .collect();
        assert_eq!(
            errs[0],
            ("STUDENTS STUDENT_NUMBER=1234", "LAST_NAME", "is NULL")
        );
        assert_eq!(errs[1].0, "STUDENTS STUDENT_NUMBER=1001");
        assert_eq!(errs[1].1, "STUDENT_NUMBER");
        assert!(
            errs[1]
                .2
                .starts_with("duplicate: already loaded from DCID=1"),
            "{}",
            errs[1].2
        );
        assert_eq!(errs[2], ("STUDENTS DCID=4", "STUDENT_NUMBER", "is NULL"));
        assert_eq!(
            errs[3],
            ("STUDENTS STUDENT_NUMBER=1005", "LAST_NAME", "is blank")
        );
        assert_eq!(errs.len(), 4);
    }

    #[test]
    fn title_case_is_opt_in() {
        let r = rows(
            &STUDENT_COLS,
            vec![student(
                Value::Int(1),
                1,
                "LIAM",
                Value::Text("O'BRIEN".into()),
                0,
            )],
        );
        assert_eq!(students(&r, NameCase::Keep).rows[0].last_name, "O'BRIEN");
        let titled = students(&r, NameCase::Title);
        assert_eq!(titled.rows[0].first_name, "Liam");
        assert_eq!(titled.rows[0].last_name, "O'Brien");
    }

    #[test]
    fn staff_groups_assignments_and_drops_only_bad_ones() {
        let cols = [
            "DCID",
            "EMAIL_ADDR",
            "FIRST_NAME",
            "LAST_NAME",
            "TEACHERNUMBER",
            "HOMESCHOOLID",
            "GROUPVALUE",
            "SCHOOLSTAFF_ID",
            "SCHOOLID",
            "STATUS",
            "STAFFSTATUS",
        ];
        let user = |dcid: i64, ss: Value, school: Value, status: Value, staffstatus: Value| {
            vec![
                Value::Int(dcid),
                Value::Text(format!("u{dcid}@x.example")),
                Value::Text("Pat".into()),
                Value::Text("Doe".into()),
                Value::Null,
                Value::Int(110),
                Value::Int(5),
                ss,
                school,
                status,
                staffstatus,
            ]
        };
        let r = rows(
            &cols,
            vec![
                user(
                    1,
                    Value::Int(11),
                    Value::Int(110),
                    Value::Int(1),
                    Value::Int(1),
                ),
                user(
                    1,
                    Value::Int(12),
                    Value::Int(210),
                    Value::Null,
                    Value::Int(1),
                ),
                user(
                    1,
                    Value::Int(13),
                    Value::Int(310),
                    Value::Int(2),
                    Value::Null,
                ),
                user(2, Value::Null, Value::Null, Value::Null, Value::Null),
            ],
        );
        let phones = HashMap::from([(1, "555-0100".to_string())]);
        let loaded = staff(&r, NameCase::Keep, &phones);
        assert_eq!(loaded.rows.len(), 2);
        let one = &loaded.rows[0];
        assert_eq!(one.schools.len(), 2);
        assert_eq!(one.schools[1].staff_type, StaffType::NotAssigned);
        assert_eq!(one.cell_phone.as_deref(), Some("555-0100"));
        assert!(loaded.rows[1].schools.is_empty());
        assert_eq!(
            loaded.errors,
            vec![RowError::new("SCHOOLSTAFF ID=12", "STATUS", "is NULL")]
        );
    }

    #[test]
    fn values_convert_between_engines() {
        assert_eq!(int(&Value::Float(12.0)), Ok(Some(12)));
        assert!(int(&Value::Float(1.5)).is_err());
        assert_eq!(int(&Value::Text(" 42 ".into())), Ok(Some(42)));
        assert_eq!(text(&Value::Float(1234.0)).as_deref(), Some("1234"));
        let d = NaiveDate::from_ymd_opt(2026, 8, 20).unwrap();
        assert_eq!(
            date(&Value::Text("2026-08-20 00:00:00".into())),
            Ok(Some(d))
        );
        assert_eq!(date(&Value::Date(d)), Ok(Some(d)));
        assert!(date(&Value::Text("08/20/2026".into())).is_err());
    }
}
