//! Every SQL statement the PowerSchool source runs, in one place (snapshot-tested).
//!
//! Written in the subset Oracle and SQLite share: ANSI joins, `CASE`, `COALESCE`, named binds
//! (`:school`, `:today`, `:expression`), table aliases without `AS` (Oracle rejects them),
//! column aliases with `AS` so both engines report the same upper-case column names.
//! No value is ever formatted into this text: the three scopes are three fixed variants of
//! each statement, and the only inputs are binds.
//!
//! Dates: Oracle stores `DATE`, the SQLite mirror stores `TEXT 'YYYY-MM-DD'`. The `:today`
//! bind is a date value that each backend converts (an Oracle `DATE` at midnight, an ISO
//! string on SQLite), so `t.FIRSTDAY <= :today AND t.LASTDAY >= :today` is the same text on
//! both and compares whole days on both (PowerSchool term dates are at midnight).
//!
//! PowerSchool keys to know: `TERMS.ID` repeats across schools (a term is `(ID, SCHOOLID)`),
//! `SECTIONS.TEACHER` and `CC.TEACHERID` are `SCHOOLSTAFF.ID` (not `USERS.DCID`), and a
//! dropped enrollment has a negative `CC.SECTIONID` and `CC.TERMID`.

use roster_core::Scope;

use super::backend::{Bind, Value};

/// One statement in the three scope variants of the D118 student sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScopedSql {
    /// The statement's name, for logs and errors.
    pub name: &'static str,
    /// Every school.
    pub all: &'static str,
    /// Schools with `STATE_EXCLUDEFROMREPORTING = 0` (a NULL flag counts as 0).
    pub state_reporting: &'static str,
    /// One school: binds `:school`.
    pub school: &'static str,
}

impl ScopedSql {
    /// The statement text for a scope.
    pub fn sql(&self, scope: &Scope) -> &'static str {
        match scope {
            Scope::All => self.all,
            Scope::StateReporting => self.state_reporting,
            Scope::School(_) => self.school,
        }
    }

    /// The binds the scope adds (`:school` for one school).
    pub fn scope_binds(scope: &Scope) -> Vec<Bind> {
        match scope {
            Scope::School(n) => vec![("school", Value::Int(*n))],
            Scope::All | Scope::StateReporting => Vec::new(),
        }
    }
}

/// Builds the three variants from a head, one filter per scope, and a tail, at compile time.
macro_rules! scoped {
    ($name:literal, $head:literal, all: $all:literal, state: $state:literal, school: $school:literal, $tail:literal $(,)?) => {
        ScopedSql {
            name: $name,
            all: concat!($head, $all, $tail),
            state_reporting: concat!($head, $state, $tail),
            school: concat!($head, $school, $tail),
        }
    };
}

/// `SCHOOLS`. A NULL `STATE_EXCLUDEFROMREPORTING` reads as 0 (PowerSchool's default).
pub const SCHOOLS: ScopedSql = scoped!(
    "schools",
    "SELECT sch.SCHOOL_NUMBER AS SCHOOL_NUMBER, sch.NAME AS NAME, sch.ABBREVIATION AS ABBREVIATION,
       COALESCE(sch.STATE_EXCLUDEFROMREPORTING, 0) AS STATE_EXCLUDEFROMREPORTING
FROM SCHOOLS sch
",
    all: "",
    state: "WHERE COALESCE(sch.STATE_EXCLUDEFROMREPORTING, 0) = 0
",
    school: "WHERE sch.SCHOOL_NUMBER = :school
",
    "ORDER BY sch.SCHOOL_NUMBER",
);

/// `STUDENTS`, oldest record (lowest DCID) first: of two rows with one student number, the
/// first loads and the later ones are row errors.
pub const STUDENTS: ScopedSql = scoped!(
    "students",
    "SELECT st.STUDENT_NUMBER AS STUDENT_NUMBER, st.ID AS ID, st.DCID AS DCID,
       st.FIRST_NAME AS FIRST_NAME, st.LAST_NAME AS LAST_NAME, st.GRADE_LEVEL AS GRADE_LEVEL,
       st.SCHOOLID AS SCHOOLID, st.ENROLL_STATUS AS ENROLL_STATUS, st.CLASSOF AS CLASSOF,
       st.HOME_ROOM AS HOME_ROOM, st.DOB AS DOB
FROM STUDENTS st
",
    all: "",
    state: "WHERE st.SCHOOLID IN (SELECT sch.SCHOOL_NUMBER FROM SCHOOLS sch
                      WHERE COALESCE(sch.STATE_EXCLUDEFROMREPORTING, 0) = 0)
",
    school: "WHERE st.SCHOOLID = :school
",
    "ORDER BY st.DCID",
);

/// `USERS` with every one of their `SCHOOLSTAFF` rows (one output row per assignment; a user
/// without assignments gives one row with NULL assignment columns). A user is in scope when
/// their home school is, or when they have an assignment at a school in scope; either way
/// all their assignments are returned (the School_Access_List needs them all).
pub const STAFF: ScopedSql = scoped!(
    "staff",
    "SELECT u.DCID AS DCID, u.EMAIL_ADDR AS EMAIL_ADDR, u.FIRST_NAME AS FIRST_NAME,
       u.LAST_NAME AS LAST_NAME, u.TEACHERNUMBER AS TEACHERNUMBER,
       u.HOMESCHOOLID AS HOMESCHOOLID, u.GROUPVALUE AS GROUPVALUE, u.PTACCESS AS PTACCESS,
       ss.ID AS SCHOOLSTAFF_ID, ss.SCHOOLID AS SCHOOLID, ss.STATUS AS STATUS,
       ss.STAFFSTATUS AS STAFFSTATUS
FROM USERS u
LEFT JOIN SCHOOLSTAFF ss ON ss.USERS_DCID = u.DCID
",
    all: "",
    state: "WHERE u.HOMESCHOOLID IN (SELECT sch.SCHOOL_NUMBER FROM SCHOOLS sch
                         WHERE COALESCE(sch.STATE_EXCLUDEFROMREPORTING, 0) = 0)
   OR u.DCID IN (SELECT ss2.USERS_DCID FROM SCHOOLSTAFF ss2
                 JOIN SCHOOLS sch ON sch.SCHOOL_NUMBER = ss2.SCHOOLID
                 WHERE COALESCE(sch.STATE_EXCLUDEFROMREPORTING, 0) = 0)
",
    school: "WHERE u.HOMESCHOOLID = :school
   OR u.DCID IN (SELECT ss2.USERS_DCID FROM SCHOOLSTAFF ss2 WHERE ss2.SCHOOLID = :school)
",
    "ORDER BY u.DCID, ss.SCHOOLID, ss.ID",
);

/// Terms in session on `:today`.
pub const TERMS: ScopedSql = scoped!(
    "terms",
    "SELECT t.ID AS ID, t.YEARID AS YEARID, t.NAME AS NAME, t.SCHOOLID AS SCHOOLID,
       t.FIRSTDAY AS FIRSTDAY, t.LASTDAY AS LASTDAY
FROM TERMS t
WHERE t.FIRSTDAY <= :today AND t.LASTDAY >= :today
",
    all: "",
    state: "  AND t.SCHOOLID IN (SELECT sch.SCHOOL_NUMBER FROM SCHOOLS sch
                      WHERE COALESCE(sch.STATE_EXCLUDEFROMREPORTING, 0) = 0)
",
    school: "  AND t.SCHOOLID = :school
",
    "ORDER BY t.SCHOOLID, t.ID",
);

/// Sections of the terms in session on `:today`, with the course name and the teacher's
/// `USERS.DCID`.
pub const SECTIONS: ScopedSql = scoped!(
    "sections",
    "SELECT sec.ID AS ID, sec.SCHOOLID AS SCHOOLID, sec.COURSE_NUMBER AS COURSE_NUMBER,
       COALESCE(c.COURSE_NAME, sec.COURSE_NUMBER) AS COURSE_NAME,
       sec.SECTION_NUMBER AS SECTION_NUMBER, sec.TERMID AS TERMID,
       ss.USERS_DCID AS TEACHER_DCID, sec.EXPRESSION AS EXPRESSION
FROM SECTIONS sec
JOIN TERMS t ON t.ID = sec.TERMID AND t.SCHOOLID = sec.SCHOOLID
LEFT JOIN COURSES c ON c.COURSE_NUMBER = sec.COURSE_NUMBER
LEFT JOIN SCHOOLSTAFF ss ON ss.ID = sec.TEACHER
WHERE t.FIRSTDAY <= :today AND t.LASTDAY >= :today
",
    all: "",
    state: "  AND sec.SCHOOLID IN (SELECT sch.SCHOOL_NUMBER FROM SCHOOLS sch
                        WHERE COALESCE(sch.STATE_EXCLUDEFROMREPORTING, 0) = 0)
",
    school: "  AND sec.SCHOOLID = :school
",
    "ORDER BY sec.SCHOOLID, sec.ID",
);

/// Current enrollments (`CC`) in the terms in session on `:today`; dropped rows (negative
/// `SECTIONID`) are left out. `STUDENT_DCID` lets the mapping keep only the rows of the
/// student record that loads when two records share a student number.
pub const ENROLLMENTS: ScopedSql = scoped!(
    "enrollments",
    "SELECT st.STUDENT_NUMBER AS STUDENT_NUMBER, st.DCID AS STUDENT_DCID, cc.SECTIONID AS SECTIONID
FROM CC cc
JOIN STUDENTS st ON st.ID = cc.STUDENTID
JOIN TERMS t ON t.ID = cc.TERMID AND t.SCHOOLID = cc.SCHOOLID
WHERE cc.SECTIONID > 0
  AND t.FIRSTDAY <= :today AND t.LASTDAY >= :today
",
    all: "",
    state: "  AND cc.SCHOOLID IN (SELECT sch.SCHOOL_NUMBER FROM SCHOOLS sch
                       WHERE COALESCE(sch.STATE_EXCLUDEFROMREPORTING, 0) = 0)
",
    school: "  AND cc.SCHOOLID = :school
",
    "ORDER BY cc.SECTIONID, st.STUDENT_NUMBER",
);

/// Each student's homeroom teacher: the teacher of their period-`:expression` enrollment
/// (`'1(A)'` by default) in a term in session on `:today`. When two terms qualify (a
/// year-long and a semester term) the later-starting, more specific one comes first.
pub const HOMEROOMS: ScopedSql = scoped!(
    "homerooms",
    "SELECT st.STUDENT_NUMBER AS STUDENT_NUMBER, st.DCID AS STUDENT_DCID,
       ss.USERS_DCID AS TEACHER_DCID, cc.SECTIONID AS SECTIONID
FROM CC cc
JOIN STUDENTS st ON st.ID = cc.STUDENTID
JOIN TERMS t ON t.ID = cc.TERMID AND t.SCHOOLID = cc.SCHOOLID
JOIN SCHOOLSTAFF ss ON ss.ID = cc.TEACHERID
WHERE cc.EXPRESSION = :expression
  AND cc.SECTIONID > 0
  AND t.FIRSTDAY <= :today AND t.LASTDAY >= :today
",
    all: "",
    state: "  AND cc.SCHOOLID IN (SELECT sch.SCHOOL_NUMBER FROM SCHOOLS sch
                       WHERE COALESCE(sch.STATE_EXCLUDEFROMREPORTING, 0) = 0)
",
    school: "  AND cc.SCHOOLID = :school
",
    "ORDER BY st.STUDENT_NUMBER, t.FIRSTDAY DESC, cc.SECTIONID",
);

/// D118's staff cell phones (`U_HUMANRESOURCES` is a district extension table, not core
/// PowerSchool). Plug it in with
/// [`PowerSchoolOptions::cell_phone_sql`](super::PowerSchoolOptions::cell_phone_sql); any
/// statement returning `USERSDCID` and `CELLPHONE` columns (and taking no binds) works.
pub const D118_CELL_PHONES: &str = "SELECT hr.USERSDCID AS USERSDCID, hr.CELLPHONE AS CELLPHONE
FROM U_HUMANRESOURCES hr
WHERE hr.CELLPHONE IS NOT NULL
ORDER BY hr.USERSDCID";

/// Every scoped statement, for tests and documentation.
pub const ALL_SCOPED: [ScopedSql; 7] = [
    SCHOOLS,
    STUDENTS,
    STAFF,
    TERMS,
    SECTIONS,
    ENROLLMENTS,
    HOMEROOMS,
];
