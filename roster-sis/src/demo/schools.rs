//! The demo district's schools.

use super::{GRADUATED_SCHOOL, STATE_EXCLUDED_SCHOOL, SUBSTITUTE_SCHOOL};

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

/// The schools with terms, staff and sections: every school but the graduated-students
/// school and the Substitute school.
pub(super) fn teaching_schools() -> Vec<&'static DemoSchool> {
    SCHOOLS
        .iter()
        .filter(|s| s.number != GRADUATED_SCHOOL && s.number != SUBSTITUTE_SCHOOL)
        .collect()
}
