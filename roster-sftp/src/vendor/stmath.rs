//! ST Math roster files: `students.csv` and `teachers.csv` (the KIPP Chicago seed, with the
//! columns ST Math requires filled in).

use std::borrow::Cow;
use std::collections::BTreeMap;

use roster_core::model::SchoolNumber;
use roster_core::{
    EnrollStatus, Export, Grade, Roster, RowError, Staff, VendorError, VendorExport,
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
    /// `text`.
    Text,
    /// `visual`.
    Visual,
}

impl PermanentLogin {
    /// The value as ST Math's file spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            PermanentLogin::Text => "text",
            PermanentLogin::Visual => "visual",
        }
    }
}

/// `position` and `access_level` of a `teachers.csv` row, from `USERS.PTACCESS` (the KIPP
/// teacher script, `kipp-st-math-teacher-rosters.py` lines 81–90): PowerTeacher access (1) is
/// position 1 / access level 1; no PowerTeacher access (0) is position 8 / access level 3;
/// anything else (NULL) leaves both blank, as the script does.
///
/// The script assigns `access_level` to the whole column instead of the row (line 87 and 90),
/// so every row gets the access level of the last PTACCESS 0/1 teacher read; here each row
/// gets its own (deliberately different: a bug fix, see `docs/PARITY.md`).
pub fn teacher_codes(pt_access: Option<i64>) -> (&'static str, &'static str) {
    match pt_access {
        Some(1) => ("1", "1"),
        Some(0) => ("8", "3"),
        _ => ("", ""),
    }
}

/// ST Math's codes for one school: its institution id and the school's initials.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SchoolCodes {
    iid: String,
    code: String,
}

/// The ST Math export, rule by rule as KIPP Chicago's two scripts (`docs/PARITY.md`).
///
/// `students.csv` (`kipp-st-math-rosters.py`):
/// - every active student (`ENROLL_STATUS = 0`) the job's filter keeps, one row each; every
///   upload is a full refresh;
/// - `iid` and `school` come from the per-school maps ([`StMath::new`],
///   [`StMath::school_codes`]); a school without one gets blank fields and the row is **kept**
///   (the script keeps it) and reported as a [`RowError`], since ST Math rejects a row
///   without an `iid`;
/// - the teacher is the homeroom teacher ([`roster_core::Classes::homerooms`]: the
///   period-`1(A)` section of the current term); a student without one keeps a row with blank
///   teacher fields (the script's left join), reported;
/// - `district_teacher_id` is the teacher number, or the `USERS.DCID` when it is blank;
///   `teacher_email` is the teacher's trimmed, lower-cased email (ST Math requires it; the
///   script left it blank);
/// - `grade` is `GRADE_LEVEL` as a number, as the script wrote it (ST Math reads `0` as
///   kindergarten, `-1` as TK and `-2` as pre-K);
/// - `student_username` and `student_password` are the student's PowerSchool login fields
///   (KIPP: the custom fields `student_web_username` and `student_web_pwd`);
/// - `permanent_login` is `text` up to grade 1 and `visual` above unless overridden (ST Math
///   requires it; the script left it blank);
/// - `period`, `curriculum`, `new_student_id`, `birth_date` and `action` are blank, as the
///   script leaves them (a full refresh needs no action).
///
/// `teachers.csv` (`kipp-st-math-teacher-rosters.py`): every active school assignment
/// (`SCHOOLSTAFF.STATUS = 1`) of every user whose home school is not 0, one row per school,
/// with that school's `iid` and code (blank when unmapped), the email as above (blank when
/// none), and `position`/`access_level` from `teacher_codes`.
///
/// Rows come out by school, then student number (students) or DCID (teachers).
#[derive(Debug, Clone)]
pub struct StMath {
    schools: BTreeMap<SchoolNumber, SchoolCodes>,
    permanent_login: BTreeMap<Grade, PermanentLogin>,
    /// `curriculum` for every student; empty (the script's value) lets ST Math pick by grade.
    pub curriculum: String,
    /// CSV settings.
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
            map.insert(
                school,
                SchoolCodes {
                    iid,
                    code: String::new(),
                },
            );
        }
        Ok(StMath {
            schools: map,
            permanent_login: BTreeMap::new(),
            curriculum: String::new(),
            csv: CsvOptions::default(),
        })
    }

    /// The `school` column for each school (KIPP: its initials). A school without an `iid`
    /// is a configuration error.
    pub fn school_codes<S: Into<String>>(
        mut self,
        codes: impl IntoIterator<Item = (SchoolNumber, S)>,
    ) -> Result<Self, VendorError> {
        for (school, code) in codes {
            let Some(entry) = self.schools.get_mut(&school) else {
                return Err(VendorError::Config(format!(
                    "ST Math school code for school {school}, which has no iid"
                )));
            };
            entry.code = code.into();
        }
        Ok(self)
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

    /// Writes a UTF-8 byte order mark first, or not.
    pub fn with_bom(mut self, bom: bool) -> Self {
        self.csv.bom = bom;
        self
    }
}

/// `grade` as the script writes it: the PowerSchool grade level as a number.
fn grade_code(g: Grade) -> Cow<'static, str> {
    const N: [&str; 15] = [
        "-2", "-1", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12",
    ];
    match g.0 {
        -2..=12 => Cow::Borrowed(N[(g.0 + 2) as usize]),
        n => Cow::Owned(n.to_string()),
    }
}

/// A school's columns: `iid`, `district_school_id`, `school` (blank codes when unmapped).
struct SchoolCols<'a> {
    iid: &'a str,
    number: String,
    code: &'a str,
}

/// A teacher's columns in `students.csv`.
struct TeacherCols<'a> {
    id: String,
    email: String,
    last_name: &'a str,
    first_name: &'a str,
}

fn email_of(s: &Staff) -> String {
    s.email
        .as_deref()
        .map(|e| e.trim().to_lowercase())
        .unwrap_or_default()
}

fn teacher_id(s: &Staff) -> String {
    match s.teacher_number.as_deref().map(str::trim) {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => s.dcid.to_string(),
    }
}

/// `student_username`, `student_password` (`kipp-st-math-rosters.py` lines 63–64 and 191):
/// the student's web login as the district's PowerSchool statement reads it; blank when
/// absent, as the script writes a NULL. The password leaves its [`roster_core::Secret`]
/// only here, into the file ST Math needs it in; it is never logged or reported.
fn web_login(s: &roster_core::Student) -> (&str, &str) {
    (
        s.web_username.as_deref().unwrap_or_default(),
        s.web_password.as_ref().map_or("", |p| p.expose()),
    )
}

impl StMath {
    fn school_cols(&self, number: SchoolNumber) -> SchoolCols<'_> {
        let codes = self.schools.get(&number);
        SchoolCols {
            iid: codes.map_or("", |c| c.iid.as_str()),
            number: number.to_string(),
            code: codes.map_or("", |c| c.code.as_str()),
        }
    }
}

impl VendorExport for StMath {
    fn name(&self) -> &str {
        "st-math"
    }

    fn export(&self, roster: &Roster) -> Result<Export, VendorError> {
        let staff: IntMap<i64, &Staff> = roster.staff.iter().map(|s| (s.dcid, s)).collect();
        let mut school_cols: IntMap<SchoolNumber, SchoolCols> = IntMap::default();
        let mut teacher_cols: IntMap<i64, Option<TeacherCols>> = IntMap::default();
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
        let no_teacher = TeacherCols {
            id: String::new(),
            email: String::new(),
            last_name: "",
            first_name: "",
        };

        for (s, homeroom) in students {
            let school = school_cols
                .entry(s.school)
                .or_insert_with(|| self.school_cols(s.school));
            if school.iid.is_empty() {
                errors.push(RowError::new(
                    student_row(s),
                    "iid",
                    format!(
                        "kept with a blank iid: no ST Math iid for school {} (ST Math rejects the row)",
                        s.school
                    ),
                ));
            }
            let teacher = match homeroom {
                None => {
                    errors.push(RowError::new(
                        student_row(s),
                        "district_teacher_id",
                        "kept with blank teacher fields: no homeroom teacher (period-1 section in the current term)",
                    ));
                    &no_teacher
                }
                Some(dcid) => {
                    let t = teacher_cols.entry(dcid).or_insert_with(|| {
                        staff.get(&dcid).map(|t| TeacherCols {
                            id: teacher_id(t),
                            email: email_of(t),
                            last_name: &t.last_name,
                            first_name: &t.first_name,
                        })
                    });
                    match t {
                        Some(t) => {
                            if t.email.is_empty() {
                                errors.push(RowError::new(
                                    student_row(s),
                                    "teacher_email",
                                    format!(
                                        "kept with a blank teacher_email: homeroom teacher {} has no email",
                                        staff_row(dcid)
                                    ),
                                ));
                            }
                            &*t
                        }
                        None => {
                            errors.push(RowError::new(
                                student_row(s),
                                "district_teacher_id",
                                format!(
                                    "kept with blank teacher fields: homeroom teacher {} is not in the staff list",
                                    staff_row(dcid)
                                ),
                            ));
                            &no_teacher
                        }
                    }
                }
            };
            let grade = grade_code(s.grade);
            out.row([
                school.iid,
                &school.number,
                school.code,
                &teacher.id,
                &teacher.email,
                teacher.last_name,
                teacher.first_name,
                &grade,
                "",
                &self.curriculum,
                &s.student_number,
                "",
                &s.last_name,
                &s.first_name,
                web_login(s).0,
                web_login(s).1,
                self.permanent_login(s.grade).as_str(),
                "",
                "",
            ])?;
        }
        let students_csv = out.finish()?;

        // Every active assignment of every user whose home school is not 0.
        let mut rows: Vec<(SchoolNumber, &Staff)> = roster
            .staff
            .iter()
            .filter(|t| t.home_school != 0)
            .flat_map(|t| t.active_schools().into_iter().map(move |n| (n, t)))
            .collect();
        rows.sort_by_key(|(n, t)| (*n, t.dcid));
        let mut out = CsvFile::new("teachers.csv", self.csv, &STMATH_TEACHER_COLUMNS)?;
        for (number, t) in rows {
            let sc = school_cols
                .entry(number)
                .or_insert_with(|| self.school_cols(number));
            let (position, access_level) = teacher_codes(t.pt_access);
            out.row([
                sc.iid,
                &sc.number,
                sc.code,
                &teacher_id(t),
                &email_of(t),
                &t.last_name,
                &t.first_name,
                position,
                access_level,
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
    fn grade_codes_are_the_grade_level() {
        // kipp-st-math-rosters.py writes GRADE_LEVEL as an integer (lines 66, 190, 212).
        assert_eq!(grade_code(Grade(0)), "0");
        assert_eq!(grade_code(Grade(12)), "12");
        assert_eq!(grade_code(Grade(-1)), "-1");
        assert_eq!(grade_code(Grade(-2)), "-2");
        assert_eq!(grade_code(Grade(99)), "99");
        assert_eq!(grade_code(Grade(-3)), "-3");
    }

    #[test]
    fn teacher_codes_from_ptaccess() {
        // kipp-st-math-teacher-rosters.py lines 84-90.
        assert_eq!(teacher_codes(Some(1)), ("1", "1"));
        assert_eq!(teacher_codes(Some(0)), ("8", "3"));
        assert_eq!(teacher_codes(None), ("", ""));
        assert_eq!(teacher_codes(Some(2)), ("", ""));
    }

    #[test]
    fn school_codes_need_an_iid() {
        let st = StMath::new([(7810, "KIP4OH")]).unwrap();
        assert!(st.clone().school_codes([(7810, "KAMS")]).is_ok());
        let e = st.school_codes([(1, "X")]).unwrap_err().to_string();
        assert!(e.contains("school 1"), "{e}");
    }
}
