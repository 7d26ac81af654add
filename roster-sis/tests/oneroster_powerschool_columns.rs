//! The PowerSchool extension columns of `users.csv` (`metadata.powerschool.*`): taken when
//! present, unknown when absent, and a malformed value is a located row error that skips
//! that row only.

use std::path::Path;

use roster_core::oneroster_extension as ext;
use roster_core::{Scope, SisSource, Staff, StaffType};
use roster_sis::oneroster::{OneRosterSource, derived_id};

const ORGS: &str = "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
d1,,,Example Unified School District,district,,
org-310,,,Riverside High School,school,310,d1
org-120,,,Birchwood Elementary School,school,120,d1
";

const HEADER: &str =
    "sourcedId,enabledUser,orgSourcedIds,role,givenName,familyName,identifier,email";

/// A folder with `orgs.csv` and a `users.csv` of `HEADER` plus `extra` columns and `rows`.
fn folder(extra: &[&str], rows: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("orgs.csv"), ORGS).unwrap();
    let mut users = HEADER.to_string();
    for c in extra {
        users.push(',');
        users.push_str(c);
    }
    users.push('\n');
    for r in rows {
        users.push_str(r);
        users.push('\n');
    }
    std::fs::write(dir.path().join("users.csv"), users).unwrap();
    dir
}

async fn staff(dir: &Path) -> (Vec<Staff>, Vec<roster_core::RowError>) {
    let loaded = OneRosterSource::new(dir).staff(&Scope::All).await.unwrap();
    (loaded.rows, loaded.errors)
}

#[tokio::test]
async fn present_columns_carry_the_powerschool_fields() {
    let dir = folder(
        &ext::ALL,
        &[
            // Home school 120 listed second; staff type 2 (staff) at it, group 9.
            "staff-7,true,\"org-310,org-120\",teacher,Ada,Lovelace,T7,ada@x.org,4711,9,1,120,2",
            // Blank values: unknown, as without the columns.
            "staff-8,true,org-310,teacher,Alan,Turing,T8,alan@x.org,,,,,",
        ],
    );
    let columns = OneRosterSource::new(dir.path())
        .powerschool_columns()
        .unwrap();
    assert_eq!(columns, ext::ALL);
    let (rows, errors) = staff(dir.path()).await;
    assert!(errors.is_empty(), "{errors:?}");
    let ada = &rows[0];
    assert_eq!(ada.dcid, 4711);
    assert_eq!(ada.group, Some(9));
    assert_eq!(ada.pt_access, Some(1));
    assert_eq!(ada.home_school, 120);
    assert_eq!(
        ada.home_assignment().map(|a| a.staff_type),
        Some(StaffType::Staff)
    );
    // Other schools keep the role's type.
    assert_eq!(ada.schools[0].school, 310);
    assert_eq!(ada.schools[0].staff_type, StaffType::Teacher);
    let alan = &rows[1];
    assert_eq!(alan.dcid, derived_id("staff-8"));
    assert_eq!((alan.group, alan.pt_access), (None, None));
    assert_eq!(alan.home_school, 310);
    assert_eq!(alan.schools[0].staff_type, StaffType::Teacher);
}

#[tokio::test]
async fn absent_columns_leave_the_fields_unknown() {
    let dir = folder(
        &[],
        &["4711,true,\"org-310,org-120\",administrator,Ada,Lovelace,T7,ada@x.org"],
    );
    assert!(
        OneRosterSource::new(dir.path())
            .powerschool_columns()
            .unwrap()
            .is_empty()
    );
    let (rows, errors) = staff(dir.path()).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(rows[0].dcid, 4711, "a numeric sourcedId is the DCID");
    assert_eq!((rows[0].group, rows[0].pt_access), (None, None));
    assert_eq!(rows[0].home_school, 310, "the first school");
    assert_eq!(rows[0].schools[1].staff_type, StaffType::Staff);
}

#[tokio::test]
async fn some_columns_only_are_named_in_header_order() {
    let dir = folder(&[ext::GROUP_VALUE, ext::DCID], &[]);
    assert_eq!(
        OneRosterSource::new(dir.path())
            .powerschool_columns()
            .unwrap(),
        [ext::DCID, ext::GROUP_VALUE]
    );
}

#[tokio::test]
async fn a_malformed_value_is_a_located_row_error_and_the_other_rows_load() {
    let good = "staff-1,true,org-310,teacher,Ada,Lovelace,T1,ada@x.org,11,9,1,310,1";
    let dir = folder(
        &ext::ALL,
        &[
            good,
            "staff-2,true,org-310,teacher,B,Two,T2,b@x.org,abc,,,,",
            "staff-3,true,org-310,teacher,C,Three,T3,c@x.org,-5,,,,",
            "staff-4,true,org-310,teacher,D,Four,T4,d@x.org,99999999999999999999,,,,",
            "staff-5,true,org-310,teacher,E,Five,T5,e@x.org,4503599627370496,,,,",
            "staff-6,true,org-310,teacher,F,Six,T6,f@x.org,16,1000,,,",
            "staff-7,true,org-310,teacher,G,Seven,T7,g@x.org,17,,2,,",
            "staff-8,true,org-310,teacher,H,Eight,T8,h@x.org,\"18\u{7}\",,,,",
            "staff-9,true,org-310,teacher,I,Nine,T9,i@x.org,19,,,3.5,",
            "staff-10,true,org-310,teacher,J,Ten,T10,j@x.org,20,,,,+1",
        ],
    );
    let (rows, errors) = staff(dir.path()).await;
    let dcids: Vec<i64> = rows.iter().map(|s| s.dcid).collect();
    assert_eq!(dcids, [11], "only the good row loads");
    let got: Vec<(String, String, bool)> = errors
        .iter()
        .map(|e| {
            (
                e.source_row.clone(),
                e.field.clone(),
                e.reason.contains("control character"),
            )
        })
        .collect();
    let at = |line: u32, column: &str, control: bool| {
        (
            format!("users.csv line {line}"),
            column.to_string(),
            control,
        )
    };
    assert_eq!(
        got,
        [
            at(3, ext::DCID, false),
            at(4, ext::DCID, false),
            at(5, ext::DCID, false),
            at(6, ext::DCID, false),
            at(7, ext::GROUP_VALUE, false),
            at(8, ext::PT_ACCESS, false),
            at(9, ext::DCID, true),
            at(10, ext::HOME_SCHOOL_ID, false),
            at(11, ext::STAFF_TYPE, false),
        ]
    );
    // The value is quoted and escaped, the range named.
    assert!(
        errors[0]
            .reason
            .contains("from 0 to 4503599627370495: \"abc\""),
        "{}",
        errors[0].reason
    );
    assert!(errors[6].reason.contains("\\u{7}"), "{}", errors[6].reason);
}

#[tokio::test]
async fn student_rows_ignore_the_columns() {
    let dir = folder(
        &[ext::DCID, "grades"],
        &["stu-1,true,org-310,student,Zoe,Kim,100001,,not-a-number,05"],
    );
    let loaded = OneRosterSource::new(dir.path())
        .students(&Scope::All)
        .await
        .unwrap();
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    assert_eq!(loaded.rows.len(), 1);
}

#[tokio::test]
async fn an_unreadable_users_csv_is_a_file_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = OneRosterSource::new(dir.path())
        .powerschool_columns()
        .unwrap_err();
    assert!(err.to_string().contains("users.csv"), "{err}");
}
