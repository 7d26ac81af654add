//! A OneRoster 1.1 CSV directory as a [`SisSource`], for districts not on PowerSchool.
//!
//! Files: `orgs.csv`, `users.csv` (needed by every call), and `academicSessions.csv`,
//! `classes.csv`, `enrollments.csv` (needed by [`SisSource::classes`]). Columns are found by
//! header name, so column order does not matter; extra columns are ignored.
//!
//! Mapping to the model:
//! - **orgs** of type `school` -> [`School`]: the number is `identifier` when numeric, else
//!   `sourcedId` when numeric, else [`derived_id`]`(sourcedId)`; the abbreviation is a
//!   non-numeric `identifier`, else the capitals of the name ("Riverside High School" ->
//!   "RHS"). OneRoster has no state-reporting flag: `state_excluded` is false, so
//!   [`Scope::StateReporting`] is every school.
//! - **users** with role `student` -> [`Student`]: `student_number` is `identifier` (else
//!   `sourcedId`), the school is the first school in `orgSourcedIds`, the grade is the first
//!   of `grades` ([`parse_grade`]), enroll status is active unless `enabledUser` is false or
//!   `status` is `tobedeleted` (then inactive). A later row with a student number already
//!   loaded is a row error.
//! - role `teacher`, `administrator`, `aide` -> [`Staff`]: `dcid` is `sourcedId` when it is
//!   a non-negative integer, else [`derived_id`]`(sourcedId)`; one assignment per school in
//!   `orgSourcedIds` (teacher: staff type 1, others 2; status 1, or 2 when disabled); the
//!   first school is the home school; `identifier` is the teacher number; `sms` the cell
//!   phone. Other roles (parent, guardian, ...) are not people this tool manages: skipped.
//! - **classes** + **enrollments** + **academicSessions** -> [`Classes`] as of `today`:
//!   classes with a term in session, their teacher (primary teacher enrollment first), the
//!   student enrollments in session, and homerooms from classes of `classType` `homeroom`.
//!
//! A malformed row becomes a [`RowError`] such as `users.csv line 7: familyName: is empty`
//! (line 1 is the header); the other rows load.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use chrono::NaiveDate;
use csv::StringRecord;
use roster_core::{
    Classes, EnrollStatus, Enrollment, Grade, Loaded, RowError, School, SchoolAssignment, Scope,
    Section, SisSource, SourceError, Staff, StaffType, Student, Term,
};

use crate::powerschool::NameCase;

/// A stable numeric id for a non-numeric `sourcedId` (GUIDs are common):
/// FNV-1a 64-bit over the UTF-8 bytes, reduced to 52 bits and offset by 2^52, so the result is
/// in `[2^52, 2^53)`. That keeps it clear of real numeric ids (below 2^52 in every SIS we know)
/// and exact in JSON/JavaScript numbers (Google custom-schema values). Two different
/// `sourcedId`s colliding needs a 52-bit hash collision (about one in 2^26 for 10,000 staff
/// by the birthday bound); the source reports a duplicate DCID as a row error if it happens.
pub fn derived_id(source_id: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in source_id.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    const TWO_52: u64 = 1 << 52;
    (TWO_52 | (h & (TWO_52 - 1))) as i64
}

/// `sourcedId` as a number when it is one, else [`derived_id`].
pub fn numeric_or_derived(source_id: &str) -> i64 {
    match source_id.trim().parse::<i64>() {
        Ok(n) if n >= 0 => n,
        _ => derived_id(source_id.trim()),
    }
}

/// A OneRoster grade -> PowerSchool grade level: `IT`/`PR` -> -2, `PK`/`TK` -> -1, `KG` -> 0,
/// `01`..`13` (or `1`..`13`) -> the number. Anything else (`PS`, `UG`, `Other`) has no
/// PowerSchool grade level and is an error.
pub fn parse_grade(s: &str) -> Result<Grade, String> {
    let t = s.trim().to_ascii_uppercase();
    match t.as_str() {
        "IT" | "PR" => Ok(Grade(-2)),
        "PK" | "TK" => Ok(Grade(-1)),
        "KG" => Ok(Grade(0)),
        n => match n.parse::<i32>() {
            Ok(g) if (1..=13).contains(&g) => Ok(Grade(g)),
            _ => Err(format!(
                "unknown grade '{s}' (expected IT, PR, PK, TK, KG or 01-13)"
            )),
        },
    }
}

/// A OneRoster 1.1 CSV directory.
#[derive(Debug, Clone)]
pub struct OneRosterSource {
    dir: PathBuf,
    name_case: NameCase,
}

impl OneRosterSource {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        OneRosterSource {
            dir: dir.into(),
            name_case: NameCase::Keep,
        }
    }

    /// Title-case person names (default: keep the spelling of the file).
    pub fn with_name_case(mut self, name_case: NameCase) -> Self {
        self.name_case = name_case;
        self
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(Read) -> Result<T, SourceError> + Send + 'static,
    ) -> Result<T, SourceError> {
        let read = Read {
            dir: self.dir.clone(),
            names: self.name_case,
        };
        tokio::task::spawn_blocking(move || f(read))
            .await
            .map_err(|e| SourceError::Other(format!("OneRoster read task failed: {e}")))?
    }
}

#[async_trait]
impl SisSource for OneRosterSource {
    async fn schools(&self, scope: &Scope) -> Result<Vec<School>, SourceError> {
        let scope = scope.clone();
        self.blocking(move |r| {
            let orgs = r.orgs()?;
            Ok(orgs
                .schools
                .into_iter()
                .filter(|s| scope.includes(s))
                .collect())
        })
        .await
    }

    async fn students(&self, scope: &Scope) -> Result<Loaded<Student>, SourceError> {
        let scope = scope.clone();
        self.blocking(move |r| {
            let orgs = r.orgs()?;
            Ok(r.users(&orgs, &scope)?.students)
        })
        .await
    }

    async fn staff(&self, scope: &Scope) -> Result<Loaded<Staff>, SourceError> {
        let scope = scope.clone();
        self.blocking(move |r| {
            let orgs = r.orgs()?;
            Ok(r.users(&orgs, &scope)?.staff)
        })
        .await
    }

    async fn classes(&self, scope: &Scope, today: NaiveDate) -> Result<Classes, SourceError> {
        let scope = scope.clone();
        self.blocking(move |r| r.classes(&scope, today)).await
    }
}

/// One CSV file read whole: header positions and records with their line numbers.
struct Table {
    file: &'static str,
    columns: HashMap<String, usize>,
    records: Vec<(u64, StringRecord)>,
    /// Rows that are not UTF-8 (a file saved as Windows-1252, say): reported, not read.
    unreadable: Vec<RowError>,
}

impl Table {
    fn read(dir: &Path, file: &'static str, required: &[&str]) -> Result<Table, SourceError> {
        let path = dir.join(file);
        let err = |reason: String| SourceError::File {
            path: path.display().to_string(),
            reason,
        };
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::None)
            .from_path(&path)
            .map_err(|e| err(e.to_string()))?;
        let headers = rdr.headers().map_err(|e| err(e.to_string()))?.clone();
        let columns: HashMap<String, usize> = headers
            .iter()
            .enumerate()
            // A UTF-8 byte-order mark may precede the first header.
            .map(|(i, h)| (h.trim_start_matches('\u{feff}').trim().to_string(), i))
            .collect();
        if let Some(missing) = required.iter().find(|c| !columns.contains_key(**c)) {
            return Err(err(format!("missing column {missing}")));
        }
        let mut records = Vec::new();
        let mut unreadable = Vec::new();
        for rec in rdr.byte_records() {
            let rec = rec.map_err(|e| err(e.to_string()))?;
            let line = rec.position().map_or(0, |p| p.line());
            match StringRecord::from_byte_record(rec) {
                Ok(rec) => records.push((line, rec)),
                Err(e) => {
                    let field = e.utf8_error().field();
                    let column = headers
                        .get(field)
                        .unwrap_or("?")
                        .trim_start_matches('\u{feff}');
                    unreadable.push(RowError::new(
                        format!("{file} line {line}"),
                        column,
                        "is not valid UTF-8 (export the file as UTF-8)",
                    ));
                }
            }
        }
        Ok(Table {
            file,
            columns,
            records,
            unreadable,
        })
    }

    fn rows(&self) -> impl Iterator<Item = RowRef<'_>> {
        self.records.iter().map(move |(line, rec)| RowRef {
            table: self,
            line: *line,
            rec,
        })
    }
}

#[derive(Clone, Copy)]
struct RowRef<'a> {
    table: &'a Table,
    line: u64,
    rec: &'a StringRecord,
}

impl<'a> RowRef<'a> {
    /// The trimmed value of a column ("" when absent).
    fn get(&self, column: &str) -> &'a str {
        self.table
            .columns
            .get(column)
            .and_then(|&i| self.rec.get(i))
            .map(str::trim)
            .unwrap_or("")
    }

    /// The value as written (not trimmed), for names.
    fn raw(&self, column: &str) -> &'a str {
        self.table
            .columns
            .get(column)
            .and_then(|&i| self.rec.get(i))
            .unwrap_or("")
    }

    fn error(&self, column: &str, reason: impl Into<String>) -> RowError {
        RowError::new(
            format!("{} line {}", self.table.file, self.line),
            column,
            reason,
        )
    }

    fn required(&self, column: &str, errors: &mut Vec<RowError>) -> Option<&'a str> {
        if self.get(column).is_empty() {
            errors.push(self.error(column, "is empty"));
            None
        } else {
            Some(self.raw(column))
        }
    }

    fn is_deleted(&self) -> bool {
        self.get("status").eq_ignore_ascii_case("tobedeleted")
    }

    fn list(&self, column: &str) -> Vec<&'a str> {
        self.get(column)
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect()
    }

    fn date(&self, column: &str) -> Result<Option<NaiveDate>, RowError> {
        let v = self.get(column);
        if v.is_empty() {
            return Ok(None);
        }
        NaiveDate::parse_from_str(v.get(..10).unwrap_or(v), "%Y-%m-%d")
            .map(Some)
            .map_err(|_| self.error(column, format!("is not a date (YYYY-MM-DD): '{v}'")))
    }
}

struct Orgs {
    schools: Vec<School>,
    by_id: HashMap<String, i64>,
    /// Orgs that are not (current) schools: districts, departments, deleted schools. Users
    /// name them in `orgSourcedIds` normally; only ids in neither set are errors.
    others: HashSet<String>,
}

impl Orgs {
    fn school(&self, number: i64) -> Option<&School> {
        self.schools.iter().find(|s| s.number == number)
    }
}

struct Users {
    students: Loaded<Student>,
    staff: Loaded<Staff>,
    /// sourcedId -> student number / staff DCID, for enrollments.
    student_numbers: HashMap<String, String>,
    staff_dcids: HashMap<String, i64>,
}

struct Read {
    dir: PathBuf,
    names: NameCase,
}

fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .filter(|c| c.is_uppercase() || c.is_ascii_digit())
        .collect()
}

impl Read {
    fn orgs(&self) -> Result<Orgs, SourceError> {
        let t = Table::read(&self.dir, "orgs.csv", &["sourcedId", "name", "type"])?;
        for e in &t.unreadable {
            tracing::warn!(error = %e, "bad OneRoster org; skipped");
        }
        let mut schools: Vec<School> = Vec::new();
        let mut by_id = HashMap::new();
        let mut others = HashSet::new();
        for row in t.rows() {
            if !row.get("type").eq_ignore_ascii_case("school") || row.is_deleted() {
                others.insert(row.get("sourcedId").to_string());
                continue;
            }
            let mut errors = Vec::new();
            let id = row.required("sourcedId", &mut errors).map(str::trim);
            let name = row.required("name", &mut errors);
            let (Some(id), Some(name), true) = (id, name, errors.is_empty()) else {
                for e in errors {
                    tracing::warn!(error = %e, "bad OneRoster org; skipped");
                }
                continue;
            };
            let identifier = row.get("identifier");
            let number = identifier
                .parse::<i64>()
                .ok()
                .unwrap_or_else(|| numeric_or_derived(id));
            let abbreviation = if !identifier.is_empty() && identifier.parse::<i64>().is_err() {
                identifier.to_string()
            } else {
                initials(name)
            };
            if schools.iter().any(|s| s.number == number) {
                tracing::warn!(row = %row.error("identifier", ""), number, "duplicate school number; skipped");
                continue;
            }
            by_id.insert(id.to_string(), number);
            schools.push(School {
                number,
                name: name.trim().to_string(),
                abbreviation,
                state_excluded: false,
            });
        }
        schools.sort_by_key(|s| s.number);
        Ok(Orgs {
            schools,
            by_id,
            others,
        })
    }

    fn users(&self, orgs: &Orgs, scope: &Scope) -> Result<Users, SourceError> {
        let t = Table::read(
            &self.dir,
            "users.csv",
            &[
                "sourcedId",
                "role",
                "givenName",
                "familyName",
                "orgSourcedIds",
            ],
        )?;
        let mut out = Users {
            students: Loaded::default(),
            staff: Loaded::default(),
            student_numbers: HashMap::new(),
            staff_dcids: HashMap::new(),
        };
        // An unreadable row may be a student or staff: both jobs hear about it.
        out.students.errors.extend(t.unreadable.iter().cloned());
        out.staff.errors.extend(t.unreadable.iter().cloned());
        let mut seen_students: HashMap<String, u64> = HashMap::new();
        let mut seen_staff: HashMap<i64, u64> = HashMap::new();
        for row in t.rows() {
            let role = row.get("role").to_ascii_lowercase();
            let is_student = role == "student";
            let staff_type = match role.as_str() {
                "teacher" => Some(StaffType::Teacher),
                "administrator" | "aide" => Some(StaffType::Staff),
                _ => None,
            };
            if !is_student && staff_type.is_none() {
                continue;
            }
            let mut errors = Vec::new();
            let source_id = row.required("sourcedId", &mut errors).map(str::trim);
            // Schools first: a row for a school out of scope is not this run's business.
            let mut schools = Vec::new();
            for org in row.list("orgSourcedIds") {
                match orgs.by_id.get(org) {
                    Some(&n) => schools.push(n),
                    // Districts and departments are orgs too; only unknown ids are errors.
                    None if orgs.others.contains(org) => {}
                    None => errors.push(row.error("orgSourcedIds", format!("unknown org '{org}'"))),
                }
            }
            if schools.is_empty() && errors.iter().all(|e| e.field != "orgSourcedIds") {
                errors.push(row.error("orgSourcedIds", "names no school"));
            }
            let in_scope = schools
                .iter()
                .any(|&n| orgs.school(n).is_some_and(|s| scope.includes(s)));
            if !schools.is_empty() && !in_scope {
                continue;
            }
            let first = row.required("givenName", &mut errors);
            let last = row.required("familyName", &mut errors);
            let disabled = row.get("enabledUser").eq_ignore_ascii_case("false") || row.is_deleted();
            let email = Some(row.get("email").to_string()).filter(|e| !e.is_empty());
            let identifier = Some(row.get("identifier").to_string()).filter(|e| !e.is_empty());
            if is_student {
                let grade = match row.list("grades").first() {
                    None => {
                        errors.push(row.error("grades", "is empty"));
                        None
                    }
                    Some(g) => match parse_grade(g) {
                        Ok(g) => Some(g),
                        Err(reason) => {
                            errors.push(row.error("grades", reason));
                            None
                        }
                    },
                };
                let number = identifier.clone().or_else(|| source_id.map(str::to_string));
                if let (Some(n), Some(sid)) = (&number, source_id) {
                    out.student_numbers.insert(sid.to_string(), n.clone());
                    if let Some(line) = seen_students.get(n) {
                        errors.push(row.error(
                            if identifier.is_some() { "identifier" } else { "sourcedId" },
                            format!("duplicate student number {n}: already loaded from line {line}; this row is not loaded"),
                        ));
                    }
                }
                if !errors.is_empty() {
                    out.students.errors.append(&mut errors);
                    continue;
                }
                let (Some(number), Some(first), Some(last), Some(grade)) =
                    (number, first, last, grade)
                else {
                    continue;
                };
                seen_students.insert(number.clone(), row.line);
                out.students.rows.push(Student {
                    student_number: number,
                    id: None,
                    dcid: source_id.and_then(|s| s.parse().ok()),
                    first_name: self.names.apply(first.to_string()),
                    last_name: self.names.apply(last.to_string()),
                    grade,
                    school: schools[0],
                    enroll_status: if disabled {
                        EnrollStatus::Inactive
                    } else {
                        EnrollStatus::Active
                    },
                    class_of: None,
                    home_room: None,
                    dob: None,
                    email,
                });
            } else {
                let dcid = source_id.map(numeric_or_derived);
                if let (Some(d), Some(sid)) = (dcid, source_id) {
                    out.staff_dcids.insert(sid.to_string(), d);
                    if let Some(line) = seen_staff.get(&d) {
                        errors.push(row.error(
                            "sourcedId",
                            format!("duplicate staff id {d}: already loaded from line {line}; this row is not loaded"),
                        ));
                    }
                }
                if !errors.is_empty() {
                    out.staff.errors.append(&mut errors);
                    continue;
                }
                let (Some(dcid), Some(first), Some(last), Some(staff_type)) =
                    (dcid, first, last, staff_type)
                else {
                    continue;
                };
                seen_staff.insert(dcid, row.line);
                let status = if disabled { 2 } else { 1 };
                out.staff.rows.push(Staff {
                    dcid,
                    email,
                    first_name: self.names.apply(first.to_string()),
                    last_name: self.names.apply(last.to_string()),
                    teacher_number: identifier,
                    home_school: schools[0],
                    schools: schools
                        .iter()
                        .map(|&school| SchoolAssignment {
                            school,
                            status,
                            staff_type,
                        })
                        .collect(),
                    group: None,
                    cell_phone: Some(row.get("sms").to_string()).filter(|p| !p.is_empty()),
                });
            }
        }
        for e in out.students.errors.iter().chain(&out.staff.errors) {
            tracing::warn!(row = %e.source_row, field = %e.field, reason = %e.reason, "bad OneRoster row");
        }
        Ok(out)
    }

    fn classes(&self, scope: &Scope, today: NaiveDate) -> Result<Classes, SourceError> {
        let orgs = self.orgs()?;
        let users = self.users(&orgs, &Scope::All)?;
        let mut problems: Vec<RowError> = Vec::new();

        // Sessions in session today.
        let sessions = Table::read(
            &self.dir,
            "academicSessions.csv",
            &["sourcedId", "startDate", "endDate"],
        )?;
        let mut current: HashMap<String, (i64, i64, String, NaiveDate, NaiveDate)> = HashMap::new();
        problems.extend(sessions.unreadable.iter().cloned());
        for row in sessions.rows() {
            if row.is_deleted() {
                continue;
            }
            let (start, end) = match (row.date("startDate"), row.date("endDate")) {
                (Ok(Some(s)), Ok(Some(e))) => (s, e),
                (Err(e), _) | (_, Err(e)) => {
                    problems.push(e);
                    continue;
                }
                (Ok(None), _) => {
                    problems.push(row.error("startDate", "is empty"));
                    continue;
                }
                (_, Ok(None)) => {
                    problems.push(row.error("endDate", "is empty"));
                    continue;
                }
            };
            if start <= today && today <= end {
                let sid = row.get("sourcedId");
                let year = row.get("schoolYear").parse().unwrap_or(0);
                current.insert(
                    sid.to_string(),
                    (
                        numeric_or_derived(sid),
                        year,
                        row.get("title").to_string(),
                        start,
                        end,
                    ),
                );
            }
        }

        // Classes with a current term, in scope.
        let classes = Table::read(
            &self.dir,
            "classes.csv",
            &["sourcedId", "title", "schoolSourcedId", "termSourcedIds"],
        )?;
        let mut sections: BTreeMap<String, (Section, bool)> = BTreeMap::new();
        let mut terms: BTreeMap<(i64, i64), Term> = BTreeMap::new();
        problems.extend(classes.unreadable.iter().cloned());
        for row in classes.rows() {
            if row.is_deleted() {
                continue;
            }
            let Some(&school) = orgs.by_id.get(row.get("schoolSourcedId")) else {
                problems.push(row.error(
                    "schoolSourcedId",
                    format!("unknown school '{}'", row.get("schoolSourcedId")),
                ));
                continue;
            };
            if !orgs.school(school).is_some_and(|s| scope.includes(s)) {
                continue;
            }
            let Some(term) = row
                .list("termSourcedIds")
                .into_iter()
                .find_map(|t| current.get(t))
            else {
                continue;
            };
            let sid = row.get("sourcedId");
            let course_number = Some(row.get("courseSourcedId"))
                .filter(|c| !c.is_empty())
                .unwrap_or_else(|| row.get("classCode"))
                .to_string();
            terms.entry((school, term.0)).or_insert_with(|| Term {
                id: term.0,
                year_id: term.1,
                name: term.2.clone(),
                school,
                first_day: term.3,
                last_day: term.4,
            });
            let homeroom = row.get("classType").eq_ignore_ascii_case("homeroom");
            sections.insert(
                sid.to_string(),
                (
                    Section {
                        id: numeric_or_derived(sid),
                        school,
                        course_number,
                        course_name: row.get("title").to_string(),
                        section_number: row.get("classCode").to_string(),
                        term_id: term.0,
                        teacher_dcid: None,
                        expression: row.get("periods").to_string(),
                    },
                    homeroom,
                ),
            );
        }

        // Enrollments in session today.
        let enrollments = Table::read(
            &self.dir,
            "enrollments.csv",
            &["classSourcedId", "userSourcedId", "role"],
        )?;
        let mut teacher_primary: HashSet<String> = HashSet::new();
        let mut out_enrollments = Vec::new();
        let mut homeroom_students: Vec<(String, String)> = Vec::new(); // (student number, class)
        problems.extend(enrollments.unreadable.iter().cloned());
        for row in enrollments.rows() {
            if row.is_deleted() {
                continue;
            }
            let class = row.get("classSourcedId");
            let Some((section, homeroom)) = sections.get_mut(class) else {
                continue; // a class not in session or out of scope
            };
            match (row.date("beginDate"), row.date("endDate")) {
                (Err(e), _) | (_, Err(e)) => {
                    problems.push(e);
                    continue;
                }
                (Ok(b), Ok(e)) if b.is_some_and(|b| b > today) || e.is_some_and(|e| e < today) => {
                    continue;
                }
                _ => {}
            }
            let user = row.get("userSourcedId");
            match row.get("role").to_ascii_lowercase().as_str() {
                "student" => match users.student_numbers.get(user) {
                    Some(n) => {
                        out_enrollments.push(Enrollment {
                            student_number: n.clone(),
                            section_id: section.id,
                        });
                        if *homeroom {
                            homeroom_students.push((n.clone(), class.to_string()));
                        }
                    }
                    None => problems
                        .push(row.error("userSourcedId", format!("unknown student '{user}'"))),
                },
                "teacher" => match users.staff_dcids.get(user) {
                    Some(&dcid) => {
                        let primary = row.get("primary").eq_ignore_ascii_case("true");
                        if section.teacher_dcid.is_none()
                            || (primary && !teacher_primary.contains(class))
                        {
                            section.teacher_dcid = Some(dcid);
                            if primary {
                                teacher_primary.insert(class.to_string());
                            }
                        }
                    }
                    None => problems
                        .push(row.error("userSourcedId", format!("unknown teacher '{user}'"))),
                },
                _ => {}
            }
        }
        let mut homerooms = BTreeMap::new();
        for (student, class) in homeroom_students {
            if let Some(t) = sections.get(&class).and_then(|(s, _)| s.teacher_dcid) {
                homerooms.entry(student).or_insert(t);
            }
        }
        for e in &problems {
            tracing::warn!(row = %e.source_row, field = %e.field, reason = %e.reason, "bad OneRoster class row");
        }
        let mut sections: Vec<Section> = sections.into_values().map(|(s, _)| s).collect();
        sections.sort_by_key(|s| (s.school, s.id));
        out_enrollments.sort_by(|a, b| {
            (a.section_id, &a.student_number).cmp(&(b.section_id, &b.student_number))
        });
        Ok(Classes {
            terms: terms.into_values().collect(),
            sections,
            enrollments: out_enrollments,
            homerooms,
            errors: problems,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades_map_to_powerschool_levels() {
        assert_eq!(parse_grade("KG"), Ok(Grade(0)));
        assert_eq!(parse_grade("PK"), Ok(Grade(-1)));
        assert_eq!(parse_grade("pr"), Ok(Grade(-2)));
        assert_eq!(parse_grade("01"), Ok(Grade(1)));
        assert_eq!(parse_grade("12"), Ok(Grade(12)));
        assert_eq!(parse_grade("7"), Ok(Grade(7)));
        assert!(parse_grade("UG").is_err());
        assert!(parse_grade("14").is_err());
    }

    #[test]
    fn derived_ids_are_stable_and_out_of_the_numeric_range() {
        let a = derived_id("a1b2c3d4-0000-4000-8000-000000000001");
        assert_eq!(a, derived_id("a1b2c3d4-0000-4000-8000-000000000001"));
        assert_ne!(a, derived_id("a1b2c3d4-0000-4000-8000-000000000002"));
        assert!((1i64 << 52..1i64 << 53).contains(&a));
        // FNV-1a 64 of "" is the offset basis; its low 52 bits plus 2^52.
        assert_eq!(
            derived_id(""),
            ((1u64 << 52) | (0xcbf2_9ce4_8422_2325 & ((1u64 << 52) - 1))) as i64
        );
        assert_eq!(numeric_or_derived("4711"), 4711);
        assert_eq!(numeric_or_derived("T-4711"), derived_id("T-4711"));
    }

    #[test]
    fn initials_of_school_names() {
        assert_eq!(initials("Riverside High School"), "RHS");
        assert_eq!(initials("Escuela de la Paz"), "EP");
    }
}
