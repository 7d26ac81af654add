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
//! - [`SCHOOLS`]: three elementary, two middle, one high school, an early-learning centre, an
//!   alternative school excluded from state reporting ([`STATE_EXCLUDED_SCHOOL`]), a school
//!   named "Substitute" ([`SUBSTITUTE_SCHOOL`]) and a graduated-students school
//!   ([`GRADUATED_SCHOOL`], number 999999; refer to it by this constant).
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
//!   cell phones for most staff.
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

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use rusqlite::{Connection, params};

/// Domain of the demo staff emails unless [`DemoConfig::domain`] says otherwise.
pub const DEFAULT_DOMAIN: &str = "demo.k12.example";
/// The graduated-students school.
pub const GRADUATED_SCHOOL: i64 = 999_999;
/// The school named "Substitute" (home school of substitute teachers; no students).
pub const SUBSTITUTE_SCHOOL: i64 = 900;
/// The alternative school with `STATE_EXCLUDEFROMREPORTING = 1` (it has students).
pub const STATE_EXCLUDED_SCHOOL: i64 = 500;
/// Names of the test accounts (whole first or last names, lower case). "do" is not on it:
/// [`edge::STUDENT_DO`] is a real person.
pub const BAD_NAMES: &[&str] = &["test", "student", "sub", "demo"];
/// `CC.EXPRESSION` / `SECTIONS.EXPRESSION` of homeroom (period 1).
pub const HOMEROOM_EXPRESSION: &str = "1(A)";

/// A demo school.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoSchool {
    pub number: i64,
    pub name: &'static str,
    pub abbreviation: &'static str,
    pub state_excluded: bool,
    pub low_grade: i32,
    pub high_grade: i32,
}

const fn school(
    number: i64,
    name: &'static str,
    abbreviation: &'static str,
    state_excluded: bool,
    low_grade: i32,
    high_grade: i32,
) -> DemoSchool {
    DemoSchool {
        number,
        name,
        abbreviation,
        state_excluded,
        low_grade,
        high_grade,
    }
}

/// Every school of the demo district, by number.
pub const SCHOOLS: &[DemoSchool] = &[
    school(110, "Alder Creek Elementary School", "ACES", false, 0, 5),
    school(120, "Birchwood Elementary School", "BES", false, 0, 5),
    school(130, "Cedar Ridge Elementary School", "CRES", false, 0, 5),
    school(210, "Maple Grove Middle School", "MGMS", false, 6, 8),
    school(220, "Oak Hill Middle School", "OHMS", false, 6, 8),
    school(310, "Riverside High School", "RHS", false, 9, 12),
    school(400, "Early Learning Center", "ELC", false, -2, -1),
    school(
        STATE_EXCLUDED_SCHOOL,
        "Alternative Learning Academy",
        "ALA",
        true,
        9,
        12,
    ),
    school(SUBSTITUTE_SCHOOL, "Substitute", "SUB", true, 0, 12),
    school(GRADUATED_SCHOOL, "Graduated Students", "GRAD", true, 99, 99),
];

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
    /// Enroll status 5, which PowerSchool does not define: `EnrollStatus::Other(5)`.
    pub const STUDENT_UNKNOWN_STATUS: &str = "100020";
    /// At the alternative school (excluded from state reporting), grade 11.
    pub const STUDENT_STATE_EXCLUDED: &str = "100021";
    /// Seán de la Cruz, kindergarten (grade 0).
    pub const STUDENT_PARTICLE: &str = "100022";
    /// Grade -2 at the early-learning centre, active.
    pub const STUDENT_PREK3: &str = "100023";
    /// "ROBERT" "MCDONALD" in capitals (title case gives "Robert" "McDonald").
    pub const STUDENT_CAPITALS: &str = "100024";

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
    /// Student rows wanted; the 25 edge-case students are part of them (a smaller number
    /// still writes every edge case).
    pub students: usize,
    pub seed: u64,
    /// The generator's "today": sets the school year, terms and classes of graduates.
    pub today: NaiveDate,
    /// Domain of staff emails; default [`DEFAULT_DOMAIN`].
    pub domain: String,
}

impl DemoConfig {
    pub fn new(students: usize, seed: u64, today: NaiveDate) -> Self {
        DemoConfig {
            students,
            seed,
            today,
            domain: DEFAULT_DOMAIN.into(),
        }
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
    pub path: PathBuf,
    pub schools: usize,
    pub students: usize,
    pub users: usize,
    pub schoolstaff: usize,
    pub terms: usize,
    pub sections: usize,
    pub cc: usize,
    pub cc_dropped: usize,
    /// First and last day of this year's year-long term.
    pub school_year: (NaiveDate, NaiveDate),
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("cannot write {path}: {reason}")]
    Io { path: String, reason: String },
    #[error("SQLite error while generating {path}: {source}")]
    Sqlite {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
}

/// SplitMix64: tiny, fast, and fixed forever (unlike a library RNG's default algorithm).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0; the modulo bias is irrelevant here).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// True with probability `per_mille / 1000`.
    fn chance(&mut self, per_mille: usize) -> bool {
        self.below(1000) < per_mille
    }
}

const FIRST_NAMES: &[&str] = &[
    "Liam",
    "Olivia",
    "Noah",
    "Emma",
    "Mateo",
    "Sofía",
    "José",
    "Zoë",
    "Aiden",
    "Chloé",
    "Amir",
    "Fatima",
    "Ethan",
    "Mia",
    "Lucas",
    "Isabella",
    "Jayden",
    "Ava",
    "Santiago",
    "Camila",
    "Elijah",
    "Harper",
    "Mohammed",
    "Aaliyah",
    "Benjamin",
    "Renée",
    "Björn",
    "Chidi",
    "Priya",
    "Wei",
    "Yuki",
    "Hana",
    "Diego",
    "Valentina",
    "Kwame",
    "Amara",
    "Finn",
    "Nora",
    "Théo",
    "Léa",
    "Declan",
    "Siobhán",
    "Ximena",
    "Omar",
    "Layla",
    "Jamal",
    "Grace",
    "Henry",
    "Inés",
    "Malik",
    "Anne-Marie",
    "Jean-Luc",
    "Connor",
    "Maya",
    "Ibrahim",
    "Sara",
    "Dmitri",
    "Ana",
    "Kai",
    "Ruth",
];

const LAST_NAMES: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernández",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Pérez",
    "Thompson",
    "White",
    "Harris",
    "Sánchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "O'Brien",
    "O'Connor",
    "McDonald",
    "MacLeod",
    "García-López",
    "Smith-Jones",
    "de la Cruz",
    "Van der Berg",
    "D'Angelo",
    "Kowalski",
    "Nowak",
    "Müller",
    "Østergaard",
    "Okafor",
    "Adeyemi",
    "Kim",
    "Park",
    "Chen",
    "Wang",
    "Patel",
    "Shah",
    "Cohen",
    "Murphy",
    "Kelly",
    "Sullivan",
    "Novák",
    "Søndergaard",
    "Ó Súilleabháin",
];

/// One student before it is written.
struct Stu {
    number: Option<i64>,
    first: String,
    last: Option<String>,
    grade: i32,
    school: i64,
    status: i32,
    class_of: i32,
    dob: NaiveDate,
}

/// One user before it is written.
struct User {
    dcid: i64,
    first: String,
    last: Option<String>,
    email: Option<String>,
    home: i64,
    group: i64,
    /// (school, status, staff status); `None` status writes NULL.
    assignments: Vec<(i64, Option<i32>, i32)>,
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
        let s = write(&mut conn, config).map_err(sql_err)?;
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

const SCHEMA: &str = "
CREATE TABLE SCHOOLS (SCHOOL_NUMBER INTEGER PRIMARY KEY, NAME TEXT, ABBREVIATION TEXT,
  STATE_EXCLUDEFROMREPORTING INTEGER, LOW_GRADE INTEGER, HIGH_GRADE INTEGER);
CREATE TABLE STUDENTS (ID INTEGER PRIMARY KEY, DCID INTEGER NOT NULL, STUDENT_NUMBER INTEGER,
  FIRST_NAME TEXT, LAST_NAME TEXT, GRADE_LEVEL INTEGER, SCHOOLID INTEGER, ENROLL_STATUS INTEGER,
  CLASSOF INTEGER, HOME_ROOM TEXT, DOB TEXT);
CREATE TABLE USERS (DCID INTEGER PRIMARY KEY, EMAIL_ADDR TEXT, FIRST_NAME TEXT, LAST_NAME TEXT,
  TEACHERNUMBER TEXT, HOMESCHOOLID INTEGER, GROUPVALUE INTEGER);
CREATE TABLE SCHOOLSTAFF (ID INTEGER PRIMARY KEY, USERS_DCID INTEGER, SCHOOLID INTEGER,
  STATUS INTEGER, STAFFSTATUS INTEGER);
CREATE TABLE TERMS (DCID INTEGER PRIMARY KEY, ID INTEGER, YEARID INTEGER, NAME TEXT,
  ABBREVIATION TEXT, SCHOOLID INTEGER, FIRSTDAY TEXT, LASTDAY TEXT);
CREATE TABLE COURSES (COURSE_NUMBER TEXT PRIMARY KEY, COURSE_NAME TEXT);
CREATE TABLE SECTIONS (ID INTEGER PRIMARY KEY, COURSE_NUMBER TEXT, SECTION_NUMBER TEXT,
  TERMID INTEGER, SCHOOLID INTEGER, TEACHER INTEGER, EXPRESSION TEXT);
CREATE TABLE CC (ID INTEGER PRIMARY KEY, STUDENTID INTEGER, SECTIONID INTEGER, TERMID INTEGER,
  SCHOOLID INTEGER, EXPRESSION TEXT, TEACHERID INTEGER, COURSE_NUMBER TEXT);
CREATE TABLE U_HUMANRESOURCES (USERSDCID INTEGER, CELLPHONE TEXT);
";

/// Indexes for the source's queries. No index on `CC.SECTIONID` on purpose: SQLite (without
/// statistics) would use it for `SECTIONID > 0` and visit CC in random order, three times
/// slower than the table scan it does without it.
const INDEXES: &str = "
CREATE INDEX STUDENTS_SCHOOLID ON STUDENTS (SCHOOLID);
CREATE INDEX STUDENTS_DCID ON STUDENTS (DCID);
CREATE INDEX SCHOOLSTAFF_USERS_DCID ON SCHOOLSTAFF (USERS_DCID);
CREATE INDEX SCHOOLSTAFF_SCHOOLID ON SCHOOLSTAFF (SCHOOLID);
CREATE INDEX TERMS_ID_SCHOOLID ON TERMS (ID, SCHOOLID);
CREATE INDEX CC_STUDENTID ON CC (STUDENTID);
CREATE INDEX CC_SCHOOLID_EXPRESSION ON CC (SCHOOLID, EXPRESSION);
CREATE INDEX SECTIONS_SCHOOLID ON SECTIONS (SCHOOLID);
";

/// Courses: (number, name, period expression, term slot: 0 year, 1 S1, 2 S2).
const COURSES: &[(&str, &str, &str, i64)] = &[
    ("HR", "Homeroom", HOMEROOM_EXPRESSION, 0),
    ("ELA", "English Language Arts", "2(A)", 0),
    ("MATH", "Mathematics", "3(A)", 0),
    ("SCI", "Science", "4(A)", 0),
    ("HLTH", "Health", "5(A)", 1),
    ("ART", "Art", "5(A)", 2),
];

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid calendar date")
}

fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// `José Ó Súilleabháin` -> `jose.osuilleabhain`: letters and digits, ASCII-folded.
fn email_local(first: &str, last: &str) -> String {
    let fold = |s: &str| -> String {
        s.chars()
            .filter_map(|c| {
                let c = match c {
                    'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'Á' | 'Ä' => 'a',
                    'é' | 'è' | 'ê' | 'ë' | 'É' => 'e',
                    'í' | 'ì' | 'î' | 'ï' | 'Í' => 'i',
                    'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' | 'Ó' | 'Ö' | 'Ø' => 'o',
                    'ú' | 'ù' | 'û' | 'ü' | 'Ú' | 'Ü' => 'u',
                    'ñ' => 'n',
                    'ç' => 'c',
                    'ý' | 'ÿ' => 'y',
                    c => c,
                };
                c.is_ascii_alphanumeric().then(|| c.to_ascii_lowercase())
            })
            .collect()
    };
    format!("{}.{}", fold(first), fold(last))
}

fn dob_for(rng: &mut Rng, start_year: i32, grade: i32) -> NaiveDate {
    // A first-grader turns 6 by Sept 1 of the school year's start.
    let age = if grade == 99 { 18 } else { grade + 6 };
    let year = start_year - age - 1;
    let day = 1 + rng.below(365) as u32;
    NaiveDate::from_yo_opt(year, day).unwrap_or_else(|| date(year, 6, 1))
}

fn school_for_grade(rng: &mut Rng, grade: i32) -> i64 {
    match grade {
        -2 | -1 => 400,
        0..=5 => *rng.pick(&[110, 120, 130]),
        6..=8 => *rng.pick(&[210, 220]),
        9..=12 if rng.chance(100) => STATE_EXCLUDED_SCHOOL,
        9..=12 => 310,
        _ => GRADUATED_SCHOOL,
    }
}

fn students(config: &DemoConfig, rng: &mut Rng) -> Vec<Stu> {
    let start = config.school_year_start();
    let end = start + 1;
    let this_year = config.today.year();
    let class_of = |grade: i32| end + (12 - grade.clamp(-2, 12));
    let mut special =
        |number: &str, first: &str, last: Option<&str>, grade: i32, school: i64, status: i32| Stu {
            number: Some(number.parse().expect("edge numbers are numeric")),
            first: first.into(),
            last: last.map(str::to_string),
            grade,
            school,
            status,
            class_of: class_of(grade),
            dob: dob_for(rng, start, grade),
        };
    use edge::*;
    let mut v = vec![
        special(STUDENT_APOSTROPHE, "Liam", Some("O'Brien"), 3, 110, 0),
        special(STUDENT_HYPHEN, "Ana", Some("García-López"), 7, 210, 0),
        special(STUDENT_ACCENT, "José", Some("Martínez"), 10, 310, 0),
        special(STUDENT_DIAERESIS, "Zoë", Some("Brontë"), 1, 120, 0),
        special(STUDENT_DOUBLE_SPACE, "Mary  Ann", Some("Smith"), 4, 130, 0),
        special(STUDENT_NULL_LAST_NAME, "Prince", None, 2, 110, 0),
        special(STUDENT_DUPLICATE_NUMBER, "Jordan", Some("Lee"), 5, 120, 0),
        special(STUDENT_DO, "Minh", Some("Do"), 9, 310, 0),
        special(STUDENT_TEST_ACCOUNT, "Test", Some("Student"), 2, 110, 0),
        special(STUDENT_DEMO_ACCOUNT, "Demo", Some("Account"), 6, 220, 0),
        special(STUDENT_TESTA, "Testa", Some("Rossi"), 8, 210, 0),
        special(
            STUDENT_SUBRAMANIAN,
            "Aaliyah",
            Some("Subramanian"),
            11,
            310,
            0,
        ),
        special(
            STUDENT_GRADUATE_AT_HIGH_SCHOOL,
            "Grace",
            Some("Okafor"),
            12,
            310,
            3,
        ),
        special(
            STUDENT_GRADUATE_STATUS_NOT_SET,
            "Noah",
            Some("Adeyemi"),
            99,
            GRADUATED_SCHOOL,
            0,
        ),
        special(
            STUDENT_GRADUATE_LAST_YEAR,
            "Emma",
            Some("Kowalski"),
            99,
            GRADUATED_SCHOOL,
            3,
        ),
        special(STUDENT_PRE_REGISTERED, "Mateo", Some("Flores"), -1, 400, -1),
        special(STUDENT_TRANSFERRED, "Chidi", Some("Okafor"), 4, 130, 2),
        special(STUDENT_INACTIVE, "Hana", Some("Kim"), 7, 220, 1),
        special(STUDENT_HISTORICAL, "Björn", Some("Müller"), 10, 310, 4),
        special(STUDENT_UNKNOWN_STATUS, "Yuki", Some("Chen"), 8, 210, 5),
        special(
            STUDENT_STATE_EXCLUDED,
            "Declan",
            Some("Murphy"),
            11,
            STATE_EXCLUDED_SCHOOL,
            0,
        ),
        special(STUDENT_PARTICLE, "Seán", Some("de la Cruz"), 0, 110, 0),
        special(STUDENT_PREK3, "Amara", Some("Nowak"), -2, 400, 0),
        special(STUDENT_CAPITALS, "ROBERT", Some("MCDONALD"), 6, 210, 0),
    ];
    v[12].class_of = this_year;
    v[13].class_of = this_year;
    v[14].class_of = this_year - 1;
    let specials = v.len() + 1; // + the duplicate written last
    for i in 0..config.students.saturating_sub(specials) {
        let r = rng.below(1000);
        let grade = match r {
            0..=19 => -2,
            20..=59 => -1,
            60..=959 => ((r - 60) * 13 / 900) as i32,
            _ => 99,
        };
        let school = school_for_grade(rng, grade);
        let (status, class) = if grade == 99 {
            // Graduates: mostly status 3; one in ten still says active (D118's case).
            let years_ago = rng.below(4) as i32;
            (if rng.chance(100) { 0 } else { 3 }, this_year - years_ago)
        } else {
            let s = match rng.below(1000) {
                0..=29 => -1,
                30..=49 => 1,
                50..=89 => 2,
                90..=99 => 4,
                100..=119 if grade == 12 => 3,
                _ => 0,
            };
            (s, if s == 3 { this_year } else { class_of(grade) })
        };
        v.push(Stu {
            number: Some(200_001 + i as i64),
            first: rng.pick(FIRST_NAMES).to_string(),
            last: Some(rng.pick(LAST_NAMES).to_string()),
            grade,
            school,
            status,
            class_of: class,
            dob: dob_for(rng, start, grade),
        });
    }
    let dup_grade = 5;
    v.push(Stu {
        number: Some(STUDENT_DUPLICATE_NUMBER.parse().expect("numeric")),
        first: "Taylor".into(),
        last: Some("Kim".into()),
        grade: dup_grade,
        school: 130,
        status: 0,
        class_of: class_of(dup_grade),
        dob: dob_for(rng, start, dup_grade),
    });
    v
}

fn special_staff(domain: &str) -> Vec<User> {
    use edge::*;
    let e = |first: &str, last: &str| Some(format!("{}@{domain}", email_local(first, last)));
    let regular = [110, 120, 130, 210, 220, 310, 400, STATE_EXCLUDED_SCHOOL];
    vec![
        User {
            dcid: STAFF_TEST_ACCOUNT,
            first: "Test".into(),
            last: Some("Teacher".into()),
            email: e("test", "teacher"),
            home: 110,
            group: 9,
            assignments: vec![(110, Some(1), 1)],
        },
        User {
            dcid: STAFF_SUB_ACCOUNT,
            first: "Sub".into(),
            last: Some("Teacher".into()),
            email: e("sub", "teacher"),
            home: SUBSTITUTE_SCHOOL,
            group: 9,
            assignments: vec![(SUBSTITUTE_SCHOOL, Some(1), 4)],
        },
        User {
            dcid: STAFF_MULTI_SCHOOL,
            first: "María".into(),
            last: Some("García-López".into()),
            email: e("maria", "garcialopez"),
            home: 110,
            group: 4,
            assignments: vec![(110, Some(1), 1), (120, Some(1), 1), (210, Some(2), 1)],
        },
        User {
            dcid: STAFF_NULL_EMAIL,
            first: "Seán".into(),
            last: Some("O'Brien".into()),
            email: None,
            home: 120,
            group: 4,
            assignments: vec![(120, Some(1), 1)],
        },
        User {
            dcid: STAFF_BLANK_EMAIL,
            first: "Kai".into(),
            last: Some("Nakamura".into()),
            email: Some(String::new()),
            home: 130,
            group: 6,
            assignments: vec![(130, Some(1), 2)],
        },
        User {
            dcid: STAFF_SUBRAMANIAN,
            first: "Priya".into(),
            last: Some("Subramanian".into()),
            email: e("priya", "subramanian"),
            home: 310,
            group: 4,
            assignments: vec![(310, Some(1), 1)],
        },
        User {
            dcid: STAFF_DO,
            first: "Minh".into(),
            last: Some("Do".into()),
            email: e("minh", "do"),
            home: 210,
            group: 4,
            assignments: vec![(210, Some(1), 1)],
        },
        User {
            dcid: STAFF_SUBSTITUTE,
            first: "Robert".into(),
            last: Some("McDonald".into()),
            email: e("robert", "mcdonald"),
            home: SUBSTITUTE_SCHOOL,
            group: 8,
            assignments: vec![(SUBSTITUTE_SCHOOL, Some(1), 4), (110, Some(1), 4)],
        },
        User {
            dcid: STAFF_SUBSTITUTE_BY_TYPE,
            first: "Angela".into(),
            last: Some("de la Cruz".into()),
            email: e("angela", "delacruz"),
            home: 120,
            group: 8,
            assignments: vec![(120, Some(1), 4)],
        },
        User {
            dcid: STAFF_INACTIVE,
            first: "Helen".into(),
            last: Some("Park".into()),
            email: e("helen", "park"),
            home: 220,
            group: 4,
            assignments: vec![(220, Some(2), 1), (310, Some(2), 1)],
        },
        User {
            dcid: STAFF_NULL_LAST_NAME,
            first: "Lee".into(),
            last: None,
            email: e("lee", "x"),
            home: 310,
            group: 6,
            assignments: vec![(310, Some(1), 2)],
        },
        User {
            dcid: STAFF_NO_ASSIGNMENTS,
            first: "Omar".into(),
            last: Some("Haddad".into()),
            email: e("omar", "haddad"),
            home: 130,
            group: 6,
            assignments: vec![],
        },
        User {
            dcid: STAFF_DISTRICT_ADMIN,
            first: "Zoë".into(),
            last: Some("Brontë".into()),
            email: e("zoe", "bronte"),
            home: 310,
            group: 1,
            assignments: regular.iter().map(|&s| (s, Some(1), 2)).collect(),
        },
        User {
            dcid: STAFF_DOUBLE_SPACE,
            first: "Mary  Ellen".into(),
            last: Some("Walsh".into()),
            email: e("maryellen", "walsh"),
            home: 130,
            group: 4,
            assignments: vec![(130, Some(1), 1)],
        },
        User {
            dcid: STAFF_NULL_STATUS_ASSIGNMENT,
            first: "Grace".into(),
            last: Some("Hopper".into()),
            email: e("grace", "hopper"),
            home: 210,
            group: 4,
            assignments: vec![(210, Some(1), 1), (220, None, 1)],
        },
    ]
}

fn write(conn: &mut Connection, config: &DemoConfig) -> rusqlite::Result<DemoSummary> {
    // Fixed layout, no journal: the same inputs give the same bytes.
    conn.execute_batch(
        "PRAGMA page_size = 4096; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
         PRAGMA locking_mode = EXCLUSIVE; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536;
         PRAGMA user_version = 1;",
    )?;
    conn.execute_batch(SCHEMA)?;
    let mut rng = Rng(config.seed ^ 0x5EED_D15C_0118_0001);
    let start = config.school_year_start();
    let end = start + 1;
    let year_id = i64::from(start - 1990);
    let mut summary = DemoSummary {
        school_year: (date(start, 8, 20), date(end, 6, 5)),
        ..DemoSummary::default()
    };
    let tx = conn.transaction()?;
    {
        let mut ins = tx.prepare("INSERT INTO SCHOOLS VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?;
        for s in SCHOOLS {
            ins.execute(params![
                s.number,
                s.name,
                s.abbreviation,
                i32::from(s.state_excluded),
                s.low_grade,
                s.high_grade
            ])?;
            summary.schools += 1;
        }
        let mut ins = tx.prepare("INSERT INTO COURSES VALUES (?1, ?2)")?;
        for (number, name, _, _) in COURSES {
            ins.execute(params![number, name])?;
        }
    }

    // Terms: per teaching school, last year's year term and this year's year, S1, S2.
    let teaching: Vec<&DemoSchool> = SCHOOLS
        .iter()
        .filter(|s| s.number != GRADUATED_SCHOOL && s.number != SUBSTITUTE_SCHOOL)
        .collect();
    let this_year_term = year_id * 100;
    let last_year_term = (year_id - 1) * 100;
    let term_of_slot = |slot: i64| this_year_term + slot;
    {
        let mut ins = tx.prepare("INSERT INTO TERMS (ID, YEARID, NAME, ABBREVIATION, SCHOOLID, FIRSTDAY, LASTDAY) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?;
        for s in &teaching {
            let rows = [
                (
                    last_year_term,
                    year_id - 1,
                    format!("{}-{}", start - 1, start % 100),
                    "YR",
                    date(start - 1, 8, 20),
                    date(start, 6, 5),
                ),
                (
                    this_year_term,
                    year_id,
                    format!("{}-{}", start, end % 100),
                    "YR",
                    date(start, 8, 20),
                    date(end, 6, 5),
                ),
                (
                    this_year_term + 1,
                    year_id,
                    "Semester 1".to_string(),
                    "S1",
                    date(start, 8, 20),
                    date(end, 1, 15),
                ),
                (
                    this_year_term + 2,
                    year_id,
                    "Semester 2".to_string(),
                    "S2",
                    date(end, 1, 16),
                    date(end, 6, 5),
                ),
            ];
            for (id, yid, name, abbr, first, last) in rows {
                ins.execute(params![
                    id,
                    yid,
                    name,
                    abbr,
                    s.number,
                    iso(first),
                    iso(last)
                ])?;
                summary.terms += 1;
            }
        }
    }

    let studs = students(config, &mut rng);
    // Active students per school decide how many teachers a school needs.
    let active_at = |school: i64| {
        studs
            .iter()
            .filter(|s| s.school == school && s.status == 0)
            .count()
    };

    // Staff: the edge cases, then per school teachers, office and lunch staff, then subs.
    let mut users = special_staff(&config.domain);
    let mut emails: HashSet<String> = users.iter().filter_map(|u| u.email.clone()).collect();
    let mut next_dcid = 1001;
    let mut teachers_by_school: Vec<(i64, Vec<i64>)> = Vec::new();
    let mut new_user = |rng: &mut Rng,
                        home: i64,
                        group: i64,
                        assignments: Vec<(i64, Option<i32>, i32)>,
                        users: &mut Vec<User>| {
        let first = rng.pick(FIRST_NAMES).to_string();
        let last = rng.pick(LAST_NAMES).to_string();
        let base = email_local(&first, &last);
        let mut local = base.clone();
        let mut k = 1;
        while !emails.insert(format!("{local}@{}", config.domain)) {
            k += 1;
            local = format!("{base}{k}");
        }
        let dcid = next_dcid;
        next_dcid += 1;
        users.push(User {
            dcid,
            first,
            last: Some(last),
            email: Some(format!("{local}@{}", config.domain)),
            home,
            group,
            assignments,
        });
        dcid
    };
    for s in &teaching {
        let n = active_at(s.number).div_ceil(22).max(2);
        let mut teachers = Vec::with_capacity(n);
        for _ in 0..n {
            // Most teach here only; some also teach at a second school; some left one.
            let mut a = vec![(s.number, Some(1), 1)];
            if rng.chance(80) {
                let other = rng.pick(&teaching).number;
                if other != s.number {
                    a.push((other, Some(1), 1));
                }
            } else if rng.chance(50) {
                let other = rng.pick(&teaching).number;
                if other != s.number {
                    a.push((other, Some(2), 1));
                }
            }
            let inactive = rng.chance(25);
            if inactive {
                for x in &mut a {
                    x.1 = Some(2);
                }
            }
            let dcid = new_user(&mut rng, s.number, 4, a, &mut users);
            if !inactive {
                teachers.push(dcid);
            }
        }
        if teachers.is_empty() {
            teachers.push(new_user(
                &mut rng,
                s.number,
                4,
                vec![(s.number, Some(1), 1)],
                &mut users,
            ));
        }
        teachers_by_school.push((s.number, teachers));
        new_user(
            &mut rng,
            s.number,
            6,
            vec![(s.number, Some(1), 2)],
            &mut users,
        );
        new_user(
            &mut rng,
            s.number,
            6,
            vec![(s.number, Some(1), 2)],
            &mut users,
        );
        new_user(
            &mut rng,
            s.number,
            7,
            vec![(s.number, Some(1), 3)],
            &mut users,
        );
    }
    let subs = (config.students / 400).max(3);
    for _ in 0..subs {
        let a = vec![
            (SUBSTITUTE_SCHOOL, Some(1), 4),
            (rng.pick(&teaching).number, Some(1), 4),
        ];
        new_user(&mut rng, SUBSTITUTE_SCHOOL, 8, a, &mut users);
    }

    // USERS, SCHOOLSTAFF (remember each user's SCHOOLSTAFF.ID per school), cell phones.
    let mut schoolstaff_id: Vec<(i64, i64, i64)> = Vec::new(); // (dcid, school, ID)
    {
        let mut ins_user = tx.prepare("INSERT INTO USERS VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?;
        let mut ins_ss = tx.prepare("INSERT INTO SCHOOLSTAFF VALUES (?1, ?2, ?3, ?4, ?5)")?;
        let mut ins_hr = tx.prepare("INSERT INTO U_HUMANRESOURCES VALUES (?1, ?2)")?;
        let mut ss_id = 1;
        for u in &users {
            let teachernumber = format!("T{:05}", u.dcid);
            ins_user.execute(params![
                u.dcid,
                u.email,
                u.first,
                u.last,
                teachernumber,
                u.home,
                u.group
            ])?;
            for (school, status, staffstatus) in &u.assignments {
                ins_ss.execute(params![ss_id, u.dcid, school, status, staffstatus])?;
                schoolstaff_id.push((u.dcid, *school, ss_id));
                ss_id += 1;
            }
            if u.dcid % 10 < 7 {
                ins_hr.execute(params![u.dcid, format!("847-555-{:04}", u.dcid % 10_000)])?;
            }
        }
        summary.users = users.len();
        summary.schoolstaff = schoolstaff_id.len();
    }
    // Lookups only (never iterated), so hash maps cannot disturb determinism.
    let mut ss_ids: HashMap<(i64, i64), i64> = HashMap::with_capacity(schoolstaff_id.len());
    for &(dcid, school, id) in &schoolstaff_id {
        ss_ids.entry((dcid, school)).or_insert(id);
    }
    let ss_of = |dcid: i64, school: i64| ss_ids[&(dcid, school)];
    let last_names: HashMap<i64, &str> = users
        .iter()
        .map(|u| (u.dcid, u.last.as_deref().unwrap_or_default()))
        .collect();

    // Sections: per school and teacher, this year's homeroom and last year's (taught by the
    // next teacher, so a query that ignores dates picks the wrong one); secondary schools
    // also get the other courses.
    struct Sec {
        id: i64,
        school: i64,
        term: i64,
        teacher_ss: i64,
        teacher_dcid: i64,
        course: usize,
    }
    let mut sections: Vec<Sec> = Vec::new();
    {
        let mut ins = tx.prepare("INSERT INTO SECTIONS VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?;
        let mut id = 1;
        for (school, teachers) in &teachers_by_school {
            let secondary = *school == 210
                || *school == 220
                || *school == 310
                || *school == STATE_EXCLUDED_SCHOOL;
            for (k, &t) in teachers.iter().enumerate() {
                let next = teachers[(k + 1) % teachers.len()];
                let mut add = |course: usize,
                               term: i64,
                               teacher: i64,
                               ins: &mut rusqlite::Statement<'_>|
                 -> rusqlite::Result<()> {
                    let ss = ss_of(teacher, *school);
                    let (number, _, expression, _) = COURSES[course];
                    ins.execute(params![
                        id,
                        number,
                        format!("{}", k + 1),
                        term,
                        school,
                        ss,
                        expression
                    ])?;
                    sections.push(Sec {
                        id,
                        school: *school,
                        term,
                        teacher_ss: ss,
                        teacher_dcid: teacher,
                        course,
                    });
                    id += 1;
                    Ok(())
                };
                add(0, this_year_term, t, &mut ins)?;
                add(0, last_year_term, next, &mut ins)?;
                if secondary {
                    for (c, course) in COURSES.iter().enumerate().skip(1) {
                        add(c, term_of_slot(course.3), t, &mut ins)?;
                    }
                }
            }
        }
        summary.sections = sections.len();
    }

    // Per school: this year's and last year's homeroom sections (same teacher order) and
    // the sections of each other course, as indexes into `sections`.
    #[derive(Default)]
    struct SchoolSections {
        hr_now: Vec<usize>,
        hr_last: Vec<usize>,
        courses: Vec<Vec<usize>>,
    }
    let mut by_school: HashMap<i64, SchoolSections> = HashMap::new();
    for (i, sec) in sections.iter().enumerate() {
        let e = by_school.entry(sec.school).or_default();
        e.courses.resize(COURSES.len(), Vec::new());
        match (sec.course, sec.term) {
            (0, t) if t == this_year_term => e.hr_now.push(i),
            (0, _) => e.hr_last.push(i),
            (c, _) => e.courses[c].push(i),
        }
    }

    // Students and their CC rows.
    {
        let mut ins_st = tx.prepare(
            "INSERT INTO STUDENTS VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?;
        let mut ins_cc = tx.prepare("INSERT INTO CC VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?;
        let mut cc_id = 1;
        for (i, s) in studs.iter().enumerate() {
            let id = i as i64 + 1;
            let dcid = id + 30_000;
            let mut home_room = None;
            // Enrolled students (active, or transferred out with dropped rows) get classes.
            if let (Some(secs), true) = (by_school.get(&s.school), s.status == 0 || s.status == 2) {
                let pick = rng.below(secs.hr_now.len());
                let dropped = s.status == 2;
                let mut cc = |sec: &Sec,
                              dropped: bool,
                              ins: &mut rusqlite::Statement<'_>|
                 -> rusqlite::Result<()> {
                    let sign = if dropped { -1 } else { 1 };
                    let (number, _, expression, _) = COURSES[sec.course];
                    ins.execute(params![
                        cc_id,
                        id,
                        sign * sec.id,
                        sign * sec.term,
                        sec.school,
                        expression,
                        sec.teacher_ss,
                        number
                    ])?;
                    cc_id += 1;
                    summary.cc += 1;
                    summary.cc_dropped += usize::from(dropped);
                    Ok(())
                };
                let hr = &sections[secs.hr_now[pick]];
                cc(hr, dropped, &mut ins_cc)?;
                if !dropped {
                    home_room = Some(last_names[&hr.teacher_dcid]);
                    // Last year's homeroom: taught by the next teacher (skipped when that is
                    // the same person, at a school with one teacher).
                    if let Some(&prev) = secs.hr_last.get(pick)
                        && sections[prev].teacher_ss != hr.teacher_ss
                    {
                        cc(&sections[prev], false, &mut ins_cc)?;
                    }
                    // Secondary courses with the same teacher index; one in forty dropped a
                    // science section and took another.
                    for (c, options) in secs.courses.iter().enumerate() {
                        if options.is_empty() {
                            continue;
                        }
                        let sec = &sections[options[(pick + c) % options.len()]];
                        if c == 3 && options.len() > 1 && rng.chance(25) {
                            let other = &sections[options[(pick + c + 1) % options.len()]];
                            cc(other, true, &mut ins_cc)?;
                        }
                        cc(sec, false, &mut ins_cc)?;
                    }
                }
            }
            ins_st.execute(params![
                id,
                dcid,
                s.number,
                s.first,
                s.last,
                s.grade,
                s.school,
                s.status,
                s.class_of,
                home_room,
                iso(s.dob),
            ])?;
        }
        summary.students = studs.len();
    }
    tx.commit()?;
    conn.execute_batch(INDEXES)?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_local_part_is_ascii() {
        assert_eq!(email_local("José", "Ó Súilleabháin"), "jose.osuilleabhain");
        assert_eq!(email_local("Anne-Marie", "O'Brien"), "annemarie.obrien");
        assert_eq!(email_local("Zoë", "Østergaard"), "zoe.ostergaard");
    }

    #[test]
    fn rng_is_splitmix64() {
        // Reference values of SplitMix64 seeded with 0.
        let mut r = Rng(0);
        assert_eq!(r.next(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn pools_hold_no_bad_names() {
        for n in FIRST_NAMES.iter().chain(LAST_NAMES) {
            assert!(!BAD_NAMES.contains(&n.to_lowercase().as_str()), "{n}");
        }
    }
}
