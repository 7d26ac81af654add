//! D118 students: the script's rules, each test naming its seed line
//! (`../shared/seeds/upstream/d118-studentsync.py`). `docs/PARITY.md` lists them all.

use chrono::NaiveDate;
use d118_students::*;
use roster::Population;
use roster::core::directory::{Account, FieldValue, SchemaValues};
use roster::core::model::{EnrollStatus, Grade, School, Student};
use roster::core::{ChangeKind, Intent, plan};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

fn school(number: i64, name: &str, abbreviation: &str) -> School {
    School {
        number,
        name: name.into(),
        abbreviation: abbreviation.into(),
        state_excluded: false,
    }
}

fn schools() -> Vec<School> {
    vec![
        school(5, "WAUCONDA HIGH SCHOOL", "WHS"),
        school(1, "ROBERT CROWN ELEMENTARY", "RCS"),
        school(BUILDING_OU_ONLY_SCHOOL, "PRE-REGISTRATION", "PREREG"),
        school(GRADUATED_SCHOOL, GRADUATED_SCHOOL_NAME, "GRAD"),
    ]
}

fn student(number: &str, first: &str, last: &str, grade: i32, school: i64, status: i32) -> Student {
    Student {
        student_number: number.into(),
        id: None,
        dcid: None,
        first_name: first.into(),
        last_name: last.into(),
        grade: Grade(grade),
        school,
        enroll_status: EnrollStatus::from(status),
        class_of: Some(2030),
        home_room: None,
        dob: None,
        email: None,
        web_username: None,
        web_password: None,
    }
}

fn desired(students: &[Student], today: NaiveDate) -> Vec<Intent> {
    let job = job();
    let Population::Students(p) = &job.population else {
        unreachable!()
    };
    p.desired(students, &schools(), today)
}

fn account(i: &Intent) -> &roster::core::DesiredAccount {
    match i {
        Intent::Account { account, .. } => account,
        Intent::Skip { reason, .. } => panic!("skipped: {reason}"),
    }
}

fn observed(email: &str, ou: &str, first: &str, last: &str, suspended: bool) -> Account {
    let mut schemas = SchemaValues::new();
    let f = schemas.entry(CUSTOM_ATTRIBUTE_CATEGORY.into()).or_default();
    f.insert(CUSTOM_ATTRIBUTE_SCHOOL.into(), FieldValue::Int(5));
    f.insert(CUSTOM_ATTRIBUTE_GRADYEAR.into(), FieldValue::Int(2030));
    Account {
        id: Some(format!("id-{email}")),
        primary_email: email.into(),
        given_name: first.into(),
        family_name: last.into(),
        org_unit_path: ou.into(),
        suspended,
        custom_schemas: schemas,
        external_ids: Vec::new(),
        admin: None,
    }
}

/// Lines 30-36, 50-51: the constants, as the script spells them.
#[test]
fn constants_are_the_scripts() {
    assert_eq!(BAD_NAMES.len(), 28);
    assert_eq!(OU_PREFIX, "/D118 Students");
    assert_eq!(FROZEN_OUS, ["/Restricted", "/Adobe Licensed Students"]);
    assert_eq!(GRADUATED_OU, "/Suspended Accounts/Graduated Students");
    assert_eq!((GRADUATED_SCHOOL, BUILDING_OU_ONLY_SCHOOL), (999_999, 901));
    assert_eq!((LICENSE_PRODUCT_ID, LICENSE_SKU), ("101031", "1010310008"));
}

/// Lines 36, 123-124: every bad name, as a first or a last name, in any case, is skipped.
#[test]
fn every_bad_name_is_skipped() {
    for (i, bad) in BAD_NAMES.iter().enumerate() {
        let upper = bad.to_uppercase();
        let rows = [
            student(&format!("{}", 1000 + i), bad, "Smith", 9, 5, 0),
            student(&format!("{}", 2000 + i), "Ann", &upper, 9, 5, 0),
        ];
        for intent in desired(&rows, today()) {
            assert!(matches!(intent, Intent::Skip { .. }), "{bad:?} not skipped");
        }
    }
    // Whole names only: "Tester" is listed, "Testa" is a person.
    let kept = desired(&[student("3000", "Testa", "Rossi", 9, 5, 0)], today());
    assert!(matches!(kept[0], Intent::Account { .. }));
}

/// Lines 120, 125: the email is the student number as a number, `@d118.org`.
#[test]
fn email_is_the_number_at_the_domain() {
    let d = desired(
        &[
            student("012345", "Ann", "Lee", 9, 5, 0),
            student("12A", "Bo", "Kim", 9, 5, 0),
        ],
        today(),
    );
    assert_eq!(account(&d[0]).primary_email, "12345@d118.org");
    assert!(matches!(d[1], Intent::Skip { .. }), "int() fails: skipped");
}

/// Lines 106, 37, 158-164: building and grade OUs; pre-registered (-1) and school 901 in
/// the building OU; other inactive statuses in the suspended OU.
#[test]
fn ou_placement() {
    let d = desired(
        &[
            student("1", "Ann", "Lee", 9, 5, 0),
            student("2", "Bo", "Kim", -1, 1, -1),
            student("3", "Cy", "Ray", 3, 1, -1),
            student("4", "Di", "Fox", 2, BUILDING_OU_ONLY_SCHOOL, 0),
            student("5", "Ed", "Orr", 10, 5, 2),
            student("6", "Flo", "Ng", 13, 5, 0),
        ],
        today(),
    );
    let got: Vec<(&str, bool)> = d
        .iter()
        .map(|i| (account(i).org_unit_path.as_str(), account(i).suspended))
        .collect();
    assert_eq!(
        got,
        [
            ("/D118 Students/WHS Students/9th", false),
            ("/D118 Students/RCS Students", false),
            ("/D118 Students/RCS Students", false),
            ("/D118 Students/PREREG Students", false),
            ("/Suspended Accounts", true),
            ("/D118 Students/WHS Students", false), // grade 13 -> '' (line 37)
        ]
    );
}

/// Lines 136-139, 107-108: this year's graduate in the graduated school stays active in the
/// graduated OU through June, July and August; suspended from September.
#[test]
fn summer_graduates() {
    let mut grad = student("7", "Gus", "Hale", 12, GRADUATED_SCHOOL, 3);
    grad.class_of = Some(2026);
    for (month, suspended) in [(5, true), (6, false), (7, false), (8, false), (9, true)] {
        let day = NaiveDate::from_ymd_opt(2026, month, 15).unwrap();
        let d = desired(std::slice::from_ref(&grad), day);
        let a = account(&d[0]);
        assert_eq!(a.org_unit_path.as_str(), GRADUATED_OU);
        assert_eq!(a.suspended, suspended, "month {month}");
    }
}

/// Lines 121-122: names are title-cased (PowerSchool has them in capitals); see
/// `roster_core::policy::title_case` for the rules.
#[test]
fn names_are_title_cased() {
    let d = desired(
        &[
            student("1", "  LIAM ", "O'BRIEN", 9, 5, 0),
            student("2", "ana", "GARCÍA-LÓPEZ", 9, 5, 0),
            student("3", "ROBERT", "MCDONALD", 9, 5, 0),
            student("4", "SEÁN", "DE LA CRUZ", 9, 5, 0),
            student("5", "anna", "van der berg", 9, 5, 0),
            student("6", "MARY  ANN", "SMITH", 9, 5, 0),
        ],
        today(),
    );
    let names: Vec<(&str, &str)> = d
        .iter()
        .map(|i| {
            (
                account(i).given_name.as_str(),
                account(i).family_name.as_str(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("Liam", "O'Brien"),
            ("Ana", "García-López"),
            ("Robert", "McDonald"),
            ("Seán", "De la Cruz"),
            ("Anna", "Van der Berg"),
            ("Mary Ann", "Smith"),
        ]
    );
}

/// A second plan after an apply of title-cased names has nothing to do.
#[test]
fn second_plan_after_apply_is_empty() {
    let job = job();
    let rows = [
        student("1", "LIAM", "O'BRIEN", 9, 5, 0),
        student("2", "zoë", "brontë", -1, 1, -1),
    ];
    let d = desired(&rows, today());
    let first = plan(&d, &[], &job.policy, today());
    let created: Vec<Account> = first
        .changes
        .iter()
        .filter_map(|c| match &c.kind {
            ChangeKind::Create { account, .. } => Some(account.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(created.len(), 2);
    let second = plan(&d, &created, &job.policy, today());
    assert!(second.is_empty(), "{}", second.table());
}

/// Lines 192-202: an active student in a frozen OU is not moved.
#[test]
fn frozen_ous_block_moves_of_active_students() {
    let job = job();
    let d = desired(&[student("1", "Ann", "Lee", 9, 5, 0)], today());
    for frozen in FROZEN_OUS {
        let ou = format!("/D118 Students/WHS Students{frozen}");
        let a = observed("1@d118.org", &ou, "Ann", "Lee", false);
        let p = plan(&d, &[a], &job.policy, today());
        assert!(p.is_empty(), "{frozen}: {}", p.table());
    }
}

/// Lines 205-214: names compare as `upper()`; a case-only difference is left alone.
#[test]
fn names_differing_only_in_case_are_left_alone() {
    let job = job();
    let d = desired(&[student("1", "ROBERT", "MACDONALD", 9, 5, 0)], today());
    let ou = "/D118 Students/WHS Students/9th";
    let fixed = observed("1@d118.org", ou, "Robert", "MacDonald", false);
    let p = plan(&d, &[fixed], &job.policy, today());
    assert!(p.is_empty(), "{}", p.table());
    let married = observed("1@d118.org", ou, "Robert", "Smith", false);
    let p = plan(&d, &[married], &job.policy, today());
    let Some(ChangeKind::Update(patch)) = p.writes().next().map(|c| &c.kind) else {
        panic!("{}", p.table())
    };
    assert_eq!(patch.family_name.as_deref(), Some("Macdonald"));
}

/// Lines 257-290: an inactive student is only suspended and moved (no name or schema
/// update), out of a frozen OU too, and leaves their groups.
#[test]
fn inactive_students_are_only_suspended_and_moved() {
    let job = job();
    let mut leaver = student("1", "Ann", "Newname", 9, 1, 2);
    leaver.class_of = Some(2031);
    let d = desired(&[leaver], today());
    let a = observed(
        "1@d118.org",
        "/D118 Students/WHS Students/Restricted",
        "Ann",
        "Lee",
        false,
    );
    let p = plan(&d, &[a], &job.policy, today());
    let kinds: Vec<&str> = p.writes().map(|c| c.kind.label()).collect();
    assert_eq!(
        kinds,
        ["move", "suspend", "remove_from_groups"],
        "{}",
        p.table()
    );
}
