//! Fixture builders shared by roster-core's tests.
#![allow(dead_code)]

use chrono::NaiveDate;
use roster_core::directory::{Account, OrgUnitPath, SchemaValues};
use roster_core::model::*;
use roster_core::policy::{BadNames, MatchKey, Policy, StaffPolicy, StudentPolicy};

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn schools() -> Vec<School> {
    vec![
        School {
            number: 101,
            name: "WAUCONDA HIGH SCHOOL".into(),
            abbreviation: "WHS".into(),
            state_excluded: false,
        },
        School {
            number: 102,
            name: "Robert Crown Elementary".into(),
            abbreviation: "RCE".into(),
            state_excluded: false,
        },
        School {
            number: 103,
            name: "Transition Center".into(),
            abbreviation: "TC".into(),
            state_excluded: true,
        },
        School {
            number: 999999,
            name: "Graduated Students".into(),
            abbreviation: "GRAD".into(),
            state_excluded: true,
        },
        School {
            number: 500,
            name: "Substitute".into(),
            abbreviation: "SUB".into(),
            state_excluded: true,
        },
    ]
}

pub fn student(
    number: &str,
    first: &str,
    last: &str,
    grade: i32,
    school: i64,
    status: i32,
) -> Student {
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

pub fn staff(
    dcid: i64,
    email: &str,
    first: &str,
    last: &str,
    home: i64,
    rows: &[(i64, i32, i32)],
) -> Staff {
    Staff {
        dcid,
        email: Some(email.into()),
        first_name: first.into(),
        last_name: last.into(),
        teacher_number: Some(format!("T{dcid}")),
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
        cell_phone: None,
        pt_access: None,
    }
}

pub fn student_policy() -> StudentPolicy {
    let mut p = StudentPolicy::new("d118.org", "/D118 Students");
    p.graduated_school = Some(999999);
    p.bad_names = BadNames::new(["test", "student", "sub"]);
    p
}

pub fn staff_policy() -> StaffPolicy {
    let mut p = StaffPolicy::new(vec!["d118.org".into()], "/D118 Staff");
    p.bad_names = BadNames::new(["test", "sub"]);
    p
}

pub fn student_rules() -> Policy {
    let mut p = Policy::new(
        MatchKey::PrimaryEmail,
        vec!["/D118 Students".into(), "/Suspended Accounts".into()],
    );
    p.frozen_ous = vec!["/Restricted".into(), "/Adobe Licensed Students".into()];
    p.reactivation_ous = vec!["/Temporary Reactivation".into()];
    p
}

pub fn staff_rules() -> Policy {
    let mut p = Policy::new(
        MatchKey::SchemaField {
            schema: "Synchronization_Data".into(),
            field: "DCID".into(),
        },
        vec![
            "/D118 Staff".into(),
            "/Substitute Teachers".into(),
            "/Suspended Accounts".into(),
        ],
    );
    p.frozen_ous = vec!["/Restricted".into()];
    p.reactivation_ous = vec!["/Temporary Reactivation".into()];
    p
}

pub fn account(
    email: &str,
    given: &str,
    family: &str,
    ou: &str,
    suspended: bool,
    schemas: SchemaValues,
) -> Account {
    Account {
        id: None,
        primary_email: email.into(),
        given_name: given.into(),
        family_name: family.into(),
        org_unit_path: OrgUnitPath::new(ou),
        suspended,
        custom_schemas: schemas,
        external_ids: vec![],
        admin: None,
    }
}

pub fn schemas(schema: &str, fields: &[(&str, roster_core::FieldValue)]) -> SchemaValues {
    let mut s = SchemaValues::new();
    s.insert(
        schema.into(),
        fields.iter().cloned().map(|(k, v)| (k.into(), v)).collect(),
    );
    s
}

/// The `Synchronization_Data` values [`staff_policy`] gives `staff(dcid, .., 101, [(101, 1, 1)])`.
pub fn dcid_schema(dcid: i64) -> roster_core::directory::SchemaValues {
    schemas(
        "Synchronization_Data",
        &[
            ("DCID", roster_core::FieldValue::Int(dcid)),
            ("Homeschool_ID", roster_core::FieldValue::Int(101)),
            (
                "School_Access_List",
                roster_core::FieldValue::Text("101".into()),
            ),
            ("Staff_Type", roster_core::FieldValue::Int(1)),
            ("Staff_Group", roster_core::FieldValue::Int(3)),
            (
                "Teacher-Number",
                roster_core::FieldValue::Text(format!("T{dcid}")),
            ),
        ],
    )
}
