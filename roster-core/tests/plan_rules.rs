//! The plan: only differing fields, frozen and reactivation OUs, renames, duplicates.
mod common;

use common::*;
use roster_core::plan::{AccountPatch, ChangeKind};
use roster_core::{FieldValue, Plan, plan};

fn today() -> chrono::NaiveDate {
    date(2026, 11, 24)
}

fn student_plan(students: &[roster_core::Student], observed: &[roster_core::Account]) -> Plan {
    let desired = student_policy().desired(students, &schools(), today());
    plan(&desired, observed, &student_rules(), today())
}

fn kinds(p: &Plan) -> Vec<&'static str> {
    p.changes.iter().map(|c| c.kind.label()).collect()
}

fn in_sync(number: &str, first: &str, last: &str, ou: &str) -> roster_core::Account {
    account(
        &format!("{number}@d118.org"),
        first,
        last,
        ou,
        false,
        schemas(
            "Synchronization_Data",
            &[
                ("Homeschool_ID", FieldValue::Int(101)),
                ("Graduation_Year", FieldValue::Int(2030)),
            ],
        ),
    )
}

#[test]
fn an_account_in_sync_plans_nothing() {
    let p = student_plan(
        &[student("1", "Ann", "Lee", 9, 101, 0)],
        &[in_sync(
            "1",
            "Ann",
            "Lee",
            "/D118 Students/WHS Students/9th",
        )],
    );
    assert!(p.changes.is_empty(), "{}", p.table());
}

#[test]
fn both_names_change_in_one_update() {
    let p = student_plan(
        &[student("1", "Annie", "Lee-Park", 9, 101, 0)],
        &[in_sync(
            "1",
            "Ann",
            "Lee",
            "/D118 Students/WHS Students/9th",
        )],
    );
    assert_eq!(kinds(&p), ["update"]);
    let ChangeKind::Update(patch) = &p.changes[0].kind else {
        panic!()
    };
    assert_eq!(
        patch,
        &AccountPatch {
            given_name: Some("Annie".into()),
            family_name: Some("Lee-Park".into()),
            ..AccountPatch::default()
        }
    );
}

#[test]
fn custom_schema_diff_writes_only_changed_fields() {
    let mut observed = in_sync("1", "Ann", "Lee", "/D118 Students/WHS Students/9th");
    // Graduation year stored as text by an earlier tool: equal, not a change.
    observed
        .custom_schemas
        .get_mut("Synchronization_Data")
        .unwrap()
        .insert("Graduation_Year".into(), FieldValue::Text("2030".into()));
    // A field the district does not manage is left alone.
    observed
        .custom_schemas
        .get_mut("Synchronization_Data")
        .unwrap()
        .insert("Locker".into(), FieldValue::Int(12));
    let mut s = student("1", "Ann", "Lee", 9, 102, 0); // moved to another building
    s.grade = roster_core::Grade(9);
    let p = student_plan(&[s], &[observed]);
    assert_eq!(kinds(&p), ["update", "move"]);
    let ChangeKind::Update(patch) = &p.changes[0].kind else {
        panic!()
    };
    assert_eq!(
        patch.custom_schemas,
        schemas(
            "Synchronization_Data",
            &[("Homeschool_ID", FieldValue::Int(102))]
        )
    );
    assert_eq!(patch.given_name, None);
}

#[test]
fn frozen_ou_blocks_a_move_but_not_a_suspension() {
    let frozen = "/D118 Students/WHS Students/Restricted";
    // Active: would move to 10th, but frozen: nothing.
    let p = student_plan(
        &[student("1", "Ann", "Lee", 10, 101, 0)],
        &[in_sync("1", "Ann", "Lee", frozen)],
    );
    assert!(p.changes.is_empty(), "{}", p.table());
    // Inactive: suspended in place, not moved.
    let p = student_plan(
        &[student("1", "Ann", "Lee", 10, 101, 2)],
        &[in_sync("1", "Ann", "Lee", frozen)],
    );
    assert_eq!(kinds(&p), ["suspend", "remove_from_groups"]);
}

#[test]
fn reactivation_ou_blocks_move_and_suspension() {
    let ou = "/D118 Students/Temporary Reactivation";
    let p = student_plan(
        &[student("1", "Ann", "Lee", 10, 101, 2)],
        &[in_sync("1", "Ann", "Lee", ou)],
    );
    assert!(p.changes.is_empty(), "{}", p.table());
    // Names still follow the SIS.
    let p = student_plan(
        &[student("1", "Anna", "Lee", 10, 101, 2)],
        &[in_sync("1", "Ann", "Lee", ou)],
    );
    assert_eq!(kinds(&p), ["update"]);
}

#[test]
fn returning_student_is_unsuspended_and_moved() {
    let mut a = in_sync("1", "Ann", "Lee", "/Suspended Accounts");
    a.suspended = true;
    let p = student_plan(&[student("1", "Ann", "Lee", 9, 101, 0)], &[a]);
    assert_eq!(kinds(&p), ["unsuspend", "move"]);
}

#[test]
fn leaving_student_is_moved_suspended_and_removed_from_groups() {
    let p = student_plan(
        &[student("1", "Ann", "Lee", 9, 101, 2)],
        &[in_sync(
            "1",
            "Ann",
            "Lee",
            "/D118 Students/WHS Students/9th",
        )],
    );
    assert_eq!(kinds(&p), ["move", "suspend", "remove_from_groups"]);
}

#[test]
fn inactive_person_without_account_gets_none_and_new_active_one_is_created() {
    let p = student_plan(
        &[
            student("1", "Ann", "Lee", 9, 101, 2),
            student("2", "Bo", "Kim", 0, 102, -1),
        ],
        &[],
    );
    assert_eq!(kinds(&p), ["create"]);
    let ChangeKind::Create {
        account,
        change_password_at_next_login,
        ..
    } = &p.changes[0].kind
    else {
        panic!()
    };
    assert_eq!(account.primary_email, "2@d118.org");
    // Pre-registered: the building OU, no grade sub-OU (d118-studentsync.py:160).
    assert_eq!(
        account.org_unit_path.as_str(),
        "/D118 Students/RCE Students"
    );
    assert!(*change_password_at_next_login);
}

#[test]
fn accounts_outside_the_managed_roots_are_never_touched() {
    // Same email, but in an OU the run does not manage: treated as absent, and the create
    // will meet a 409 that the target resolves (not the plan's business to move it).
    let outside = in_sync("1", "Old", "Name", "/Staff Only");
    let p = student_plan(&[student("1", "Ann", "Lee", 9, 101, 2)], &[outside]);
    assert!(p.changes.is_empty());
    assert_eq!(p.managed_accounts, 0);
}

#[test]
fn duplicate_student_numbers_first_wins() {
    let p = student_plan(
        &[
            student("1", "Ann", "Lee", 9, 101, 0),
            student("1", "Ann", "Twin", 9, 101, 0),
        ],
        &[],
    );
    assert_eq!(kinds(&p), ["create", "skip"]);
    let ChangeKind::Skip { reason } = &p.changes[1].kind else {
        panic!()
    };
    assert!(reason.contains("duplicate"), "{reason}");
}

fn staff_account(email: &str, dcid: i64) -> roster_core::Account {
    let mut a = account(
        email,
        "Ann",
        "Lee",
        "/D118 Staff/Wauconda High School Staff",
        false,
        dcid_schema(dcid),
    );
    a.id = Some(format!("g{dcid}"));
    a.external_ids = vec![roster_core::ExternalId {
        kind: "organization".into(),
        value: format!("T{dcid}"),
    }];
    a
}

#[test]
fn staff_email_change_is_a_rename_matched_by_dcid() {
    let s = staff(
        7,
        "ann.lee-park@d118.org",
        "Ann",
        "Lee",
        101,
        &[(101, 1, 1)],
    );
    let desired = staff_policy().desired(&[s], &schools());
    let p = plan(
        &desired,
        &[staff_account("ann.lee@d118.org", 7)],
        &staff_rules(),
        today(),
    );
    assert_eq!(kinds(&p), ["rename"]);
    let c = &p.changes[0];
    assert_eq!(c.account_id.as_deref(), Some("g7"));
    assert_eq!(
        c.kind,
        ChangeKind::Rename {
            from: "ann.lee@d118.org".into(),
            to: "ann.lee-park@d118.org".into()
        }
    );
}

#[test]
fn staff_without_dcid_stamp_is_adopted_by_email_then_stamped() {
    let s = staff(7, "ann.lee@d118.org", "Ann", "Lee", 101, &[(101, 1, 1)]);
    let desired = staff_policy().desired(&[s], &schools());
    let mut a = staff_account("ann.lee@d118.org", 7);
    a.custom_schemas.clear();
    let p = plan(&desired, &[a], &staff_rules(), today());
    assert_eq!(kinds(&p), ["update"]);
    let ChangeKind::Update(patch) = &p.changes[0].kind else {
        panic!()
    };
    assert_eq!(patch.custom_schemas, dcid_schema(7));
}

#[test]
fn staff_email_owned_by_another_dcid_is_a_skip() {
    let s = staff(8, "ann.lee@d118.org", "Ann", "Lee", 101, &[(101, 1, 1)]);
    let desired = staff_policy().desired(&[s], &schools());
    let p = plan(
        &desired,
        &[staff_account("ann.lee@d118.org", 7)],
        &staff_rules(),
        today(),
    );
    assert_eq!(kinds(&p), ["skip"]);
}

#[test]
fn plan_is_deterministic_whatever_the_input_order() {
    let students = vec![
        student("3", "C", "C", 1, 102, 0),
        student("1", "A", "A", 2, 102, 0),
        student("2", "B", "B", 3, 102, 2),
    ];
    let observed = vec![in_sync("2", "B", "B", "/D118 Students/RCE Students/3rd")];
    let a = student_plan(&students, &observed);
    let mut reversed = students.clone();
    reversed.reverse();
    let b = student_plan(&reversed, &observed);
    assert_eq!(a.changes, b.changes);
}
