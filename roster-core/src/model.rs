//! The SIS domain: schools, students, staff, classes (DESIGN §2).
//!
//! Values keep PowerSchool's meanings (enroll status codes, grade levels, staff types) so a
//! district admin can check any value against their SIS. Bad data is data: a row that cannot
//! become one of these types becomes a [`RowError`] in [`Loaded::errors`].

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::secret::Secret;

/// A school number (PowerSchool `SCHOOLS.SCHOOL_NUMBER`).
pub type SchoolNumber = i64;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct School {
    pub number: SchoolNumber,
    pub name: String,
    pub abbreviation: String,
    /// `SCHOOLS.STATE_EXCLUDEFROMREPORTING = 1`.
    pub state_excluded: bool,
}

/// PowerSchool `GRADE_LEVEL`: -2 and -1 are PreK/TK, 0 is kindergarten, 1..=12, and districts
/// use other values (13, 14, 99) for special programs and graduates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Grade(pub i32);

impl Grade {
    /// "K" for kindergarten, "PK" for PreK/TK, the number otherwise.
    pub fn label(self) -> String {
        match self.0 {
            -2 | -1 => "PK".into(),
            0 => "K".into(),
            n => n.to_string(),
        }
    }
}

/// `STUDENTS.ENROLL_STATUS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "i32", from = "i32")]
pub enum EnrollStatus {
    PreRegistered,
    Active,
    Inactive,
    TransferredOut,
    Graduated,
    HistoricalImport,
    Other(i32),
}

impl EnrollStatus {
    pub fn code(self) -> i32 {
        match self {
            EnrollStatus::PreRegistered => -1,
            EnrollStatus::Active => 0,
            EnrollStatus::Inactive => 1,
            EnrollStatus::TransferredOut => 2,
            EnrollStatus::Graduated => 3,
            EnrollStatus::HistoricalImport => 4,
            EnrollStatus::Other(n) => n,
        }
    }
}

impl From<i32> for EnrollStatus {
    fn from(code: i32) -> Self {
        match code {
            -1 => EnrollStatus::PreRegistered,
            0 => EnrollStatus::Active,
            1 => EnrollStatus::Inactive,
            2 => EnrollStatus::TransferredOut,
            3 => EnrollStatus::Graduated,
            4 => EnrollStatus::HistoricalImport,
            n => EnrollStatus::Other(n),
        }
    }
}

impl From<EnrollStatus> for i32 {
    fn from(s: EnrollStatus) -> i32 {
        s.code()
    }
}

/// `SCHOOLSTAFF.STAFFSTATUS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "i32", from = "i32")]
pub enum StaffType {
    NotAssigned,
    Teacher,
    Staff,
    LunchStaff,
    Substitute,
    Other(i32),
}

impl StaffType {
    pub fn code(self) -> i32 {
        match self {
            StaffType::NotAssigned => 0,
            StaffType::Teacher => 1,
            StaffType::Staff => 2,
            StaffType::LunchStaff => 3,
            StaffType::Substitute => 4,
            StaffType::Other(n) => n,
        }
    }
}

impl From<i32> for StaffType {
    fn from(code: i32) -> Self {
        match code {
            0 => StaffType::NotAssigned,
            1 => StaffType::Teacher,
            2 => StaffType::Staff,
            3 => StaffType::LunchStaff,
            4 => StaffType::Substitute,
            n => StaffType::Other(n),
        }
    }
}

impl From<StaffType> for i32 {
    fn from(s: StaffType) -> i32 {
        s.code()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Student {
    /// `STUDENTS.STUDENT_NUMBER`, the district-facing ID (a string: OneRoster IDs are strings).
    pub student_number: String,
    /// `STUDENTS.ID`, the key used by CC (enrollments). `None` outside PowerSchool.
    pub id: Option<i64>,
    pub dcid: Option<i64>,
    pub first_name: String,
    pub last_name: String,
    pub grade: Grade,
    pub school: SchoolNumber,
    pub enroll_status: EnrollStatus,
    pub class_of: Option<i32>,
    pub home_room: Option<String>,
    pub dob: Option<NaiveDate>,
    /// An email the SIS already holds (OneRoster); the district policy decides whether to use it.
    pub email: Option<String>,
    /// The student's web (portal) user name, from a district-chosen PowerSchool statement
    /// (KIPP: the custom field `student_web_username`); `None` when the district reads none.
    #[serde(default)]
    pub web_username: Option<String>,
    /// The student's web password, same source (KIPP: `student_web_pwd`). A [`Secret`]: never
    /// in a `Debug` dump, a log or a report (not serialised); only a vendor file that must
    /// carry it reads it with [`Secret::expose`].
    #[serde(skip)]
    pub web_password: Option<Secret>,
}

/// One `SCHOOLSTAFF` row: a staff member's assignment to a school.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchoolAssignment {
    pub school: SchoolNumber,
    /// `SCHOOLSTAFF.STATUS`: 1 is active, 2 inactive.
    pub status: i32,
    pub staff_type: StaffType,
}

impl SchoolAssignment {
    pub fn is_active(&self) -> bool {
        self.status == 1
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staff {
    /// `USERS.DCID`: stable across email changes, so it is the match key for staff accounts.
    pub dcid: i64,
    /// `USERS.EMAIL_ADDR`; `None` when blank in the SIS.
    pub email: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub teacher_number: Option<String>,
    pub home_school: SchoolNumber,
    pub schools: Vec<SchoolAssignment>,
    /// `USERS.GROUPVALUE`.
    pub group: Option<i64>,
    /// District-specific (D118 reads it from `U_HUMANRESOURCES.CELLPHONE`).
    pub cell_phone: Option<String>,
    /// `USERS.PTACCESS`: 1 when the user may sign in to PowerTeacher, 0 when not; `None` when
    /// NULL or outside PowerSchool. KIPP's ST Math `teachers.csv` codes come from it.
    pub pt_access: Option<i64>,
}

impl Staff {
    /// Active at one school at least (a `SCHOOLSTAFF` row with status 1).
    pub fn is_active(&self) -> bool {
        self.schools.iter().any(SchoolAssignment::is_active)
    }

    /// The assignment at the home school, if the SIS has one.
    pub fn home_assignment(&self) -> Option<&SchoolAssignment> {
        self.schools.iter().find(|a| a.school == self.home_school)
    }

    /// Schools where the assignment is active, ascending and without repeats.
    pub fn active_schools(&self) -> Vec<SchoolNumber> {
        let mut v: Vec<_> = self
            .schools
            .iter()
            .filter(|a| a.is_active())
            .map(|a| a.school)
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// A SIS row that could not become a model value: where it came from and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{source_row}: {field}: {reason}")]
pub struct RowError {
    /// Table or file and the row's key or line, e.g. `STUDENTS STUDENT_NUMBER=10234` or
    /// `users.csv line 17`.
    pub source_row: String,
    /// The column at fault, e.g. `LAST_NAME`.
    pub field: String,
    pub reason: String,
}

impl RowError {
    pub fn new(
        source_row: impl Into<String>,
        field: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        RowError {
            source_row: source_row.into(),
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// What a source loaded: the good rows, and an error for each bad one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Loaded<T> {
    pub rows: Vec<T>,
    pub errors: Vec<RowError>,
    /// Bad optional values (a DOB, a CLASSOF): the row loaded without them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<RowError>,
}

impl<T> Default for Loaded<T> {
    fn default() -> Self {
        Loaded {
            rows: Vec::new(),
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

impl<T> Loaded<T> {
    pub fn new(rows: Vec<T>, errors: Vec<RowError>) -> Self {
        Loaded {
            rows,
            errors,
            warnings: Vec::new(),
        }
    }
}

/// A term (`TERMS`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    pub id: i64,
    pub year_id: i64,
    pub name: String,
    pub school: SchoolNumber,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
}

/// A section (`SECTIONS`, joined with `COURSES` for the name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub id: i64,
    pub school: SchoolNumber,
    pub course_number: String,
    pub course_name: String,
    pub section_number: String,
    pub term_id: i64,
    /// The teacher's `USERS.DCID`.
    pub teacher_dcid: Option<i64>,
    /// The period expression, e.g. `1(A)`.
    pub expression: String,
}

/// A student's enrollment in a section (`CC`); dropped enrollments are not listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrollment {
    pub student_number: String,
    pub section_id: i64,
}

/// Classes for vendor rosters: terms, sections, enrollments, and each student's homeroom
/// teacher (the teacher of their period-1 section in the current term).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Classes {
    pub terms: Vec<Term>,
    pub sections: Vec<Section>,
    pub enrollments: Vec<Enrollment>,
    /// student_number -> teacher `USERS.DCID`.
    pub homerooms: BTreeMap<String, i64>,
    /// Term, section and enrollment rows that could not be read, each with its location.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<RowError>,
}

/// Everything a vendor export needs, read once from the SIS.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roster {
    pub schools: Vec<School>,
    pub students: Vec<Student>,
    pub staff: Vec<Staff>,
    pub classes: Classes,
}

impl Roster {
    pub fn school(&self, number: SchoolNumber) -> Option<&School> {
        self.schools.iter().find(|s| s.number == number)
    }

    pub fn staff_by_dcid(&self, dcid: i64) -> Option<&Staff> {
        self.staff.iter().find(|s| s.dcid == dcid)
    }
}

/// Who a change or an error is about, for reports people read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Person {
    pub kind: PersonKind,
    /// Student number or staff DCID.
    pub id: String,
    /// "Last, First" as the SIS spells it.
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PersonKind {
    Student,
    Staff,
}

impl Person {
    pub fn student(s: &Student) -> Self {
        Person {
            kind: PersonKind::Student,
            id: s.student_number.clone(),
            name: format!("{}, {}", s.last_name, s.first_name),
        }
    }

    pub fn staff(s: &Staff) -> Self {
        Person {
            kind: PersonKind::Staff,
            id: s.dcid.to_string(),
            name: format!("{}, {}", s.last_name, s.first_name),
        }
    }
}

impl fmt::Display for Person {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            PersonKind::Student => "student",
            PersonKind::Staff => "staff",
        };
        write!(f, "{kind} {} ({})", self.id, self.name)
    }
}
