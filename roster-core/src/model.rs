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
/// A school as the SIS lists it (`SCHOOLS`).
pub struct School {
    /// The school number (`SCHOOL_NUMBER`).
    pub number: SchoolNumber,
    /// Full name.
    pub name: String,
    /// Short name, as used in OU names.
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
    /// Enrolled for a future date (PowerSchool -1).
    PreRegistered,
    /// Enrolled (0).
    Active,
    /// Inactive (1).
    Inactive,
    /// Transferred out (2).
    TransferredOut,
    /// Graduated (3).
    Graduated,
    /// Imported as history only (4).
    HistoricalImport,
    /// Any other code.
    Other(i32),
}

impl EnrollStatus {
    /// The PowerSchool code.
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
    /// No staff type (0).
    NotAssigned,
    /// Teacher (1).
    Teacher,
    /// Staff (2).
    Staff,
    /// Lunch staff (3).
    LunchStaff,
    /// Substitute (4).
    Substitute,
    /// Any other code.
    Other(i32),
}

impl StaffType {
    /// The PowerSchool code.
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
/// A student as the SIS returns them.
pub struct Student {
    /// `STUDENTS.STUDENT_NUMBER`, the district-facing ID (a string: OneRoster IDs are strings).
    pub student_number: String,
    /// `STUDENTS.ID`, the key used by CC (enrollments). `None` outside PowerSchool.
    pub id: Option<i64>,
    /// `STUDENTS.DCID`. `None` outside PowerSchool.
    pub dcid: Option<i64>,
    /// First name as the SIS spells it.
    pub first_name: String,
    /// Last name as the SIS spells it.
    pub last_name: String,
    /// Grade level.
    pub grade: Grade,
    /// The school the student is enrolled at.
    pub school: SchoolNumber,
    /// Enrollment status.
    pub enroll_status: EnrollStatus,
    /// Graduation year, when the SIS has one.
    pub class_of: Option<i32>,
    /// Homeroom, when the SIS has one.
    pub home_room: Option<String>,
    /// Date of birth, when the SIS has a valid one.
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
    /// The school of this assignment.
    pub school: SchoolNumber,
    /// `SCHOOLSTAFF.STATUS`: 1 is active, 2 inactive.
    pub status: i32,
    /// The role at that school.
    pub staff_type: StaffType,
}

impl SchoolAssignment {
    /// Is this assignment active (status 1)?
    pub fn is_active(&self) -> bool {
        self.status == 1
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
/// A staff member (`USERS`) with their school assignments.
pub struct Staff {
    /// `USERS.DCID`: stable across email changes, so it is the match key for staff accounts.
    pub dcid: i64,
    /// `USERS.EMAIL_ADDR`; `None` when blank in the SIS.
    pub email: Option<String>,
    /// First name as the SIS spells it.
    pub first_name: String,
    /// Last name as the SIS spells it.
    pub last_name: String,
    /// `USERS.TEACHERNUMBER`, when set.
    pub teacher_number: Option<String>,
    /// `USERS.HOMESCHOOLID`.
    pub home_school: SchoolNumber,
    /// Every school assignment (`SCHOOLSTAFF`), active or not.
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
    /// What is wrong with the value.
    pub reason: String,
}

impl RowError {
    /// An error for one row: where it came from, the column, and why.
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
    /// The rows that loaded.
    pub rows: Vec<T>,
    /// One error per row that did not load.
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
    /// Rows and their errors, with no warnings.
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
    /// `TERMS.ID`.
    pub id: i64,
    /// `TERMS.YEARID`.
    pub year_id: i64,
    /// Name, e.g. `2025-2026`.
    pub name: String,
    /// The school the term belongs to.
    pub school: SchoolNumber,
    /// First day.
    pub first_day: NaiveDate,
    /// Last day.
    pub last_day: NaiveDate,
}

/// A section (`SECTIONS`, joined with `COURSES` for the name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// `SECTIONS.ID`.
    pub id: i64,
    /// The school the section is taught at.
    pub school: SchoolNumber,
    /// `COURSES.COURSE_NUMBER`.
    pub course_number: String,
    /// `COURSES.COURSE_NAME`.
    pub course_name: String,
    /// `SECTIONS.SECTION_NUMBER`.
    pub section_number: String,
    /// The term it runs in (`TERMS.ID`).
    pub term_id: i64,
    /// The teacher's `USERS.DCID`.
    pub teacher_dcid: Option<i64>,
    /// The period expression, e.g. `1(A)`.
    pub expression: String,
}

/// A student's enrollment in a section (`CC`); dropped enrollments are not listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrollment {
    /// The student's `STUDENT_NUMBER`.
    pub student_number: String,
    /// The section (`SECTIONS.ID`).
    pub section_id: i64,
}

/// Classes for vendor rosters: terms, sections, enrollments, and each student's homeroom
/// teacher (the teacher of their period-1 section in the current term).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Classes {
    /// Terms.
    pub terms: Vec<Term>,
    /// Sections.
    pub sections: Vec<Section>,
    /// Current enrollments.
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
    /// Schools in scope.
    pub schools: Vec<School>,
    /// Students in scope.
    pub students: Vec<Student>,
    /// Staff in scope.
    pub staff: Vec<Staff>,
    /// Terms, sections and enrollments.
    pub classes: Classes,
}

impl Roster {
    /// The school with this number, if in scope.
    pub fn school(&self, number: SchoolNumber) -> Option<&School> {
        self.schools.iter().find(|s| s.number == number)
    }

    /// The staff member with this `USERS.DCID`, if in scope.
    pub fn staff_by_dcid(&self, dcid: i64) -> Option<&Staff> {
        self.staff.iter().find(|s| s.dcid == dcid)
    }
}

/// Who a change or an error is about, for reports people read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Person {
    /// Student or staff.
    pub kind: PersonKind,
    /// Student number or staff DCID.
    pub id: String,
    /// "Last, First" as the SIS spells it.
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
/// Whether a person is a student or a staff member.
pub enum PersonKind {
    /// A student.
    Student,
    /// A staff member.
    Staff,
}

impl Person {
    /// The person for a student (id: the student number).
    pub fn student(s: &Student) -> Self {
        Person {
            kind: PersonKind::Student,
            id: s.student_number.clone(),
            name: format!("{}, {}", s.last_name, s.first_name),
        }
    }

    /// The person for a staff member (id: the DCID).
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
