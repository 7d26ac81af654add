//! ST Math roster files: `students.csv` and `teachers.csv` (the KIPP Chicago seed, with the
//! columns ST Math requires filled in).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use roster_core::model::SchoolNumber;
use roster_core::{
    EnrollStatus, Export, Grade, Roster, RowError, School, Staff, VendorError, VendorExport,
};

use super::{CsvFile, CsvOptions, IntMap, staff_row, student_row};

/// `students.csv` columns, in ST Math's order.
pub const STMATH_STUDENT_COLUMNS: [&str; 19] = [
    "iid",
    "district_school_id",
    "school",
    "district_teacher_id",
    "teacher_email",
    "teacher_last_name",
    "teacher_first_name",
    "grade",
    "period",
    "curriculum",
    "student_id",
    "new_student_id",
    "student_last_name",
    "student_first_name",
    "student_username",
    "student_password",
    "permanent_login",
    "birth_date",
    "action",
];

/// `teachers.csv` columns, in ST Math's order.
pub const STMATH_TEACHER_COLUMNS: [&str; 9] = [
    "iid",
    "district_school_id",
    "school",
    "district_teacher_id",
    "email",
    "last_name",
    "first_name",
    "position",
    "access_level",
];

/// ST Math's `permanent_login` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PermanentLogin {
    Text,
    Visual,
}

impl PermanentLogin {
    pub fn as_str(self) -> &'static str {
        match self {
            PermanentLogin::Text => "text",
            PermanentLogin::Visual => "visual",
        }
    }
}

/// The ST Math export.
///
/// - Only active students (`ENROLL_STATUS = 0`) are listed; every upload is a full refresh.
/// - A student's teacher is their homeroom teacher from the roster
///   ([`roster_core::Classes::homerooms`]: the period-1 section of the current term). A student
///   without one, whose teacher has no email, or whose school has no `iid`, is left out and
///   reported as a [`RowError`].
/// - `teachers.csv` lists each homeroom teacher once per school they teach a listed student
///   at.
/// - Emails are trimmed and lower-cased.
/// - `district_teacher_id` is the teacher number, or the `USERS.DCID` when it is blank;
///   `grade` is `K` for 0 and `PK` below; `period` is the student's `HOME_ROOM`;
///   `birth_date` is `MM/DD/YYYY`; `new_student_id`, `student_username`, `student_password` and
///   `action` stay empty (ST Math generates logins; a full refresh needs no action).
#[derive(Debug, Clone)]
pub struct StMath {
    iids: BTreeMap<SchoolNumber, String>,
    permanent_login: BTreeMap<Grade, PermanentLogin>,
    /// `curriculum` for every student; empty lets ST Math pick by grade.
    pub curriculum: String,
    /// `position` in `teachers.csv`.
    pub teacher_position: String,
    /// `access_level` in `teachers.csv`.
    pub teacher_access_level: String,
    pub csv: CsvOptions,
}

impl StMath {
    /// `iids`: ST Math's institution ID for each school number (at most 8 characters each).
    pub fn new<S: Into<String>>(
        iids: impl IntoIterator<Item = (SchoolNumber, S)>,
    ) -> Result<Self, VendorError> {
        let mut map = BTreeMap::new();
        for (school, iid) in iids {
            let iid: String = iid.into();
            let n = iid.chars().count();
            if n == 0 || n > 8 || iid.trim() != iid {
                return Err(VendorError::Config(format!(
                    "ST Math iid for school {school} is {iid:?} ({n} characters): an iid has 1 to 8 characters and no surrounding spaces"
                )));
            }
            map.insert(school, iid);
        }
        Ok(StMath {
            iids: map,
            permanent_login: BTreeMap::new(),
            curriculum: String::new(),
            teacher_position: "Teacher".into(),
            teacher_access_level: "Teacher".into(),
            csv: CsvOptions::default(),
        })
    }

    /// Overrides `permanent_login` for one grade.
    pub fn permanent_login_for(mut self, grade: Grade, login: PermanentLogin) -> Self {
        self.permanent_login.insert(grade, login);
        self
    }

    /// `text` for grades up to 1 (K, PK), `visual` above, unless overridden.
    pub fn permanent_login(&self, grade: Grade) -> PermanentLogin {
        match self.permanent_login.get(&grade) {
            Some(p) => *p,
            None if grade.0 <= 1 => PermanentLogin::Text,
            None => PermanentLogin::Visual,
        }
    }

    pub fn with_bom(mut self, bom: bool) -> Self {
        self.csv.bom = bom;
        self
    }
}

fn grade_label(g: Grade) -> Cow<'static, str> {
    const N: [&str; 13] = [
        "K", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12",
    ];
    match g.0 {
        0..=12 => Cow::Borrowed(N[g.0 as usize]),
        _ => Cow::Owned(g.label()),
    }
}

struct SchoolCols<'a> {
    iid: &'a str,
    number: String,
    name: &'a str,
}

struct TeacherCols<'a> {
    id: String,
    email: String,
    staff: &'a Staff,
}

impl VendorExport for StMath {
    fn name(&self) -> &str {
        "st-math"
    }

    fn export(&self, roster: &Roster) -> Result<Export, VendorError> {
        let schools: IntMap<SchoolNumber, &School> =
            roster.schools.iter().map(|s| (s.number, s)).collect();
        let staff: IntMap<i64, &Staff> = roster.staff.iter().map(|s| (s.dcid, s)).collect();
        let mut school_cols: IntMap<SchoolNumber, Option<SchoolCols>> = IntMap::default();
        let mut teacher_cols: IntMap<i64, Result<TeacherCols, RowError>> = IntMap::default();
        let mut dob = String::with_capacity(10);
        let mut errors = Vec::new();

        let mut students: Vec<_> = roster
            .students
            .iter()
            .filter(|s| s.enroll_status == EnrollStatus::Active)
            .collect();
        // Order by student number, join with the homerooms (a BTreeMap in the same order) in
        // one pass, then stable-sort by school: rows come out by (school, student number)
        // with far fewer string comparisons than sorting and looking up separately.
        if !students.is_sorted_by(|a, b| a.student_number <= b.student_number) {
            students.sort_by(|a, b| a.student_number.cmp(&b.student_number));
        }
        let mut homerooms = roster.classes.homerooms.iter().peekable();
        let mut students: Vec<(&roster_core::Student, Option<i64>)> = students
            .into_iter()
            .map(|s| {
                while homerooms
                    .next_if(|(n, _)| n.as_str() < s.student_number.as_str())
                    .is_some()
                {}
                let dcid = homerooms
                    .peek()
                    .filter(|(n, _)| **n == s.student_number)
                    .map(|(_, d)| **d);
                (s, dcid)
            })
            .collect();
        students.sort_by_key(|(s, _)| s.school);

        let mut out = CsvFile::with_capacity(
            "students.csv",
            self.csv,
            &STMATH_STUDENT_COLUMNS,
            students.len() * 160 + 1024,
        )?;
        let mut teachers_used: BTreeSet<(SchoolNumber, i64)> = BTreeSet::new();

        for (s, homeroom) in students {
            let school = school_cols.entry(s.school).or_insert_with(|| {
                let iid = self.iids.get(&s.school)?;
                let school = schools.get(&s.school)?;
                Some(SchoolCols {
                    iid,
                    number: s.school.to_string(),
                    name: &school.name,
                })
            });
            let Some(school) = school.as_ref() else {
                let (field, reason) = if schools.contains_key(&s.school) {
                    (
                        "iid",
                        format!("no ST Math iid configured for school {}", s.school),
                    )
                } else {
                    (
                        "district_school_id",
                        format!("school {} is not in the roster", s.school),
                    )
                };
                errors.push(RowError::new(student_row(s), field, reason));
                continue;
            };
            let Some(dcid) = homeroom else {
                errors.push(RowError::new(
                    student_row(s),
                    "district_teacher_id",
                    "no homeroom teacher (period-1 section in the current term)",
                ));
                continue;
            };
            let teacher = teacher_cols.entry(dcid).or_insert_with(|| {
                let t = staff.get(&dcid).ok_or_else(|| {
                    RowError::new(
                        staff_row(dcid),
                        "district_teacher_id",
                        "homeroom teacher is not in the staff list, or was left out (see their own row error)",
                    )
                })?;
                let email = t
                    .email
                    .as_deref()
                    .map(|e| e.trim().to_lowercase())
                    .filter(|e| !e.is_empty());
                let email = email.ok_or_else(|| {
                    RowError::new(
                        staff_row(dcid),
                        "teacher_email",
                        "homeroom teacher has no email",
                    )
                })?;
                let id = match t.teacher_number.as_deref().map(str::trim) {
                    Some(n) if !n.is_empty() => n.to_string(),
                    _ => dcid.to_string(),
                };
                Ok(TeacherCols {
                    id,
                    email,
                    staff: t,
                })
            });
            let teacher = match teacher {
                Ok(t) => t,
                Err(e) => {
                    errors.push(RowError::new(
                        student_row(s),
                        e.field.clone(),
                        format!("{} ({})", e.reason, e.source_row),
                    ));
                    continue;
                }
            };
            teachers_used.insert((s.school, dcid));
            let grade = grade_label(s.grade);
            dob.clear();
            if let Some(d) = s.dob {
                use chrono::Datelike;
                let _ = write!(dob, "{:02}/{:02}/{:04}", d.month(), d.day(), d.year());
            }
            out.row([
                school.iid,
                &school.number,
                school.name,
                &teacher.id,
                &teacher.email,
                &teacher.staff.last_name,
                &teacher.staff.first_name,
                &grade,
                s.home_room.as_deref().unwrap_or(""),
                &self.curriculum,
                &s.student_number,
                "",
                &s.last_name,
                &s.first_name,
                "",
                "",
                self.permanent_login(s.grade).as_str(),
                &dob,
                "",
            ])?;
        }
        let students_csv = out.finish()?;

        let mut out = CsvFile::new("teachers.csv", self.csv, &STMATH_TEACHER_COLUMNS)?;
        for (school, dcid) in teachers_used {
            let (Some(Some(sc)), Some(Ok(t))) = (school_cols.get(&school), teacher_cols.get(&dcid))
            else {
                continue; // unreachable: only pairs that produced a student row are here
            };
            out.row([
                sc.iid,
                &sc.number,
                sc.name,
                &t.id,
                &t.email,
                &t.staff.last_name,
                &t.staff.first_name,
                &self.teacher_position,
                &self.teacher_access_level,
            ])?;
        }
        let teachers_csv = out.finish()?;
        Ok(Export {
            files: vec![students_csv, teachers_csv],
            errors,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iids_are_checked() {
        assert!(StMath::new([(1, "KIPPCHI1")]).is_ok());
        let e = StMath::new([(7, "KIPPCHI12")]).unwrap_err().to_string();
        assert!(e.contains("school 7") && e.contains("8 characters"), "{e}");
        assert!(StMath::new([(7, "")]).is_err());
        assert!(StMath::new([(7, " K1")]).is_err());
    }

    #[test]
    fn permanent_login_defaults_and_overrides() {
        let st = StMath::new([(1, "K1")]).unwrap();
        assert_eq!(st.permanent_login(Grade(-1)), PermanentLogin::Text);
        assert_eq!(st.permanent_login(Grade(0)), PermanentLogin::Text);
        assert_eq!(st.permanent_login(Grade(1)), PermanentLogin::Text);
        assert_eq!(st.permanent_login(Grade(2)), PermanentLogin::Visual);
        let st = st.permanent_login_for(Grade(1), PermanentLogin::Visual);
        assert_eq!(st.permanent_login(Grade(1)), PermanentLogin::Visual);
        assert_eq!(st.permanent_login(Grade(0)), PermanentLogin::Text);
    }

    #[test]
    fn grade_labels() {
        assert_eq!(grade_label(Grade(0)), "K");
        assert_eq!(grade_label(Grade(12)), "12");
        assert_eq!(grade_label(Grade(-1)), "PK");
        assert_eq!(grade_label(Grade(99)), "99");
    }
}
