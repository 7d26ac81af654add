//! A deterministic demo district: a PowerSchool-shaped SQLite file of any size.
//!
//! ```no_run
//! use chrono::NaiveDate;
//! use roster_sis::demo::{self, DemoConfig};
//! let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
//! let summary = demo::generate("demo.sqlite", &DemoConfig::new(300, 118, today)).unwrap();
//! assert!(summary.students >= 300);
//! ```
//!
//! What is in it (all of it reachable from the constants below, so tests and districts need
//! not guess):
//! - [`SCHOOLS`]: D118's buildings, with the numbers the D118 scripts name (see [`SCHOOLS`]
//!   for which come from the seeds and which are the demo's): the district office (0, staff
//!   only), three elementary and two middle schools, Wauconda High School ([`HIGH_SCHOOL`])
//!   and the three buildings the staff script counts with it ([`WHS_GROUP`]), an
//!   early-learning centre, school 901 excluded from state reporting
//!   ([`STATE_EXCLUDED_SCHOOL`]), a school named "Substitute" ([`SUBSTITUTE_SCHOOL`]) and a
//!   graduated-students school ([`GRADUATED_SCHOOL`], number 999999; refer to it by this
//!   constant). [`DemoDistrict::KippChicago`] writes KIPP Chicago's four campuses instead
//!   ([`KIPP_SCHOOLS`]), with the same people.
//! - Students in grades -2..=12 and 99 with every enroll status (-1, 0, 1, 2, 3, 4) and one
//!   unknown code (5), this year's graduates (class of `today`'s year, enroll status 3 or in
//!   the graduated school), and the edge cases in [`edge`]: apostrophes, hyphens, accents,
//!   double spaces, all capitals, a NULL last name, a duplicate student number, a real person
//!   surnamed "Do", test accounts on [`BAD_NAMES`] and near-misses that are not ("Testa",
//!   "Subramanian").
//! - Staff at every school, multi-school staff, substitutes (home school "Substitute",
//!   staff status 4), staff without email (NULL and blank), inactive staff, a user without
//!   assignments, a NULL last name, an assignment with a NULL status, test accounts;
//!   emails `first.last@{domain}` (ASCII-folded, de-duplicated); D118's `U_HUMANRESOURCES`
//!   cell phones for most staff; `USERS.PTACCESS` 1, 0 or NULL.
//! - KIPP's student web logins (`U_STUDENTSUSERFIELDS.STUDENT_WEB_USERNAME` and
//!   `STUDENT_WEB_PWD`) for most students.
//! - Terms (last year's and this year's: year, S1, S2, per school), homeroom sections in
//!   period `1(A)`, course sections (some per semester), and `CC` enrollments including
//!   dropped ones (negative `SECTIONID`/`TERMID`) and last year's homerooms with other teachers.
//!
//! **Determinism:** the same [`DemoConfig`] gives a byte-identical file (same bundled SQLite,
//! fixed page size, no journal, no timestamps, no hash-ordered iteration; the random numbers
//! come from SplitMix64 in this module, not from a crate whose algorithm may change).
//! Tested in `tests/demo.rs`.
//!
//! **Speed** (measured 2026-11-24 on the shared 2-core build machine, release build,
//! `--students 100000 --seed 118 --today 2026-11-24`, three runs each):
//! - generating: 2.3-2.5 s wall (0.8 s user CPU) for 100,000 students, 4,219 users, 4,914
//!   SCHOOLSTAFF, 17,361 sections, 394,287 CC rows: one transaction, prepared statements,
//!   indexes built after the inserts; a 37 MB file, byte-identical across runs;
//! - loading it through the SQLite backend (`roster-sis load`: schools, students, staff, then
//!   terms, sections, enrollments and homerooms): 2.1-2.4 s wall (0.8 s user), of which
//!   schools + students + staff take 0.6-0.9 s.
//!
//! Layout: `schools`, `students`, `staff` (with the name pools of `names`) and `schedules`
//! (terms, sections, `CC` rows) make the rows from one `rng`; `writer` writes them.

mod names;
mod rng;
mod schedules;
mod schools;
mod staff;
mod students;
mod writer;

use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use rusqlite::Connection;

pub use self::schools::{DemoSchool, KIPP_SCHOOLS, SCHOOLS, WHS_GROUP, schools_of};

/// Domain of the demo staff emails unless [`DemoConfig::domain`] says otherwise.
pub const DEFAULT_DOMAIN: &str = "demo.k12.example";
/// The graduated-students school.
pub const GRADUATED_SCHOOL: i64 = 999_999;
/// The school named "Substitute" (home school of substitute teachers; no students). The
/// name is D118's (`d118-staffsync.pyw:37`), the number is not in the seeds.
pub const SUBSTITUTE_SCHOOL: i64 = 900;
/// D118's school 901, with `STATE_EXCLUDEFROMREPORTING = 1` (it has students): the student
/// script puts its students in the building OU without a grade sub-OU
/// (`d118-studentsync.py:160`).
pub const STATE_EXCLUDED_SCHOOL: i64 = 901;
/// D118's district office, school 0: staff, no students (`d118-staffsync.pyw:173`).
pub const DISTRICT_OFFICE: i64 = 0;
/// Wauconda High School (the name is the staff script's, line 174; the number 131 is one of
/// its CrisisGO group, line 173).
pub const HIGH_SCHOOL: i64 = 131;
/// The domain whose demo is KIPP Chicago's ([`DemoDistrict::for_domain`]).
pub const KIPP_DOMAIN: &str = "kippchicago.org";

/// Which district's schools the demo has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DemoDistrict {
    /// D118's buildings ([`SCHOOLS`]): what the D118 jobs and Grow read.
    #[default]
    D118,
    /// KIPP Chicago's four campuses ([`KIPP_SCHOOLS`]), grades -2 to 8 (and the edge cases'):
    /// what the ST Math job reads. Made like D118's demo, then each building's people move to
    /// the campus it maps to (early and elementary grades at the primary campus and KBCP,
    /// each middle school at a middle campus), the Substitute and graduated-students schools
    /// staying as they are.
    KippChicago,
}

impl DemoDistrict {
    /// The district whose demo a job with staff at `domain` reads: KIPP Chicago's for
    /// [`KIPP_DOMAIN`], D118's otherwise.
    pub fn for_domain(domain: &str) -> DemoDistrict {
        if domain.eq_ignore_ascii_case(KIPP_DOMAIN) {
            DemoDistrict::KippChicago
        } else {
            DemoDistrict::D118
        }
    }
}
/// Names of the test accounts (whole first or last names, lower case). "do" is not on it:
/// [`edge::STUDENT_DO`] is a real person.
pub const BAD_NAMES: &[&str] = &["test", "student", "sub", "demo"];
/// `CC.EXPRESSION` / `SECTIONS.EXPRESSION` of homeroom (period 1).
pub const HOMEROOM_EXPRESSION: &str = "1(A)";

/// Student numbers and staff DCIDs of the edge cases (fixed whatever the seed and size).
pub mod edge {
    /// Liam O'Brien (apostrophe).
    pub const STUDENT_APOSTROPHE: &str = "100001";
    /// Ana García-López (hyphen and accents).
    pub const STUDENT_HYPHEN: &str = "100002";
    /// José Martínez (accents).
    pub const STUDENT_ACCENT: &str = "100003";
    /// Zoë Brontë (diaeresis).
    pub const STUDENT_DIAERESIS: &str = "100004";
    /// First name "Mary  Ann" (two spaces).
    pub const STUDENT_DOUBLE_SPACE: &str = "100005";
    /// "Prince", LAST_NAME NULL: a row error.
    pub const STUDENT_NULL_LAST_NAME: &str = "100006";
    /// Jordan Lee loads; a later row with this number (Taylor Kim) is a row error.
    pub const STUDENT_DUPLICATE_NUMBER: &str = "100007";
    /// Minh Do: a real person whose surname is two letters.
    pub const STUDENT_DO: &str = "100008";
    /// "Test" "Student": a test account (both names on [`super::BAD_NAMES`]).
    pub const STUDENT_TEST_ACCOUNT: &str = "100009";
    /// "Demo" "Account": a test account (first name on the list).
    pub const STUDENT_DEMO_ACCOUNT: &str = "100010";
    /// Testa Rossi: not a test account ("Testa" is not "test").
    pub const STUDENT_TESTA: &str = "100011";
    /// Aaliyah Subramanian: not a test account ("sub" is not a whole name).
    pub const STUDENT_SUBRAMANIAN: &str = "100012";
    /// This year's graduate still at the high school: grade 12, enroll status 3, class of
    /// `today`'s year.
    pub const STUDENT_GRADUATE_AT_HIGH_SCHOOL: &str = "100013";
    /// In the graduated school but enroll status 0 (status not updated), class of this year.
    pub const STUDENT_GRADUATE_STATUS_NOT_SET: &str = "100014";
    /// Graduated last year: graduated school, status 3, class of `today`'s year - 1.
    pub const STUDENT_GRADUATE_LAST_YEAR: &str = "100015";
    /// Pre-registered (-1), grade -1.
    pub const STUDENT_PRE_REGISTERED: &str = "100016";
    /// Transferred out (2); their homeroom enrollment is dropped (negative ids).
    pub const STUDENT_TRANSFERRED: &str = "100017";
    /// Inactive (1).
    pub const STUDENT_INACTIVE: &str = "100018";
    /// Historical import (4).
    pub const STUDENT_HISTORICAL: &str = "100019";
    /// Enroll status 5, which PowerSchool does not define: a row error (skipped, never
    /// suspended).
    pub const STUDENT_UNKNOWN_STATUS: &str = "100020";
    /// At school 901 (excluded from state reporting), grade 11.
    pub const STUDENT_STATE_EXCLUDED: &str = "100021";
    /// Seán de la Cruz, kindergarten (grade 0).
    pub const STUDENT_PARTICLE: &str = "100022";
    /// Grade -2 at the early-learning centre, active.
    pub const STUDENT_PREK3: &str = "100023";
    /// "ROBERT" "MCDONALD" in capitals (title case gives "Robert" "McDonald").
    pub const STUDENT_CAPITALS: &str = "100024";
    /// Students at the three buildings of [`super::WHS_GROUP`] (133, 134, 135), grade 9, so
    /// every D118 building with students has one however small the demo.
    pub const STUDENTS_WHS_GROUP: [&str; 3] = ["100025", "100026", "100027"];

    /// "Test" "Teacher" (test account).
    pub const STAFF_TEST_ACCOUNT: i64 = 101;
    /// "Sub" "Teacher": a test account at the Substitute school.
    pub const STAFF_SUB_ACCOUNT: i64 = 102;
    /// María García-López: active at 110 and 120, inactive at 210; home 110.
    pub const STAFF_MULTI_SCHOOL: i64 = 103;
    /// Seán O'Brien: EMAIL_ADDR NULL.
    pub const STAFF_NULL_EMAIL: i64 = 104;
    /// Kai Nakamura: EMAIL_ADDR '' (blank).
    pub const STAFF_BLANK_EMAIL: i64 = 105;
    /// Priya Subramanian: a real teacher ("sub" inside a name is not a bad name).
    pub const STAFF_SUBRAMANIAN: i64 = 106;
    /// Minh Do: a real teacher surnamed Do.
    pub const STAFF_DO: i64 = 107;
    /// Robert McDonald: substitute, home school "Substitute", staff status 4 there and at 110.
    pub const STAFF_SUBSTITUTE: i64 = 108;
    /// Angela de la Cruz: substitute by staff status 4 at her regular home school 120.
    pub const STAFF_SUBSTITUTE_BY_TYPE: i64 = 109;
    /// Helen Park: every assignment inactive (status 2).
    pub const STAFF_INACTIVE: i64 = 110;
    /// "Lee", LAST_NAME NULL: a row error.
    pub const STAFF_NULL_LAST_NAME: i64 = 111;
    /// Omar Haddad: no SCHOOLSTAFF rows at all.
    pub const STAFF_NO_ASSIGNMENTS: i64 = 112;
    /// Zoë Brontë: district administrator (staff status 2) at every regular school.
    pub const STAFF_DISTRICT_ADMIN: i64 = 113;
    /// "Mary  Ellen" Walsh (two spaces).
    pub const STAFF_DOUBLE_SPACE: i64 = 114;
    /// Grace Hopper: active at 210, plus an assignment at 220 whose STATUS is NULL (a row
    /// error on `SCHOOLSTAFF`; the person still loads).
    pub const STAFF_NULL_STATUS_ASSIGNMENT: i64 = 115;
}

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoConfig {
    /// Student rows wanted; the 28 edge-case students are part of them (a smaller number
    /// still writes every edge case).
    pub students: usize,
    /// Seed of the random generator: the same seed writes the same district.
    pub seed: u64,
    /// The generator's "today": sets the school year, terms and classes of graduates.
    pub today: NaiveDate,
    /// Domain of staff emails; default [`DEFAULT_DOMAIN`].
    pub domain: String,
    /// Whose schools; default D118's.
    pub district: DemoDistrict,
}

impl DemoConfig {
    /// A config for `students` rows with this seed and "today", and the default domain.
    pub fn new(students: usize, seed: u64, today: NaiveDate) -> Self {
        DemoConfig {
            students,
            seed,
            today,
            domain: DEFAULT_DOMAIN.into(),
            district: DemoDistrict::D118,
        }
    }

    /// Is `today` in the summer after a school year's last day (June 5) and before the next
    /// year's first (August 20)? Then this year's seniors have graduated: the generator gives
    /// its grade-12 students enroll status 3 and the class of `today`'s year, so a demo dated
    /// in summer rehearses graduation.
    pub fn seniors_graduated(&self) -> bool {
        let (m, d) = (self.today.month(), self.today.day());
        (m == 6 && d > 5) || m == 7 || (m == 8 && d < 20)
    }

    /// The school year containing `today`: it starts in `first` (August) and ends in
    /// `first + 1` (June); July counts as the coming year.
    pub fn school_year_start(&self) -> i32 {
        if self.today.month() >= 7 {
            self.today.year()
        } else {
            self.today.year() - 1
        }
    }
}

/// Counts of what was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoSummary {
    /// The SQLite file written.
    pub path: PathBuf,
    /// `SCHOOLS` rows.
    pub schools: usize,
    /// `STUDENTS` rows.
    pub students: usize,
    /// `USERS` rows.
    pub users: usize,
    /// `SCHOOLSTAFF` rows.
    pub schoolstaff: usize,
    /// `TERMS` rows.
    pub terms: usize,
    /// `SECTIONS` rows.
    pub sections: usize,
    /// `CC` (enrollment) rows.
    pub cc: usize,
    /// `CC` rows of dropped enrollments among them.
    pub cc_dropped: usize,
    /// First and last day of this year's year-long term.
    pub school_year: (NaiveDate, NaiveDate),
}

#[derive(Debug, thiserror::Error)]
/// Why the demo district could not be written.
pub enum DemoError {
    #[error("cannot write {path}: {reason}")]
    /// A file or directory could not be written.
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        reason: String,
    },
    #[error("SQLite error while generating {path}: {source}")]
    /// SQLite refused a statement.
    Sqlite {
        /// The database file.
        path: String,
        #[source]
        /// SQLite's error.
        source: rusqlite::Error,
    },
}

/// Generates the district at `path` (replacing any file there).
pub fn generate(path: impl AsRef<Path>, config: &DemoConfig) -> Result<DemoSummary, DemoError> {
    let path = path.as_ref();
    let started = std::time::Instant::now();
    let io = |e: std::io::Error| DemoError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let tmp = path.with_extension("sqlite-partial");
    for p in [&tmp, &path.to_path_buf()] {
        if p.exists() {
            std::fs::remove_file(p).map_err(io)?;
        }
    }
    let sql_err = |source| DemoError::Sqlite {
        path: path.display().to_string(),
        source,
    };
    let mut summary = {
        let mut conn = Connection::open(&tmp).map_err(sql_err)?;
        let s = writer::write(&mut conn, config).map_err(sql_err)?;
        conn.close().map_err(|(_, e)| sql_err(e))?;
        s
    };
    std::fs::rename(&tmp, path).map_err(io)?;
    summary.path = path.to_path_buf();
    tracing::info!(
        students = summary.students,
        users = summary.users,
        cc = summary.cc,
        elapsed_ms = started.elapsed().as_millis() as u64,
        path = %path.display(),
        "demo district generated"
    );
    Ok(summary)
}

/// A calendar date the generator knows is valid (its own constants).
fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid calendar date")
}
