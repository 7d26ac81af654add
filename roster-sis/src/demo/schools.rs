//! The demo district's schools.

use super::{
    DISTRICT_OFFICE, GRADUATED_SCHOOL, HIGH_SCHOOL, STATE_EXCLUDED_SCHOOL, SUBSTITUTE_SCHOOL,
};

/// A demo school.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoSchool {
    /// `SCHOOL_NUMBER`.
    pub number: i64,
    /// Full name.
    pub name: &'static str,
    /// Short name.
    pub abbreviation: &'static str,
    /// `STATE_EXCLUDEFROMREPORTING`: not a real school (graduates, substitutes).
    pub state_excluded: bool,
    /// Lowest grade taught.
    pub low_grade: i32,
    /// Highest grade taught.
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

/// Every school of the demo district (D118's buildings), by number.
///
/// From the D118 seeds (`shared/seeds/upstream/`): numbers 0, 131, 133, 134 and 135 (the staff
/// script's CrisisGO group, `d118-staffsync.pyw:173`, counted as "Wauconda High School",
/// line 174), 901 (students placed in the building OU only, `d118-studentsync.py:160`),
/// 999999 and its name "Graduated Students" (`d118-studentsync.py:34, 160`), the name
/// "Substitute" (`d118-staffsync.pyw:37`), and the abbreviations WHS, WGS, RCS, CCS, MMS, WMS
/// and the name "Cotton Creek" (on the student script's bad-name list, line 36: accounts
/// named after buildings).
/// **Not in the seeds** (the demo's own values): the numbers of the five elementary and middle
/// buildings (110-220) and of the early-learning centre (400), the full names of the
/// buildings but Wauconda High School and Cotton Creek (D118's public names), the names of
/// 0, 133, 134, 135 and 901, and the Substitute building's number 900
/// (`d118_students::SUBSTITUTE_SCHOOL`, `docs/PARITY.md`).
pub const SCHOOLS: &[DemoSchool] = &[
    school(DISTRICT_OFFICE, "District Office", "DO", true, 0, 0),
    school(110, "Wauconda Grade School", "WGS", false, 0, 5),
    school(120, "Robert Crown Elementary School", "RCS", false, 0, 5),
    school(130, "Cotton Creek School", "CCS", false, 0, 5),
    school(HIGH_SCHOOL, "Wauconda High School", "WHS", false, 9, 12),
    school(133, "Building 133", "B133", false, 9, 12),
    school(134, "Building 134", "B134", false, 9, 12),
    school(135, "Building 135", "B135", false, 9, 12),
    school(210, "Wauconda Middle School", "WMS", false, 6, 8),
    school(220, "Matthews Middle School", "MMS", false, 6, 8),
    school(400, "Early Learning Center", "ELC", false, -2, -1),
    school(SUBSTITUTE_SCHOOL, "Substitute", "SUB", true, 0, 12),
    school(
        STATE_EXCLUDED_SCHOOL,
        "Pre-Registration",
        "PRE",
        true,
        -2,
        12,
    ),
    school(GRADUATED_SCHOOL, "Graduated Students", "GRAD", true, 99, 99),
];

/// The buildings the D118 staff script counts as Wauconda High School for CrisisGO besides
/// the district office (`d118-staffsync.pyw:173`); the demo puts some high-school students
/// (and their teachers) in them.
pub const WHS_GROUP: [i64; 3] = [133, 134, 135];

/// KIPP Chicago's campuses with the numbers the ST Math scripts map
/// (`kipp-st-math-rosters.py:99-121`): `SCHOOLID` and the initials the scripts send as the
/// `school` column. The campuses' full names are **not in the seeds**; the demo names them
/// by those initials. The KIPP demo ([`super::DemoDistrict::KippChicago`]) has these, the
/// Substitute building and the graduated-students school.
pub const KIPP_SCHOOLS: &[DemoSchool] = &[
    school(7810, "KIPP KAMS", "KAMS", false, 5, 8),
    school(78102, "KIPP KAP", "KAP", false, -2, 4),
    school(400146, "KIPP KCCP", "KCCP", false, 5, 8),
    school(400163, "KIPP KBCP", "KBCP", false, 5, 8),
    school(SUBSTITUTE_SCHOOL, "Substitute", "SUB", true, 0, 12),
    school(GRADUATED_SCHOOL, "Graduated Students", "GRAD", true, 99, 99),
];

/// Where the KIPP demo puts what the generator makes for a D118 building, so that each
/// campus has several hundred students: the early grades and two elementary buildings at the
/// primary campus (KAP), each middle school at a middle campus (KAMS, KCCP), the third
/// elementary building and the high-school buildings (of whose grades the KIPP demo draws
/// none but the edge cases) at the third (KBCP), the district office at the primary campus.
pub(super) fn kipp_school(d118: i64) -> i64 {
    match d118 {
        400 | 110 | 120 | DISTRICT_OFFICE => 78102,
        210 => 7810,
        220 => 400146,
        130 | HIGH_SCHOOL | 133 | 134 | 135 | STATE_EXCLUDED_SCHOOL => 400163,
        other => other,
    }
}

/// The schools of a demo district.
pub fn schools_of(district: super::DemoDistrict) -> &'static [DemoSchool] {
    match district {
        super::DemoDistrict::D118 => SCHOOLS,
        super::DemoDistrict::KippChicago => KIPP_SCHOOLS,
    }
}

/// The schools with terms, staff and sections: every school but the graduated-students
/// school, the Substitute school and the district office (of D118; [`kipp_school`] maps them).
pub(super) fn teaching_schools() -> Vec<&'static DemoSchool> {
    SCHOOLS
        .iter()
        .filter(|s| ![GRADUATED_SCHOOL, SUBSTITUTE_SCHOOL, DISTRICT_OFFICE].contains(&s.number))
        .collect()
}
