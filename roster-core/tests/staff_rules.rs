//! Table-driven tests of the staff desired-state rules (D118 staff sync).
mod common;

use common::*;
use roster_core::FieldValue;
use roster_core::policy::Intent;

fn account_of(i: Intent) -> roster_core::DesiredAccount {
    match i {
        Intent::Account { account, .. } => account,
        Intent::Skip { reason, .. } => panic!("skipped: {reason}"),
    }
}

#[test]
fn ou_by_home_school_title_cased() {
    let s = staff(7, "Ann.Lee@D118.org", "Ann", "Lee", 101, &[(101, 1, 1)]);
    let a = account_of(staff_policy().desired(&[s], &schools()).remove(0));
    assert_eq!(
        a.org_unit_path.as_str(),
        "/D118 Staff/Wauconda High School Staff"
    );
    assert_eq!(a.primary_email, "ann.lee@d118.org");
    assert_eq!(a.key.as_deref(), Some("7"));
    assert!(!a.suspended);
}

#[test]
fn substitutes_and_inactive() {
    let cases = [
        // home school named Substitute
        (
            staff(8, "s1@d118.org", "Sam", "Ray", 500, &[(500, 1, 2)]),
            "/Substitute Teachers",
            false,
        ),
        // staff type 4 at the home school
        (
            staff(9, "s2@d118.org", "Sue", "Ray", 102, &[(102, 1, 4)]),
            "/Substitute Teachers",
            false,
        ),
        // type 4 elsewhere only: a regular teacher at home
        (
            staff(
                10,
                "s3@d118.org",
                "Sid",
                "Ray",
                102,
                &[(102, 1, 1), (101, 1, 4)],
            ),
            "/D118 Staff/Robert Crown Elementary Staff",
            false,
        ),
        // no active SCHOOLSTAFF row: suspended
        (
            staff(11, "s4@d118.org", "Ida", "Ray", 102, &[(102, 2, 1)]),
            "/Suspended Accounts",
            true,
        ),
        // active at a second school only: still active
        (
            staff(
                12,
                "s5@d118.org",
                "Ola",
                "Ray",
                102,
                &[(102, 2, 1), (101, 1, 1)],
            ),
            "/D118 Staff/Robert Crown Elementary Staff",
            false,
        ),
    ];
    for (s, ou, suspended) in cases {
        let dcid = s.dcid;
        let a = account_of(staff_policy().desired(&[s], &schools()).remove(0));
        assert_eq!(
            (a.org_unit_path.as_str(), a.suspended),
            (ou, suspended),
            "dcid {dcid}"
        );
    }
}

#[test]
fn schema_values_school_access_list_and_external_ids() {
    let mut s = staff(
        42,
        "t@d118.org",
        "Tia",
        "Moe",
        102,
        &[(102, 1, 1), (101, 1, 2), (103, 2, 1), (101, 1, 1)],
    );
    s.cell_phone = Some("555-0100".into());
    let mut p = staff_policy();
    p.extra_schemas = Some(Box::new(|s, home| {
        let building = match home.map(|h| h.number) {
            Some(101) | Some(103) => "WHS".to_string(),
            Some(_) => home.unwrap().name.clone(),
            None => String::new(),
        };
        schemas(
            "CrisisGO",
            &[
                ("Building", building.into()),
                ("CellPhone", s.cell_phone.clone().unwrap_or_default().into()),
            ],
        )
    }));
    let a = account_of(p.desired(&[s], &schools()).remove(0));
    let sync = &a.custom_schemas["Synchronization_Data"];
    assert_eq!(sync["DCID"], FieldValue::Int(42));
    assert_eq!(sync["Homeschool_ID"], FieldValue::Int(102));
    assert_eq!(
        sync["School_Access_List"],
        FieldValue::Text("101;102".into())
    );
    assert_eq!(sync["Staff_Type"], FieldValue::Int(1));
    assert_eq!(sync["Staff_Group"], FieldValue::Int(3));
    assert_eq!(sync["Teacher-Number"], FieldValue::Text("T42".into()));
    let crisis = &a.custom_schemas["CrisisGO"];
    assert_eq!(
        crisis["Building"],
        FieldValue::Text("Robert Crown Elementary".into())
    );
    assert_eq!(crisis["CellPhone"], FieldValue::Text("555-0100".into()));
    assert_eq!(a.external_ids.len(), 1);
    assert_eq!(
        (
            a.external_ids[0].kind.as_str(),
            a.external_ids[0].value.as_str()
        ),
        ("organization", "T42")
    );
}

#[test]
fn bad_names_whole_word_and_real_surname_do() {
    let do_person = staff(13, "minh.do@d118.org", "Minh", "Do", 101, &[(101, 1, 1)]);
    // D118's list has "sub" and "test" but not "do": Minh Do keeps an account.
    assert!(matches!(
        staff_policy().desired(std::slice::from_ref(&do_person), &schools())[0],
        Intent::Account { .. }
    ));
    // A district that lists "do" skips exactly that surname, and not "Donna".
    let mut p = staff_policy();
    p.bad_names = roster_core::policy::BadNames::new(["do"]);
    assert!(matches!(
        p.desired(&[do_person], &schools())[0],
        Intent::Skip { .. }
    ));
    let donna = staff(14, "donna@d118.org", "Donna", "Lake", 101, &[(101, 1, 1)]);
    assert!(matches!(
        p.desired(&[donna], &schools())[0],
        Intent::Account { .. }
    ));
}

#[test]
fn unusable_emails_are_skipped_with_reasons() {
    let mut no_email = staff(15, "x@d118.org", "No", "Mail", 101, &[(101, 1, 1)]);
    no_email.email = None;
    let cases = [
        (no_email, "no email"),
        (
            staff(16, "x@gmail.com", "Out", "Side", 101, &[(101, 1, 1)]),
            "outside the district",
        ),
        (
            staff(17, "123456@d118.org", "Num", "Ber", 101, &[(101, 1, 1)]),
            "numeric",
        ),
        (
            staff(18, "no-at-sign", "No", "At", 101, &[(101, 1, 1)]),
            "no @",
        ),
    ];
    for (s, want) in cases {
        match &staff_policy().desired(&[s], &schools())[0] {
            Intent::Skip { reason, .. } => assert!(reason.contains(want), "{reason}"),
            other => panic!("expected a skip, got {other:?}"),
        }
    }
}
