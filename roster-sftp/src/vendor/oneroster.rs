//! OneRoster 1.1 bulk CSV (manifest, orgs, academicSessions, courses, classes, users,
//! enrollments), zipped as `OneRoster.zip`: accepted by ST Math, Clever, ClassLink and Google
//! School Directory Sync.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::{Cursor, Write};

use roster_core::model::SchoolNumber;
use roster_core::oneroster_extension;
use roster_core::{
    EnrollStatus, Export, ExportFile, Grade, Roster, RowError, Section, Staff, StaffType, Term,
    VendorError, VendorExport,
};
use zip::write::SimpleFileOptions;

use super::oneroster_columns::{CLASSES, COURSES, ENROLLMENTS, ORGS, SESSIONS, USERS};
use super::{CsvFile, CsvOptions, student_row};

/// The files in the zip, in order.
pub const ONEROSTER_FILES: [&str; 7] = [
    "manifest.csv",
    "orgs.csv",
    "academicSessions.csv",
    "courses.csv",
    "classes.csv",
    "users.csv",
    "enrollments.csv",
];

/// The OneRoster export.
///
/// `sourcedId`s are built from SIS keys, so they stay the same from run to run:
/// `org-<school number>`, `term-<school>-<TERMS.ID>`, `course-<school>-<course number>`,
/// `class-<SECTIONS.ID>`, `stu-<student number>`, `staff-<USERS.DCID>`,
/// `enr-<section>-stu-<student number>` / `enr-<section>-staff-<dcid>`, and the district's
/// own [`OneRoster::district_id`]. Emails are trimmed and lower-cased. Bulk files leave `status` and `dateLastModified` empty.
///
/// Sessions are typed `schoolYear`, `semester` or `term` (`session_type`); a semester or
/// term names its year as `parentSourcedId`. Classes whose `periods` are
/// [`OneRoster::homeroom_periods`] are `classType=homeroom`, the others `scheduled`.
///
/// Users are active students and active staff who teach (a teacher or substitute
/// assignment, or the teacher of a listed section), all with role `student` / `teacher`.
/// [`OneRoster::with_every_active_staff`] adds the other active staff (role
/// `administrator`), and [`OneRoster::with_powerschool_columns`] adds PowerSchool's `USERS`
/// fields to `users.csv` as extension columns ([`roster_core::oneroster_extension`]): both
/// off by default, so a vendor's `OneRoster.zip` carries neither (no PowerSchool keys sent
/// to a vendor); the demo's export turns both on so a OneRoster run can be compared with
/// PowerSchool's.
/// Sections whose term is unknown, and enrollments that point at unknown sections, are
/// reported as row errors.
#[derive(Debug, Clone)]
pub struct OneRoster {
    /// sourcedId of the district org (parent of every school).
    pub district_id: String,
    /// The district's name in `orgs.csv`.
    pub district_name: String,
    /// The zip file's name.
    pub file_name: String,
    /// CSV settings.
    pub csv: CsvOptions,
    /// `periods` (the section's `EXPRESSION`) of homeroom classes, which get
    /// `classType=homeroom`; default `1(A)`, PowerSchool's homeroom period.
    pub homeroom_periods: String,
    /// Writes `metadata.powerschool.*` columns on `users.csv` (staff rows filled, student
    /// rows blank). Off by default.
    pub powerschool_columns: bool,
    /// Lists every active staff member, not only those who teach. Off by default.
    pub every_active_staff: bool,
}

impl OneRoster {
    /// An exporter for one district, with the default file name and CSV settings.
    pub fn new(district_id: impl Into<String>, district_name: impl Into<String>) -> Self {
        OneRoster {
            district_id: district_id.into(),
            district_name: district_name.into(),
            file_name: "OneRoster.zip".into(),
            csv: CsvOptions::default(),
            homeroom_periods: "1(A)".into(),
            powerschool_columns: false,
            every_active_staff: false,
        }
    }

    /// Writes PowerSchool's `USERS` fields as extension columns on `users.csv`, or not.
    pub fn with_powerschool_columns(mut self, on: bool) -> Self {
        self.powerschool_columns = on;
        self
    }

    /// Lists every active staff member (those who do not teach with role `administrator`),
    /// or only those who teach.
    pub fn with_every_active_staff(mut self, on: bool) -> Self {
        self.every_active_staff = on;
        self
    }

    /// Writes a UTF-8 byte order mark first, or not.
    pub fn with_bom(mut self, bom: bool) -> Self {
        self.csv.bom = bom;
        self
    }

    /// The seven CSV files, unzipped (what [`VendorExport::export`] puts in the zip).
    pub fn csv_files(&self, roster: &Roster) -> Result<Export, VendorError> {
        let mut errors = Vec::new();
        let school_ids: HashSet<SchoolNumber> = roster.schools.iter().map(|s| s.number).collect();

        // manifest.csv
        let mut m = CsvFile::new("manifest.csv", self.csv, &["propertyName", "value"])?;
        for (k, v) in [
            ("manifest.version", "1.0"),
            ("oneroster.version", "1.1"),
            ("file.academicSessions", "bulk"),
            ("file.categories", "absent"),
            ("file.classes", "bulk"),
            ("file.classResources", "absent"),
            ("file.courses", "bulk"),
            ("file.courseResources", "absent"),
            ("file.demographics", "absent"),
            ("file.enrollments", "bulk"),
            ("file.lineItems", "absent"),
            ("file.orgs", "bulk"),
            ("file.resources", "absent"),
            ("file.results", "absent"),
            ("file.users", "bulk"),
            ("source.systemName", "roster"),
            ("source.systemCode", self.district_id.as_str()),
        ] {
            m.row([k, v])?;
        }

        // orgs.csv
        let mut orgs = CsvFile::new("orgs.csv", self.csv, &ORGS)?;
        orgs.row([
            self.district_id.as_str(),
            "",
            "",
            &self.district_name,
            "district",
            "",
            "",
        ])?;
        let mut schools: Vec<_> = roster.schools.iter().collect();
        schools.sort_by_key(|s| s.number);
        for s in &schools {
            let number = s.number.to_string();
            orgs.row([
                org_id(s.number).as_str(),
                "",
                "",
                &s.name,
                "school",
                &number,
                &self.district_id,
            ])?;
        }

        // academicSessions.csv
        let mut sessions = CsvFile::new("academicSessions.csv", self.csv, &SESSIONS)?;
        let mut terms: Vec<_> = roster.classes.terms.iter().collect();
        terms.sort_by_key(|t| (t.school, t.id));
        let term_ids: HashSet<(SchoolNumber, i64)> =
            terms.iter().map(|t| (t.school, t.id)).collect();
        for t in &terms {
            let (kind, parent) = session_type(t, &term_ids);
            sessions.row([
                term_id(t.school, t.id).as_str(),
                "",
                "",
                &t.name,
                kind,
                &t.first_day.format("%Y-%m-%d").to_string(),
                &t.last_day.format("%Y-%m-%d").to_string(),
                &parent.map(|p| term_id(t.school, p)).unwrap_or_default(),
                &t.last_day.format("%Y").to_string(),
            ])?;
        }

        // Sections with a known school and term; the rest are reported.
        let mut sections: Vec<&Section> = Vec::new();
        for s in &roster.classes.sections {
            let source = format!("SECTIONS ID={}", s.id);
            if !school_ids.contains(&s.school) {
                errors.push(RowError::new(
                    source,
                    "SCHOOLID",
                    format!("school {} is not in the roster", s.school),
                ));
            } else if !term_ids.contains(&(s.school, s.term_id)) {
                errors.push(RowError::new(
                    source,
                    "TERMID",
                    format!(
                        "term {} of school {} is not in the roster",
                        s.term_id, s.school
                    ),
                ));
            } else {
                sections.push(s);
            }
        }
        sections.sort_by_key(|s| s.id);

        // courses.csv
        let mut course_names: BTreeMap<(SchoolNumber, &str), &str> = BTreeMap::new();
        for s in &sections {
            course_names
                .entry((s.school, s.course_number.as_str()))
                .or_insert(s.course_name.as_str());
        }
        let mut courses = CsvFile::new("courses.csv", self.csv, &COURSES)?;
        for ((school, number), name) in &course_names {
            courses.row([
                course_id(*school, number).as_str(),
                "",
                "",
                "",
                name,
                number,
                "",
                &org_id(*school),
                "",
                "",
            ])?;
        }

        // classes.csv
        let mut classes = CsvFile::new("classes.csv", self.csv, &CLASSES)?;
        for s in &sections {
            let title = format!("{} - {}", s.course_name, s.section_number);
            classes.row([
                class_id(s.id).as_str(),
                "",
                "",
                &title,
                "",
                &course_id(s.school, &s.course_number),
                &format!("{}.{}", s.course_number, s.section_number),
                if s.expression == self.homeroom_periods {
                    "homeroom"
                } else {
                    "scheduled"
                },
                "",
                &org_id(s.school),
                &term_id(s.school, s.term_id),
                "",
                "",
                &s.expression,
            ])?;
        }

        // users.csv: active students, then teaching staff.
        let mut students: Vec<_> = roster
            .students
            .iter()
            .filter(|s| s.enroll_status == EnrollStatus::Active)
            .collect();
        students.sort_by(|a, b| a.student_number.cmp(&b.student_number));
        let extension: &[&str] = if self.powerschool_columns {
            &oneroster_extension::ALL
        } else {
            &[]
        };
        let users_header: Vec<&str> = USERS.iter().chain(extension).copied().collect();
        let mut users = CsvFile::new("users.csv", self.csv, &users_header)?;
        let blank_extension = vec![""; extension.len()];
        let mut student_numbers = HashSet::new();
        for s in &students {
            if !school_ids.contains(&s.school) {
                errors.push(RowError::new(
                    student_row(s),
                    "SCHOOLID",
                    format!("school {} is not in the roster", s.school),
                ));
                continue;
            }
            student_numbers.insert(s.student_number.as_str());
            let email = s
                .email
                .as_deref()
                .map(|e| e.trim().to_lowercase())
                .unwrap_or_default();
            let username = if email.is_empty() {
                s.student_number.as_str()
            } else {
                email.as_str()
            };
            users.row(
                [
                    stu_id(&s.student_number).as_str(),
                    "",
                    "",
                    "true",
                    &org_id(s.school),
                    "student",
                    username,
                    "",
                    &s.first_name,
                    &s.last_name,
                    "",
                    &s.student_number,
                    &email,
                    "",
                    "",
                    "",
                    grade_code(s.grade),
                    "",
                ]
                .into_iter()
                .chain(blank_extension.iter().copied()),
            )?;
        }
        let section_teachers: BTreeSet<i64> =
            sections.iter().filter_map(|s| s.teacher_dcid).collect();
        let teaches = |s: &Staff| {
            section_teachers.contains(&s.dcid)
                || s.schools.iter().any(|a| {
                    a.is_active()
                        && matches!(a.staff_type, StaffType::Teacher | StaffType::Substitute)
                })
        };
        let mut staff: Vec<&Staff> = roster
            .staff
            .iter()
            .filter(|s| s.is_active() && (self.every_active_staff || teaches(s)))
            .collect();
        staff.sort_by_key(|s| s.dcid);
        let mut staff_ids = HashSet::new();
        for s in &staff {
            let orgs: Vec<String> = s
                .active_schools()
                .into_iter()
                .filter(|n| school_ids.contains(n))
                .map(org_id)
                .collect();
            if orgs.is_empty() {
                errors.push(RowError::new(
                    format!("USERS DCID={}", s.dcid),
                    "SCHOOLID",
                    "no active assignment at a school in the roster",
                ));
                continue;
            }
            staff_ids.insert(s.dcid);
            let email = s
                .email
                .as_deref()
                .map(|e| e.trim().to_lowercase())
                .unwrap_or_default();
            let identifier = s
                .teacher_number
                .clone()
                .unwrap_or_else(|| s.dcid.to_string());
            // No allocation for a vendor file (the columns off).
            let extension_cells: &[String] = if self.powerschool_columns {
                &powerschool_values(s)
            } else {
                &[]
            };
            users.row(
                [
                    staff_id(s.dcid).as_str(),
                    "",
                    "",
                    "true",
                    &orgs.join(","),
                    if teaches(s) {
                        "teacher"
                    } else {
                        "administrator"
                    },
                    if email.is_empty() {
                        &identifier
                    } else {
                        &email
                    },
                    "",
                    &s.first_name,
                    &s.last_name,
                    "",
                    &identifier,
                    &email,
                    "",
                    "",
                    "",
                    "",
                    "",
                ]
                .into_iter()
                .chain(extension_cells.iter().map(String::as_str)),
            )?;
        }

        // enrollments.csv: the section's teacher (primary), then its students.
        let by_id: HashMap<i64, &Section> = sections.iter().map(|s| (s.id, *s)).collect();
        let all_section_ids: HashSet<i64> = roster.classes.sections.iter().map(|s| s.id).collect();
        let mut students_in: BTreeMap<i64, BTreeSet<&str>> = BTreeMap::new();
        for e in &roster.classes.enrollments {
            if !student_numbers.contains(e.student_number.as_str()) {
                continue; // inactive or unlisted student: not an error
            }
            if by_id.contains_key(&e.section_id) {
                students_in
                    .entry(e.section_id)
                    .or_default()
                    .insert(e.student_number.as_str());
            } else if !all_section_ids.contains(&e.section_id) {
                errors.push(RowError::new(
                    format!(
                        "CC STUDENT_NUMBER={} SECTIONID={}",
                        e.student_number, e.section_id
                    ),
                    "SECTIONID",
                    "enrollment in a section that is not in the roster",
                ));
            }
        }
        let mut enrollments = CsvFile::new("enrollments.csv", self.csv, &ENROLLMENTS)?;
        for s in &sections {
            let class = class_id(s.id);
            let school = org_id(s.school);
            if let Some(t) = s.teacher_dcid.filter(|t| staff_ids.contains(t)) {
                let user = staff_id(t);
                enrollments.row([
                    format!("enr-{}-{user}", s.id).as_str(),
                    "",
                    "",
                    &class,
                    &school,
                    &user,
                    "teacher",
                    "true",
                    "",
                    "",
                ])?;
            }
            for n in students_in.get(&s.id).into_iter().flatten() {
                let user = stu_id(n);
                enrollments.row([
                    format!("enr-{}-{user}", s.id).as_str(),
                    "",
                    "",
                    &class,
                    &school,
                    &user,
                    "student",
                    "false",
                    "",
                    "",
                ])?;
            }
        }

        Ok(Export {
            files: vec![
                m.finish()?,
                orgs.finish()?,
                sessions.finish()?,
                courses.finish()?,
                classes.finish()?,
                users.finish()?,
                enrollments.finish()?,
            ],
            errors,
        })
    }
}

impl VendorExport for OneRoster {
    fn name(&self) -> &str {
        "oneroster"
    }

    /// One file, `OneRoster.zip`, with the CSVs at its root. Entries carry a fixed timestamp
    /// (1980-01-01), so the same roster gives the same zip bytes.
    fn export(&self, roster: &Roster) -> Result<Export, VendorError> {
        let Export { files, errors } = self.csv_files(roster)?;
        let zip_err = |e: &dyn std::fmt::Display| VendorError::Write {
            file: self.file_name.clone(),
            reason: e.to_string(),
        };
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            // Level 1: a million-user roster zips in about a second instead of ten, for a
            // file about a third larger.
            .compression_level(Some(1))
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(0o644);
        for f in &files {
            zip.start_file(f.name.as_str(), opts)
                .map_err(|e| zip_err(&e))?;
            zip.write_all(&f.bytes).map_err(|e| zip_err(&e))?;
        }
        let bytes = zip.finish().map_err(|e| zip_err(&e))?.into_inner();
        Ok(Export {
            files: vec![ExportFile {
                name: self.file_name.clone(),
                bytes,
            }],
            errors,
        })
    }
}

/// A staff member's [`oneroster_extension::ALL`] values: DCID, group, PowerTeacher access,
/// home school, staff type at the home school (blank when unknown).
fn powerschool_values(s: &Staff) -> [String; 5] {
    let opt = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    [
        s.dcid.to_string(),
        opt(s.group),
        opt(s.pt_access),
        s.home_school.to_string(),
        opt(s.home_assignment().map(|a| i64::from(a.staff_type.code()))),
    ]
}

fn org_id(school: SchoolNumber) -> String {
    format!("org-{school}")
}
fn term_id(school: SchoolNumber, term: i64) -> String {
    format!("term-{school}-{term}")
}
fn course_id(school: SchoolNumber, number: &str) -> String {
    format!("course-{school}-{number}")
}
fn class_id(section: i64) -> String {
    format!("class-{section}")
}
fn stu_id(student_number: &str) -> String {
    format!("stu-{student_number}")
}
fn staff_id(dcid: i64) -> String {
    format!("staff-{dcid}")
}

/// OneRoster's session type, by PowerSchool's `TERMS.ID` scheme (`YEARID * 100` for the
/// year, then 1 and 2 for the semesters, higher for quarters or trimesters), and the
/// `TERMS.ID` of its parent (the year term, when it is in the file).
fn session_type(t: &Term, terms: &HashSet<(SchoolNumber, i64)>) -> (&'static str, Option<i64>) {
    let year = t.year_id * 100;
    let parent = Some(year).filter(|y| *y != t.id && terms.contains(&(t.school, *y)));
    match t.id - year {
        0 => ("schoolYear", None),
        1 | 2 => ("semester", parent),
        _ => ("term", parent),
    }
}

/// CEDS grade codes as OneRoster 1.1 uses them.
fn grade_code(g: Grade) -> &'static str {
    const N: [&str; 14] = [
        "KG", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13",
    ];
    match g.0 {
        -2 | -1 => "PK",
        0..=13 => N[g.0 as usize],
        _ => "Other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grade_codes() {
        assert_eq!(grade_code(Grade(-1)), "PK");
        assert_eq!(grade_code(Grade(0)), "KG");
        assert_eq!(grade_code(Grade(3)), "03");
        assert_eq!(grade_code(Grade(12)), "12");
        assert_eq!(grade_code(Grade(99)), "Other");
    }
}
