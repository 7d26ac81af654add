//! A small roster with the awkward cases vendor files must handle: names with commas, quotes,
//! line breaks and accents; a student without a homeroom; a teacher without an email; a school
//! without an ST Math iid; inactive people; a section in an unknown term.

use chrono::NaiveDate;
use roster_core::{
    Classes, EnrollStatus, Enrollment, Grade, Roster, School, SchoolAssignment, Section, Staff,
    StaffType, Student, Term,
};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn school(number: i64, name: &str, abbreviation: &str) -> School {
    School {
        number,
        name: name.into(),
        abbreviation: abbreviation.into(),
        state_excluded: false,
    }
}

fn staff(
    dcid: i64,
    first: &str,
    last: &str,
    email: Option<&str>,
    teacher_number: Option<&str>,
    home: i64,
    schools: &[(i64, i32, StaffType)],
) -> Staff {
    Staff {
        dcid,
        email: email.map(Into::into),
        first_name: first.into(),
        last_name: last.into(),
        teacher_number: teacher_number.map(Into::into),
        home_school: home,
        schools: schools
            .iter()
            .map(|&(school, status, staff_type)| SchoolAssignment {
                school,
                status,
                staff_type,
            })
            .collect(),
        group: None,
        cell_phone: None,
        pt_access: None,
    }
}

fn student(number: &str, first: &str, last: &str, grade: i32, school: i64) -> Student {
    Student {
        student_number: number.into(),
        id: None,
        dcid: None,
        first_name: first.into(),
        last_name: last.into(),
        grade: Grade(grade),
        school,
        enroll_status: EnrollStatus::Active,
        class_of: None,
        home_room: None,
        dob: None,
        email: None,
        web_username: None,
        web_password: None,
    }
}

fn term(id: i64, name: &str, school: i64, first: NaiveDate, last: NaiveDate) -> Term {
    Term {
        id,
        year_id: 36,
        name: name.into(),
        school,
        first_day: first,
        last_day: last,
    }
}

#[allow(clippy::too_many_arguments)]
fn section(
    id: i64,
    school: i64,
    course: &str,
    course_name: &str,
    number: &str,
    term_id: i64,
    teacher: Option<i64>,
    expression: &str,
) -> Section {
    Section {
        id,
        school,
        course_number: course.into(),
        course_name: course_name.into(),
        section_number: number.into(),
        term_id,
        teacher_dcid: teacher,
        expression: expression.into(),
    }
}

pub fn roster() -> Roster {
    use StaffType::*;
    let schools = vec![
        school(101, "KIPP Ascend Primary", "KAP"),
        school(102, "KIPP Ascend Middle, Campus \"B\"", "KAM"),
        school(103, "KIPP Bloom College Prep", "KBCP"),
    ];
    let staff = vec![
        staff(
            501,
            "Ada",
            "Lovelace",
            Some(" Ada.Lovelace@KIPP.org "),
            Some("T501"),
            101,
            &[(101, 1, Teacher)],
        ),
        staff(
            502,
            "Grace",
            "O'Hara, Jr.",
            Some("grace.ohara@kipp.org"),
            None,
            102,
            &[(101, 1, Teacher), (102, 1, Teacher)],
        ),
        staff(
            503,
            "Line\nBreak",
            "Teacher",
            None,
            Some("T503"),
            101,
            &[(101, 1, Teacher)],
        ),
        staff(
            504,
            "Pat",
            "Principal",
            Some("PRINCIPAL@kipp.org"),
            None,
            101,
            &[(101, 1, Staff)],
        ),
        staff(
            505,
            "Ina",
            "Active",
            Some("ina@kipp.org"),
            Some("T505"),
            101,
            &[(101, 2, Teacher)],
        ),
        staff(
            506,
            "Dee",
            "Strict",
            Some("dee.strict@kipp.org"),
            None,
            102,
            &[(102, 1, Staff)],
        ),
    ];
    let mut students = vec![
        student("1001", "Zoë", "Ångström", 0, 101),
        student("1002", "Liam", "Mc\"Q\"", 1, 101),
        student("1003", "Maya", "Patel", 5, 102),
        student("1004", "Noah", "Nohomeroom", 3, 102),
        student("1005", "Eve", "Noemail", 2, 101),
        student("1006", "Tim", "Transferred", 4, 101),
        student("1007", "Bea", "Unmapped", 4, 103),
        student("1008", "Sam", "Smith,\nJr", 7, 102),
    ];
    students[0].dob = Some(date(2020, 9, 1));
    students[0].home_room = Some("K-1".into());
    students[2].email = Some("maya.patel@students.kipp.org".into());
    students[2].dob = Some(date(2015, 12, 31));
    students[5].enroll_status = EnrollStatus::TransferredOut;

    let year = (date(2026, 8, 20), date(2027, 6, 10));
    let classes = Classes {
        terms: vec![
            term(3600, "2026-2027", 101, year.0, year.1),
            term(3600, "2026-2027", 102, year.0, year.1),
            term(3601, "S1", 102, year.0, date(2027, 1, 15)),
        ],
        sections: vec![
            section(
                9001,
                101,
                "MATH0",
                "Kindergarten Math",
                "1",
                3600,
                Some(501),
                "1(A)",
            ),
            section(9002, 102, "MATH5", "Math 5", "2", 3601, Some(502), "1(A)"),
            section(9003, 102, "MATH5", "Math 5", "3", 3600, Some(502), "2(A)"),
            section(9004, 101, "ART", "Art", "1", 9999, Some(501), "3(A)"),
        ],
        enrollments: [
            ("1001", 9001),
            ("1002", 9001),
            ("1003", 9002),
            ("1008", 9003),
            ("1006", 9001),
            ("1003", 7777),
        ]
        .into_iter()
        .map(|(s, id)| Enrollment {
            student_number: s.into(),
            section_id: id,
        })
        .collect(),
        homerooms: [
            ("1001", 501),
            ("1002", 501),
            ("1003", 502),
            ("1005", 503),
            ("1007", 502),
            ("1008", 502),
        ]
        .into_iter()
        .map(|(s, t)| (s.to_string(), t))
        .collect(),
        errors: Vec::new(),
    };
    Roster {
        schools,
        students,
        staff,
        classes,
    }
}

/// The same roster with every list reversed: exports must not depend on input order.
pub fn roster_reordered() -> Roster {
    let mut r = roster();
    r.schools.reverse();
    r.students.reverse();
    r.staff.reverse();
    r.classes.terms.reverse();
    r.classes.sections.reverse();
    r.classes.enrollments.reverse();
    r
}
