//! D118 staff: the script's rules, each test naming its seed line
//! (`../shared/seeds/upstream/d118-staffsync.pyw`). `docs/PARITY.md` lists them all.

use chrono::NaiveDate;
use d118_staff::*;
use roster::Population;
use roster::core::directory::{Account, ExternalId, FieldValue, SchemaValues, schema_field};
use roster::core::model::{School, SchoolAssignment, Staff, StaffType};
use roster::core::{ChangeKind, Intent, Plan, plan};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

fn school(number: i64, name: &str) -> School {
    School {
        number,
        name: name.into(),
        abbreviation: String::new(),
        state_excluded: false,
    }
}

fn schools() -> Vec<School> {
    vec![
        school(5, "WAUCONDA HIGH SCHOOL"),
        school(1, "ROBERT CROWN ELEMENTARY"),
        school(131, "WHS TRANSITION PROGRAM"),
        school(0, "DISTRICT OFFICE"),
        school(77, SUB_BUILDING_NAME),
    ]
}

/// A staff member with (school, status, staff type) assignments.
fn staff(dcid: i64, first: &str, last: &str, home: i64, rows: &[(i64, i32, i32)]) -> Staff {
    Staff {
        dcid,
        email: Some(format!("{}.{}@d118.org", first.to_lowercase(), dcid)),
        first_name: first.into(),
        last_name: last.into(),
        teacher_number: Some(format!("{dcid}")),
        home_school: home,
        schools: rows
            .iter()
            .map(|&(school, status, kind)| SchoolAssignment {
                school,
                status,
                staff_type: StaffType::from(kind),
            })
            .collect(),
        group: Some(3),
        cell_phone: Some("847-555-0100".into()),
        pt_access: Some(1),
    }
}

fn desired(people: &[Staff]) -> Vec<Intent> {
    let job = job();
    let Population::Staff(p) = &job.population else {
        unreachable!()
    };
    p.desired(people, &schools())
}

fn account(i: &Intent) -> &roster::core::DesiredAccount {
    match i {
        Intent::Account { account, .. } => account,
        Intent::Skip { reason, .. } => panic!("skipped: {reason}"),
    }
}

fn field(a: &roster::core::DesiredAccount, schema: &str, name: &str) -> String {
    schema_field(&a.custom_schemas, schema, name)
        .map(FieldValue::text)
        .unwrap_or_else(|| "<absent>".into())
}

/// The account the first apply creates for this desired state.
fn created(a: &roster::core::DesiredAccount) -> Account {
    Account {
        id: Some(format!("id-{}", a.primary_email)),
        primary_email: a.primary_email.clone(),
        given_name: a.given_name.clone(),
        family_name: a.family_name.clone(),
        org_unit_path: a.org_unit_path.clone(),
        suspended: false,
        custom_schemas: a.custom_schemas.clone(),
        external_ids: a.external_ids.clone(),
        admin: None,
    }
}

fn labels(p: &Plan) -> Vec<&'static str> {
    p.writes().map(|c| c.kind.label()).collect()
}

/// Lines 33-40: the constants, as the script spells them.
#[test]
fn constants_are_the_scripts() {
    assert_eq!(BAD_NAMES.len(), 30);
    assert_eq!(
        FROZEN_OUS,
        [
            "/Administrators",
            "/Mail Merge Users",
            "/Parallels Desktop Users",
            "/Utility Accounts"
        ]
    );
    assert_eq!(TEMPORARY_REACTIVATION_OUS, ["/Temporary Re-Activations"]);
    assert_eq!(WHS_GROUP, [0, 131, 133, 134, 135]);
    let job = job();
    assert!(
        job.policy
            .managed_roots
            .iter()
            .any(|r| r.as_str() == "/Temporary Re-Activations")
    );
}

/// Lines 40, 139-140: every bad name, as a first or a last name, in any case, is skipped.
#[test]
fn every_bad_name_is_skipped() {
    for (i, bad) in BAD_NAMES.iter().enumerate() {
        let rows = [
            staff(1000 + i as i64, bad, "Smith", 5, &[(5, 1, 1)]),
            staff(2000 + i as i64, "Ann", &bad.to_uppercase(), 5, &[(5, 1, 1)]),
        ];
        for intent in desired(&rows) {
            assert!(matches!(intent, Intent::Skip { .. }), "{bad:?} not skipped");
        }
    }
    // "Do" is on D118's list: a person surnamed Do is skipped, as the script skips them.
    let d = desired(&[staff(3000, "Minh", "Do", 5, &[(5, 1, 1)])]);
    assert!(matches!(d[0], Intent::Skip { .. }));
}

/// Lines 114-116, 111: building OU from the school name as Python's `str.title()` spells it;
/// the `Substitute` building and staff type 4 at the home school go to the substitute OU.
#[test]
fn ou_placement() {
    let d = desired(&[
        staff(1, "Ann", "Lee", 5, &[(5, 1, 1)]),
        staff(2, "Bo", "Kim", 77, &[(77, 1, 4)]),
        staff(3, "Cy", "Ray", 1, &[(1, 1, 4)]),
        staff(4, "Di", "Fox", 1, &[(1, 2, 1)]),
    ]);
    let ous: Vec<&str> = d
        .iter()
        .map(|i| account(i).org_unit_path.as_str())
        .collect();
    assert_eq!(
        ous,
        [
            "/D118 Staff/Wauconda High School Staff",
            SUBSTITUTE_OU,
            SUBSTITUTE_OU,
            SUSPENDED_OU,
        ]
    );
}

/// Lines 157-164: `Staff_Type` is the active home-school assignment's type, default 2.
#[test]
fn staff_type_defaults_to_two() {
    let d = desired(&[
        staff(1, "Ann", "Lee", 5, &[(5, 1, 1), (1, 1, 3)]),
        // Active only away from home, and an inactive home row: the default.
        staff(2, "Bo", "Kim", 5, &[(1, 1, 1), (5, 2, 4)]),
    ]);
    assert_eq!(
        field(account(&d[0]), "Synchronization_Data", "Staff_Type"),
        "1"
    );
    assert_eq!(
        field(account(&d[1]), "Synchronization_Data", "Staff_Type"),
        "2"
    );
    assert_eq!(
        account(&d[1]).org_unit_path.as_str(),
        "/D118 Staff/Wauconda High School Staff",
        "an inactive type-4 row does not make a substitute"
    );
    assert_eq!(
        field(account(&d[0]), "Synchronization_Data", "School_Access_List"),
        "1;5"
    );
}

/// Lines 138, 171-176: CrisisGO `Building` (the WHS group, else the school name) and
/// `CellPhone`, blank when HR has none.
#[test]
fn crisisgo_building_and_cell_phone() {
    let mut no_phone = staff(3, "Cy", "Ray", 1, &[(1, 1, 1)]);
    no_phone.cell_phone = None;
    let d = desired(&[
        staff(1, "Ann", "Lee", 131, &[(131, 1, 1)]),
        staff(2, "Bo", "Kim", 0, &[(0, 1, 2)]),
        no_phone,
    ]);
    let crisis = |i: usize, f: &str| field(account(&d[i]), "CrisisGO", f);
    assert_eq!(crisis(0, "Building"), "Wauconda High School");
    assert_eq!(crisis(1, "Building"), "Wauconda High School");
    assert_eq!(crisis(2, "Building"), "Robert Crown Elementary");
    assert_eq!(crisis(0, "CellPhone"), "847-555-0100");
    assert_eq!(crisis(2, "CellPhone"), "");

    // A number removed from HR is cleared in Google.
    let mut had = created(account(&d[2]));
    had.custom_schemas
        .get_mut("CrisisGO")
        .unwrap()
        .insert("CellPhone".into(), FieldValue::Text("847-555-0199".into()));
    let p = plan(&d[2..], &[had], &job().policy, today());
    assert_eq!(labels(&p), ["update"], "{}", p.table());
}

/// Lines 133-134, 132: names title-cased, emails lower-cased; a second plan after the
/// first apply is empty.
#[test]
fn names_title_cased_and_second_plan_empty() {
    let mut caps = staff(1, "MARÍA", "GARCÍA-LÓPEZ", 5, &[(5, 1, 1)]);
    caps.email = Some("Maria.Garcia@D118.org".into());
    let d = desired(&[caps, staff(2, "seán", "o'brien", 1, &[(1, 1, 1)])]);
    let a = account(&d[0]);
    assert_eq!(
        (a.given_name.as_str(), a.family_name.as_str()),
        ("María", "García-López")
    );
    assert_eq!(a.primary_email, "maria.garcia@d118.org");
    assert_eq!(account(&d[1]).family_name, "O'Brien");
    let job = job();
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

/// Lines 224-235: an active staff member in each frozen OU is not moved (nested in a
/// building OU, as the script's README describes them).
#[test]
fn a_staff_member_in_each_frozen_ou_stays() {
    let d = desired(&[staff(1, "Ann", "Lee", 5, &[(5, 1, 1)])]);
    for frozen in FROZEN_OUS {
        let mut a = created(account(&d[0]));
        a.org_unit_path = format!("/D118 Staff/Wauconda High School Staff{frozen}")
            .as_str()
            .into();
        let p = plan(&d, &[a], &job().policy, today());
        assert!(p.is_empty(), "{frozen}: {}", p.table());
    }
}

/// Lines 263-264 (script writes `externalIds` type `organization` with the teacher number).
#[test]
fn external_id_is_the_teacher_number() {
    let d = desired(&[staff(42, "Ann", "Lee", 5, &[(5, 1, 1)])]);
    assert_eq!(
        account(&d[0]).external_ids,
        [ExternalId {
            kind: "organization".into(),
            value: "42".into()
        }]
    );
    let _ = SchemaValues::new();
}

/// Lines 204-208: names are rewritten only with an email change.
#[test]
fn names_follow_only_an_email_change() {
    let d = desired(&[staff(1, "ROBERT", "SMITH", 5, &[(5, 1, 1)])]);
    let mut a = created(account(&d[0]));
    a.given_name = "Bob".into();
    let p = plan(&d, std::slice::from_ref(&a), &job().policy, today());
    assert!(p.is_empty(), "a preferred name stays: {}", p.table());
    a.primary_email = "bob.old@d118.org".into();
    let p = plan(&d, &[a], &job().policy, today());
    assert_eq!(labels(&p), ["rename", "update"], "{}", p.table());
}

/// Lines 319-383: an inactive person is only suspended and moved (no schema update), out
/// of a frozen OU too, and leaves their groups.
#[test]
fn inactive_staff_are_only_suspended_and_moved() {
    let active = desired(&[staff(1, "Ann", "Lee", 5, &[(5, 1, 1)])]);
    let mut a = created(account(&active[0]));
    a.org_unit_path = "/D118 Staff/Wauconda High School Staff/Administrators".into();
    let gone = desired(&[staff(1, "Ann", "Lee", 5, &[(5, 2, 1)])]);
    let p = plan(&gone, &[a], &job().policy, today());
    assert_eq!(
        labels(&p),
        ["move", "suspend", "remove_from_groups"],
        "{}",
        p.table()
    );
}

/// Lines 331-352: in `/Temporary Re-Activations` an inactive person is neither suspended nor
/// moved; an active person there is handled as anywhere else (moved to their building).
#[test]
fn temporary_reactivations_as_the_script() {
    let active = desired(&[staff(1, "Ann", "Lee", 5, &[(5, 1, 1)])]);
    let mut a = created(account(&active[0]));
    a.org_unit_path = TEMPORARY_REACTIVATION_OUS[0].into();
    let gone = desired(&[staff(1, "Ann", "Lee", 5, &[(5, 2, 1)])]);
    let p = plan(&gone, std::slice::from_ref(&a), &job().policy, today());
    assert!(p.is_empty(), "{}", p.table());
    a.suspended = true;
    let p = plan(&active, &[a], &job().policy, today());
    assert_eq!(labels(&p), ["unsuspend", "move"], "{}", p.table());
}
