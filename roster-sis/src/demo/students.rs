//! Students: the edge cases of [`super::edge`], then random students in every grade and
//! enroll status, then the duplicate student number.

use chrono::{Datelike, NaiveDate};

use super::names::{FIRST_NAMES, LAST_NAMES};
use super::rng::Rng;
use super::{
    DemoConfig, DemoDistrict, GRADUATED_SCHOOL, HIGH_SCHOOL, STATE_EXCLUDED_SCHOOL, WHS_GROUP,
    date, edge,
};

/// One student before it is written.
pub(super) struct Stu {
    pub(super) number: Option<i64>,
    pub(super) first: String,
    pub(super) last: Option<String>,
    pub(super) grade: i32,
    pub(super) school: i64,
    pub(super) status: i32,
    pub(super) class_of: i32,
    pub(super) dob: NaiveDate,
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
        9..=12 if rng.chance(90) => *rng.pick(&WHS_GROUP),
        9..=12 => HIGH_SCHOOL,
        _ => GRADUATED_SCHOOL,
    }
}

pub(super) fn students(config: &DemoConfig, rng: &mut Rng) -> Vec<Stu> {
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
        special(STUDENT_ACCENT, "José", Some("Martínez"), 10, HIGH_SCHOOL, 0),
        special(STUDENT_DIAERESIS, "Zoë", Some("Brontë"), 1, 120, 0),
        special(STUDENT_DOUBLE_SPACE, "Mary  Ann", Some("Smith"), 4, 130, 0),
        special(STUDENT_NULL_LAST_NAME, "Prince", None, 2, 110, 0),
        special(STUDENT_DUPLICATE_NUMBER, "Jordan", Some("Lee"), 5, 120, 0),
        special(STUDENT_DO, "Minh", Some("Do"), 9, HIGH_SCHOOL, 0),
        special(STUDENT_TEST_ACCOUNT, "Test", Some("Student"), 2, 110, 0),
        special(STUDENT_DEMO_ACCOUNT, "Demo", Some("Account"), 6, 220, 0),
        special(STUDENT_TESTA, "Testa", Some("Rossi"), 8, 210, 0),
        special(
            STUDENT_SUBRAMANIAN,
            "Aaliyah",
            Some("Subramanian"),
            11,
            HIGH_SCHOOL,
            0,
        ),
        special(
            STUDENT_GRADUATE_AT_HIGH_SCHOOL,
            "Grace",
            Some("Okafor"),
            12,
            HIGH_SCHOOL,
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
        special(
            STUDENT_HISTORICAL,
            "Björn",
            Some("Müller"),
            10,
            HIGH_SCHOOL,
            4,
        ),
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
        special(
            STUDENTS_WHS_GROUP[0],
            "Noah",
            Some("Schmidt"),
            9,
            WHS_GROUP[0],
            0,
        ),
        special(
            STUDENTS_WHS_GROUP[1],
            "Ava",
            Some("Novak"),
            9,
            WHS_GROUP[1],
            0,
        ),
        special(
            STUDENTS_WHS_GROUP[2],
            "Eli",
            Some("Brooks"),
            9,
            WHS_GROUP[2],
            0,
        ),
    ];
    v[12].class_of = this_year;
    v[13].class_of = this_year;
    v[14].class_of = this_year - 1;
    let specials = v.len() + 1; // + the duplicate written last
    // KIPP's campuses teach up to grade 8 (`KIPP_SCHOOLS`): its demo draws grades 0 to 8.
    let grades = match config.district {
        DemoDistrict::D118 => 13,
        DemoDistrict::KippChicago => 9,
    };
    for i in 0..config.students.saturating_sub(specials) {
        let r = rng.below(1000);
        let grade = match r {
            0..=19 => -2,
            20..=59 => -1,
            60..=959 => ((r - 60) * grades / 900) as i32,
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
            let s = if grade == 12 && s == 0 && config.seniors_graduated() {
                3
            } else {
                s
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
