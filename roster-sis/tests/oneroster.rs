//! The OneRoster 1.1 CSV source on the fixture in tests/fixtures/oneroster.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use roster_core::{EnrollStatus, Grade, RowError, Scope, SisSource, SourceError, StaffType};
use roster_sis::NameCase;
use roster_sis::oneroster::{OneRosterSource, derived_id};

fn source() -> OneRosterSource {
    OneRosterSource::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/oneroster"
    ))
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

#[tokio::test]
async fn orgs_become_schools() {
    let schools = source().schools(&Scope::All).await.unwrap().rows;
    let got: Vec<(i64, &str, &str)> = schools
        .iter()
        .map(|s| (s.number, s.name.as_str(), s.abbreviation.as_str()))
        .collect();
    let aces = derived_id("org-aces");
    let mut want = vec![
        (120, "Birchwood Elementary School", "BES"),
        (310, "Riverside High School", "RHS"),
        (aces, "Alder Creek Elementary School", "ACES"),
    ];
    want.sort();
    assert_eq!(got, want);
    // No state-reporting flag in OneRoster: every school is in that scope.
    assert_eq!(
        source()
            .schools(&Scope::StateReporting)
            .await
            .unwrap()
            .rows
            .len(),
        3
    );
    assert_eq!(
        source()
            .schools(&Scope::School(120))
            .await
            .unwrap()
            .rows
            .len(),
        1
    );
}

#[tokio::test]
async fn students_load_and_malformed_rows_are_located() {
    let loaded = source().students(&Scope::All).await.unwrap();
    let by: BTreeMap<&str, _> = loaded
        .rows
        .iter()
        .map(|s| (s.student_number.as_str(), s))
        .collect();
    assert_eq!(
        by.keys().copied().collect::<Vec<_>>(),
        ["100001", "100002", "100003", "100004", "100005"]
    );
    let liam = by["100001"];
    assert_eq!(
        (liam.first_name.as_str(), liam.last_name.as_str()),
        ("Liam", "O'Brien")
    );
    assert_eq!(
        (liam.grade, liam.school, liam.enroll_status),
        (Grade(10), 310, EnrollStatus::Active)
    );
    assert_eq!(liam.email.as_deref(), Some("100001@students.example"));
    assert_eq!(by["100002"].grade, Grade(0), "KG");
    assert_eq!(by["100003"].grade, Grade(-1), "PK");
    assert_eq!(by["100003"].school, derived_id("org-aces"));
    assert_eq!(
        by["100004"].enroll_status,
        EnrollStatus::Inactive,
        "enabledUser=false"
    );
    assert_eq!(by["100005"].first_name, "Mary  Ann", "spelling kept");
    assert_eq!(by["100005"].grade, Grade(9), "first of several grades");

    let errors: Vec<String> = loaded.errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors[0], "users.csv line 7: familyName: is empty");
    assert_eq!(
        loaded.errors[1],
        RowError::new(
            "users.csv line 8",
            "grades",
            "unknown grade 'UG' (expected IT, PR, PK, TK, KG or 01-13)"
        )
    );
    assert_eq!(loaded.errors[2].source_row, "users.csv line 9");
    assert_eq!(loaded.errors[2].field, "identifier");
    assert!(
        loaded.errors[2]
            .reason
            .starts_with("duplicate student number 100001: already loaded from line 2")
    );
    assert_eq!(
        loaded.errors[3],
        RowError::new(
            "users.csv line 15",
            "orgSourcedIds",
            "unknown org 'org-nowhere'"
        )
    );
    // No identifier: the sourcedId would be the student number, and "s10" is not one.
    assert_eq!(
        loaded.errors[4],
        RowError::new(
            "users.csv line 16",
            "sourcedId",
            "\"s10\" is not an identifier: digits 0-9 only"
        )
    );
    assert_eq!(loaded.errors.len(), 5);

    let titled = source()
        .with_name_case(NameCase::Title)
        .students(&Scope::School(310))
        .await
        .unwrap();
    assert!(titled.rows.iter().all(|s| s.school == 310));
    assert!(titled.rows.iter().any(|s| s.first_name == "Mary Ann"));
}

#[tokio::test]
async fn teachers_administrators_and_aides_become_staff() {
    let loaded = source().staff(&Scope::All).await.unwrap();
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    assert_eq!(loaded.rows.len(), 4, "the parent is not staff");
    let get = |dcid: i64| loaded.rows.iter().find(|s| s.dcid == dcid).unwrap();

    let maria = get(4711);
    assert_eq!(maria.home_school, 310);
    assert_eq!(maria.active_schools(), vec![120, 310]);
    assert_eq!(maria.schools[0].staff_type, StaffType::Teacher);
    assert_eq!(maria.teacher_number.as_deref(), Some("T4711"));
    assert_eq!(maria.email.as_deref(), Some("Maria.Garcia@staff.example"));
    assert_eq!(maria.cell_phone.as_deref(), Some("847-555-0101"));

    let guid = "a1b2c3d4-0000-4000-8000-000000000001";
    let minh = get(derived_id(guid));
    assert_eq!(minh.last_name, "Do");
    assert_eq!(derived_id(guid), derived_id(guid), "stable");

    let admin = get(derived_id("adm-1"));
    assert_eq!(admin.schools.len(), 1, "the district org is not a school");
    assert_eq!(admin.schools[0].staff_type, StaffType::Staff);
    let aide = get(derived_id("aide-1"));
    assert!(!aide.is_active(), "enabledUser=false");

    let at_120 = source().staff(&Scope::School(120)).await.unwrap();
    let mut ids: Vec<i64> = at_120.rows.iter().map(|s| s.dcid).collect();
    ids.sort();
    let mut want = vec![4711, derived_id("aide-1")];
    want.sort();
    assert_eq!(ids, want);
}

#[tokio::test]
async fn classes_as_of_today() {
    let c = source().classes(&Scope::All, today()).await.unwrap();
    let sections: Vec<(&str, &str, Option<i64>)> = c
        .sections
        .iter()
        .map(|s| {
            (
                s.section_number.as_str(),
                s.course_name.as_str(),
                s.teacher_dcid,
            )
        })
        .collect();
    let guid_teacher = derived_id("a1b2c3d4-0000-4000-8000-000000000001");
    assert_eq!(sections.len(), 3, "{sections:?}");
    assert!(sections.contains(&("HR-1", "Homeroom", Some(4711))));
    assert!(
        sections.contains(&("ALG2-1", "Algebra II", Some(4711))),
        "the primary teacher wins"
    );
    assert!(sections.contains(&("HR-A", "Homeroom", Some(guid_teacher))));

    let mut terms: Vec<(i64, &str)> = c
        .terms
        .iter()
        .map(|t| (t.school, t.name.as_str()))
        .collect();
    terms.sort();
    let mut want = vec![
        (310, "2026-2027"),
        (310, "Semester 1"),
        (derived_id("org-aces"), "2026-2027"),
    ];
    want.sort();
    assert_eq!(terms, want);
    assert!(c.terms.iter().all(|t| t.year_id == 2027));

    let enrolled: Vec<(&str, i64)> = c
        .enrollments
        .iter()
        .map(|e| (e.student_number.as_str(), e.section_id))
        .collect();
    assert_eq!(
        enrolled.len(),
        3,
        "ended, last-year, next-semester and deleted rows left out: {enrolled:?}"
    );
    assert!(c.enrollments.iter().all(|e| e.student_number != "100004"));
    assert_eq!(
        c.homerooms,
        BTreeMap::from([
            ("100001".to_string(), 4711),
            ("100003".to_string(), guid_teacher)
        ])
    );

    let at_aces = source()
        .classes(&Scope::School(derived_id("org-aces")), today())
        .await
        .unwrap();
    assert_eq!(at_aces.sections.len(), 1);
    assert_eq!(at_aces.homerooms.len(), 1);

    let last_year = source()
        .classes(&Scope::All, NaiveDate::from_ymd_opt(2026, 3, 1).unwrap())
        .await
        .unwrap();
    assert_eq!(last_year.sections.len(), 1);
    assert_eq!(
        last_year.sections[0].teacher_dcid,
        Some(derived_id("adm-1"))
    );
    assert_eq!(
        last_year.homerooms,
        BTreeMap::from([("100005".to_string(), derived_id("adm-1"))])
    );
}

#[tokio::test]
async fn a_missing_directory_is_a_file_error() {
    let err = OneRosterSource::new("/nonexistent/oneroster")
        .students(&Scope::All)
        .await
        .unwrap_err();
    match err {
        SourceError::File { path, .. } => assert!(path.ends_with("orgs.csv"), "{path}"),
        other => panic!("{other:?}"),
    }
}

/// The fixture copied with CRLF line ends (and a byte-order mark): every row error names the
/// same physical line as with LF, and a duplicate names the line of the row first loaded,
/// never the header.
#[tokio::test]
async fn crlf_files_report_the_same_physical_lines_as_lf() {
    let tmp = tempfile::tempdir().unwrap();
    for f in std::fs::read_dir(source().dir()).unwrap() {
        let f = f.unwrap();
        let text = std::fs::read_to_string(f.path()).unwrap();
        let crlf = format!(
            "\u{feff}{}",
            text.replace("\r\n", "\n").replace('\n', "\r\n")
        );
        std::fs::write(tmp.path().join(f.file_name()), crlf).unwrap();
    }
    let lf = source().students(&Scope::All).await.unwrap();
    let crlf = OneRosterSource::new(tmp.path())
        .students(&Scope::All)
        .await
        .unwrap();
    assert_eq!(crlf.errors, lf.errors);
    assert_eq!(crlf.rows, lf.rows);
    let dup = crlf
        .errors
        .iter()
        .find(|e| e.reason.starts_with("duplicate student number"))
        .unwrap();
    assert_eq!(dup.source_row, "users.csv line 9");
    assert!(dup.reason.contains("already loaded from line 2;"), "{dup}");
    let lf_staff = source().staff(&Scope::All).await.unwrap();
    let crlf_staff = OneRosterSource::new(tmp.path())
        .staff(&Scope::All)
        .await
        .unwrap();
    assert_eq!(crlf_staff, lf_staff);
    let lf_classes = source().classes(&Scope::All, today()).await.unwrap();
    let crlf_classes = OneRosterSource::new(tmp.path())
        .classes(&Scope::All, today())
        .await
        .unwrap();
    assert_eq!(crlf_classes, lf_classes);
}
