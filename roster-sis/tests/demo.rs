//! The demo-district generator: determinism and contents.

mod common;

use roster_sis::demo::{self, DemoConfig, GRADUATED_SCHOOL, SUBSTITUTE_SCHOOL};

use common::{config, raw_count, today};

fn tmp(name: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name)
}

#[test]
fn same_seed_same_bytes() {
    let (a, b, c) = (
        tmp("det-a.sqlite"),
        tmp("det-b.sqlite"),
        tmp("det-c.sqlite"),
    );
    let sa = demo::generate(&a, &config()).unwrap();
    let sb = demo::generate(&b, &config()).unwrap();
    assert_eq!(
        std::fs::read(&a).unwrap(),
        std::fs::read(&b).unwrap(),
        "byte-identical"
    );
    assert_eq!((sa.students, sa.cc), (sb.students, sb.cc));
    // Generating over an existing file replaces it with the same bytes.
    demo::generate(&a, &config()).unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());

    let other = DemoConfig {
        seed: 119,
        ..config()
    };
    demo::generate(&c, &other).unwrap();
    assert_ne!(
        std::fs::read(&a).unwrap(),
        std::fs::read(&c).unwrap(),
        "another seed, another district"
    );
}

#[test]
fn summary_matches_the_tables() {
    let path = tmp("summary.sqlite");
    let s = demo::generate(&path, &config()).unwrap();
    assert_eq!(s.students, 300);
    assert_eq!(
        raw_count(&path, "SELECT COUNT(*) FROM STUDENTS") as usize,
        s.students
    );
    assert_eq!(
        raw_count(&path, "SELECT COUNT(*) FROM USERS") as usize,
        s.users
    );
    assert_eq!(
        raw_count(&path, "SELECT COUNT(*) FROM SCHOOLSTAFF") as usize,
        s.schoolstaff
    );
    assert_eq!(
        raw_count(&path, "SELECT COUNT(*) FROM SECTIONS") as usize,
        s.sections
    );
    assert_eq!(raw_count(&path, "SELECT COUNT(*) FROM CC") as usize, s.cc);
    assert_eq!(
        raw_count(
            &path,
            "SELECT COUNT(*) FROM CC WHERE SECTIONID < 0 AND TERMID < 0"
        ) as usize,
        s.cc_dropped
    );
    assert!(s.cc_dropped > 0);
    assert_eq!(
        raw_count(&path, "SELECT COUNT(*) FROM SCHOOLS") as usize,
        demo::SCHOOLS.len()
    );
    assert!(
        raw_count(
            &path,
            "SELECT COUNT(*) FROM CC WHERE EXPRESSION = '1(A)' AND SECTIONID > 0"
        ) > 0
    );
    assert_eq!(s.school_year.0.to_string(), "2026-08-20");
    // The duplicate student number is really in the table twice.
    assert_eq!(
        raw_count(
            &path,
            &format!(
                "SELECT COUNT(*) FROM STUDENTS WHERE STUDENT_NUMBER = {}",
                demo::edge::STUDENT_DUPLICATE_NUMBER
            )
        ),
        2
    );
    assert_eq!(
        raw_count(
            &path,
            "SELECT COUNT(*) FROM STUDENTS WHERE LAST_NAME IS NULL"
        ),
        1
    );
    // Graduates of this year: class of 2026 with status 3 or in the graduated school.
    let grads = raw_count(
        &path,
        &format!(
            "SELECT COUNT(*) FROM STUDENTS WHERE CLASSOF = 2026 AND (ENROLL_STATUS = 3 OR SCHOOLID = {GRADUATED_SCHOOL})"
        ),
    );
    assert!(grads >= 2, "{grads}");
    assert_eq!(
        raw_count(
            &path,
            &format!("SELECT COUNT(*) FROM STUDENTS WHERE SCHOOLID = {SUBSTITUTE_SCHOOL}")
        ),
        0
    );
    assert!(raw_count(&path, "SELECT COUNT(*) FROM U_HUMANRESOURCES") > 0);
}

#[test]
fn tiny_districts_still_hold_every_edge_case_and_domains_are_options() {
    let path = tmp("tiny.sqlite");
    let mut cfg = DemoConfig::new(5, 7, today());
    cfg.domain = "d.example".into();
    let s = demo::generate(&path, &cfg).unwrap();
    assert_eq!(s.students, 28, "the 28 edge-case students");
    assert_eq!(
        raw_count(
            &path,
            "SELECT COUNT(*) FROM USERS WHERE EMAIL_ADDR LIKE '%@d.example'"
        ) as usize,
        s.users - 2
    );
    assert_eq!(
        raw_count(
            &path,
            "SELECT COUNT(*) FROM USERS WHERE EMAIL_ADDR IS NULL OR EMAIL_ADDR = ''"
        ),
        2
    );
}

#[test]
fn school_year_follows_today() {
    let spring = DemoConfig::new(30, 1, chrono::NaiveDate::from_ymd_opt(2027, 3, 1).unwrap());
    assert_eq!(spring.school_year_start(), 2026);
    let july = DemoConfig::new(30, 1, chrono::NaiveDate::from_ymd_opt(2027, 7, 1).unwrap());
    assert_eq!(july.school_year_start(), 2027);
    let path = tmp("spring.sqlite");
    let s = demo::generate(&path, &spring).unwrap();
    assert_eq!(s.school_year.1.to_string(), "2027-06-05");
    // PowerSchool's YEARID: 2026-27 is 36, its year term 3600.
    assert!(
        raw_count(
            &path,
            "SELECT COUNT(*) FROM TERMS WHERE ID = 3600 AND YEARID = 36"
        ) > 0
    );
}

#[test]
fn kipp_demo_has_kipps_campuses_and_d118s_its_buildings() {
    // KIPP Chicago's demo: the four campuses of the ST Math scripts' map, the Substitute and
    // graduated-students schools, and nothing of D118's.
    let path = tmp("kipp.sqlite");
    let mut cfg = DemoConfig::new(600, 118, today());
    cfg.domain = demo::KIPP_DOMAIN.into();
    cfg.district = demo::DemoDistrict::for_domain(&cfg.domain);
    assert_eq!(cfg.district, demo::DemoDistrict::KippChicago);
    let s = demo::generate(&path, &cfg).unwrap();
    assert_eq!(s.schools, demo::KIPP_SCHOOLS.len());
    for (number, code) in [
        (78102, "KAP"),
        (7810, "KAMS"),
        (400146, "KCCP"),
        (400163, "KBCP"),
    ] {
        let q = format!(
            "SELECT COUNT(*) FROM SCHOOLS WHERE SCHOOL_NUMBER = {number} AND ABBREVIATION = '{code}'"
        );
        assert_eq!(raw_count(&path, &q), 1, "{number} {code}");
        // Each campus has active students and active teachers with homerooms.
        let q = format!(
            "SELECT COUNT(*) FROM STUDENTS WHERE SCHOOLID = {number} AND ENROLL_STATUS = 0"
        );
        assert!(raw_count(&path, &q) > 20, "students at {number}");
        let q = format!(
            "SELECT COUNT(*) FROM SECTIONS WHERE SCHOOLID = {number} AND EXPRESSION = '1(A)'"
        );
        assert!(raw_count(&path, &q) >= 2, "homerooms at {number}");
    }
    // Every student and assignment is at a school of the file; active students outside the
    // campuses are only the graduated-students school's.
    assert_eq!(
        raw_count(
            &path,
            "SELECT COUNT(*) FROM STUDENTS WHERE SCHOOLID NOT IN (SELECT SCHOOL_NUMBER FROM SCHOOLS)"
        ),
        0
    );
    assert_eq!(
        raw_count(
            &path,
            "SELECT COUNT(*) FROM SCHOOLSTAFF WHERE SCHOOLID NOT IN (SELECT SCHOOL_NUMBER FROM SCHOOLS)"
        ),
        0
    );
    let q = format!(
        "SELECT COUNT(*) FROM STUDENTS WHERE ENROLL_STATUS = 0 AND SCHOOLID NOT IN (78102, 7810, 400146, 400163, {GRADUATED_SCHOOL})"
    );
    assert_eq!(raw_count(&path, &q), 0);
    // Staff emails at KIPP's domain; the same file again is byte-identical.
    assert_eq!(
        raw_count(
            &path,
            "SELECT COUNT(*) FROM USERS WHERE EMAIL_ADDR LIKE '%@kippchicago.org'"
        ) as usize,
        s.users - 2
    );
    let again = tmp("kipp-again.sqlite");
    demo::generate(&again, &cfg).unwrap();
    assert_eq!(
        std::fs::read(&path).unwrap(),
        std::fs::read(&again).unwrap()
    );

    // D118's demo: the buildings the D118 scripts name, school 0 included.
    let d118 = tmp("d118.sqlite");
    demo::generate(&d118, &DemoConfig::new(300, 118, today())).unwrap();
    for n in [
        0,
        131,
        133,
        134,
        135,
        901,
        SUBSTITUTE_SCHOOL,
        GRADUATED_SCHOOL,
    ] {
        let q = format!("SELECT COUNT(*) FROM SCHOOLS WHERE SCHOOL_NUMBER = {n}");
        assert_eq!(raw_count(&d118, &q), 1, "school {n}");
    }
    for n in [131, 133, 134, 135, 901] {
        let q = format!("SELECT COUNT(*) FROM STUDENTS WHERE SCHOOLID = {n} AND ENROLL_STATUS = 0");
        assert!(raw_count(&d118, &q) >= 1, "students at {n}");
    }
    assert_eq!(
        raw_count(
            &d118,
            "SELECT NAME = 'Wauconda High School' FROM SCHOOLS WHERE SCHOOL_NUMBER = 131"
        ),
        1
    );
}
