//! Table-driven tests of the student desired-state rules (D118 student sync).
mod common;

use common::*;
use roster_core::directory::OrgUnitPath;
use roster_core::policy::Intent;

fn one(s: roster_core::Student, today: chrono::NaiveDate) -> Intent {
    student_policy().desired(&[s], &schools(), today).remove(0)
}

fn ou_and_suspended(i: &Intent) -> (String, bool) {
    match i {
        Intent::Account { account, .. } => (account.org_unit_path.to_string(), account.suspended),
        Intent::Skip { reason, .. } => panic!("skipped: {reason}"),
    }
}

#[test]
fn each_enroll_status() {
    let today = date(2026, 11, 24);
    let cases = [
        // Pre-registered stays active, in the building OU (d118-studentsync.py:160).
        (-1, "/D118 Students/WHS Students", false),
        (0, "/D118 Students/WHS Students/9th", false),
        (1, "/Suspended Accounts", true),
        (2, "/Suspended Accounts", true),
        (3, "/Suspended Accounts/Graduated Students", true),
        (4, "/Suspended Accounts", true),
        (7, "/Suspended Accounts", true), // unknown status: not active
    ];
    for (status, ou, suspended) in cases {
        let got = ou_and_suspended(&one(student("1001", "Ann", "Lee", 9, 101, status), today));
        assert_eq!(got, (ou.to_string(), suspended), "enroll status {status}");
    }
}

#[test]
fn grade_ou_map() {
    let today = date(2026, 11, 24);
    let cases = [
        (-2, "/D118 Students/RCE Students/PreKindergarten"),
        (-1, "/D118 Students/RCE Students/PreKindergarten"),
        (0, "/D118 Students/RCE Students/Kindergarten"),
        (1, "/D118 Students/RCE Students/1st"),
        (2, "/D118 Students/RCE Students/2nd"),
        (3, "/D118 Students/RCE Students/3rd"),
        (11, "/D118 Students/RCE Students/11th"),
        (12, "/D118 Students/RCE Students/12th"),
        // Not in the map: the building OU (documented choice), no crash.
        (13, "/D118 Students/RCE Students"),
        (99, "/D118 Students/RCE Students"),
    ];
    for (grade, ou) in cases {
        let got = ou_and_suspended(&one(student("1002", "Bo", "Kim", grade, 102, 0), today));
        assert_eq!(got, (ou.to_string(), false), "grade {grade}");
    }
}

#[test]
fn graduated_school_means_graduated_whatever_the_status() {
    let today = date(2026, 11, 24);
    let mut s = student("1003", "Cy", "Ng", 12, 999999, 0);
    s.class_of = Some(2025);
    assert_eq!(
        ou_and_suspended(&one(s, today)),
        ("/Suspended Accounts/Graduated Students".into(), true)
    );
}

#[test]
fn current_year_graduate_is_active_through_august() {
    for (month, day, suspended) in [
        (6, 1, false),
        (7, 15, false),
        (8, 31, false),
        (9, 1, true),
        (5, 31, true),
    ] {
        let mut s = student("1004", "Di", "Oz", 12, 101, 3);
        s.class_of = Some(2026);
        let got = ou_and_suspended(&one(s, date(2026, month, day)));
        assert_eq!(
            got,
            ("/Suspended Accounts/Graduated Students".into(), suspended),
            "2026-{month}-{day}"
        );
    }
    // Last year's graduate in July: suspended.
    let mut s = student("1005", "Ed", "Oz", 12, 101, 3);
    s.class_of = Some(2025);
    assert!(ou_and_suspended(&one(s, date(2026, 7, 1))).1);
    // A district that turns the summer rule off.
    let mut p = student_policy();
    p.graduated_active_summer = false;
    let mut s = student("1006", "Flo", "Oz", 12, 101, 3);
    s.class_of = Some(2026);
    let i = p.desired(&[s], &schools(), date(2026, 7, 1)).remove(0);
    assert!(ou_and_suspended(&i).1);
}

#[test]
fn email_names_and_schema_values() {
    let i = one(
        student("20417", " Zoë ", "O'Brien-Smith", 9, 101, 0),
        date(2026, 11, 24),
    );
    let Intent::Account { account, school } = i else {
        panic!()
    };
    assert_eq!(school, Some(101));
    assert_eq!(account.primary_email, "20417@d118.org");
    assert_eq!(account.key, None);
    assert_eq!(account.match_key(), "20417@d118.org");
    assert_eq!(account.given_name, "Zoë");
    assert_eq!(account.family_name, "O'Brien-Smith");
    let sync = &account.custom_schemas["Synchronization_Data"];
    assert_eq!(sync["Homeschool_ID"], roster_core::FieldValue::Int(101));
    assert_eq!(sync["Graduation_Year"], roster_core::FieldValue::Int(2030));
}

#[test]
fn skips_have_reasons() {
    let today = date(2026, 11, 24);
    let cases = [
        (student("1", "Test", "Account", 5, 102, 0), "bad-name"),
        (student("2", "Jo", "Student", 5, 102, 0), "bad-name"),
        (student("", "Jo", "Ray", 5, 102, 0), "cannot make an email"),
        (student("3", "Jo", "  ", 5, 102, 0), "blank"),
        (
            student("4", "Jo", "Ray", 5, 4242, 0),
            "not in the SIS schools",
        ),
        (
            student("7", &"A".repeat(61), "Ray", 5, 102, 0),
            "61 characters",
        ),
    ];
    for (s, want) in cases {
        match one(s.clone(), today) {
            Intent::Skip { reason, .. } => {
                assert!(reason.contains(want), "{reason:?} should mention {want:?}")
            }
            other => panic!("{s:?} should be skipped, got {other:?}"),
        }
    }
    // Whole-name rule: "Subira" is not "sub", "Testa" is not "test"; 60 characters is fine.
    for s in [
        student("5", "Subira", "Okafor", 5, 102, 0),
        student("6", "Gia", "Testa", 5, 102, 0),
        student("8", "Jo", &"B".repeat(60), 5, 102, 0),
    ] {
        assert!(matches!(one(s, today), Intent::Account { .. }));
    }
}

#[test]
fn custom_building_ou_closure() {
    let mut p = student_policy();
    p.building_ou = Box::new(|s| format!("{} Kids", s.name));
    let ou = p.active_ou(&schools()[1], 0);
    assert_eq!(
        ou,
        OrgUnitPath::new("/D118 Students/Robert Crown Elementary Kids/Kindergarten")
    );
}
