//! The PowerSchool source on the SQLite backend, against a generated district.

mod common;

use std::collections::{BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate};
use roster_core::{
    EnrollStatus, Grade, RowError, Scope, SisSource, SourceError, StaffType, Student,
};
use roster_sis::NameCase;
use roster_sis::demo::{self, GRADUATED_SCHOOL, STATE_EXCLUDED_SCHOOL, SUBSTITUTE_SCHOOL, edge};
use roster_sis::powerschool::{
    PowerSchoolOptions, PowerSchoolSource, SqlBackend, SqliteBackend, Value, sql,
};

use common::{district, raw_count, today};

fn source() -> PowerSchoolSource<SqliteBackend> {
    PowerSchoolSource::sqlite(&district("ps").0, PowerSchoolOptions::default()).unwrap()
}

fn by_number(rows: &[Student]) -> HashMap<&str, &Student> {
    rows.iter()
        .map(|s| (s.student_number.as_str(), s))
        .collect()
}

#[tokio::test]
async fn schools_in_every_scope() {
    let sis = source();
    let all = sis.schools(&Scope::All).await.unwrap().rows;
    assert_eq!(all.len(), demo::SCHOOLS.len());
    let sub = all.iter().find(|s| s.number == SUBSTITUTE_SCHOOL).unwrap();
    assert_eq!(sub.name, "Substitute");
    assert!(
        all.iter()
            .any(|s| s.number == GRADUATED_SCHOOL && s.state_excluded)
    );

    let state = sis.schools(&Scope::StateReporting).await.unwrap().rows;
    let state_numbers: BTreeSet<i64> = state.iter().map(|s| s.number).collect();
    let want: BTreeSet<i64> = demo::SCHOOLS
        .iter()
        .filter(|s| !s.state_excluded)
        .map(|s| s.number)
        .collect();
    assert_eq!(state_numbers, want);
    assert!(!state_numbers.contains(&STATE_EXCLUDED_SCHOOL));
    assert!(state_numbers.contains(&131));

    let one = sis.schools(&Scope::School(131)).await.unwrap().rows;
    assert_eq!(one.len(), 1);
    assert_eq!(
        (one[0].name.as_str(), one[0].abbreviation.as_str()),
        ("Wauconda High School", "WHS")
    );
    assert!(
        sis.schools(&Scope::School(4242))
            .await
            .unwrap()
            .rows
            .is_empty()
    );
}

#[tokio::test]
async fn students_in_every_scope() {
    let (path, summary) = district("ps");
    let sis = source();

    let all = sis.students(&Scope::All).await.unwrap();
    assert_eq!(all.rows.len() + all.errors.len(), summary.students);
    assert_eq!(all.errors.len(), 3, "{:?}", all.errors);

    let state = sis.students(&Scope::StateReporting).await.unwrap();
    let excluded: BTreeSet<i64> = demo::SCHOOLS
        .iter()
        .filter(|s| s.state_excluded)
        .map(|s| s.number)
        .collect();
    assert!(state.rows.iter().all(|s| !excluded.contains(&s.school)));
    let raw_state = raw_count(
        path,
        "SELECT COUNT(*) FROM STUDENTS WHERE SCHOOLID IN (SELECT SCHOOL_NUMBER FROM SCHOOLS WHERE STATE_EXCLUDEFROMREPORTING = 0)",
    );
    assert_eq!((state.rows.len() + state.errors.len()) as i64, raw_state);
    assert!(state.rows.len() < all.rows.len());
    let n = by_number(&state.rows);
    assert!(!n.contains_key(edge::STUDENT_STATE_EXCLUDED));
    assert!(!n.contains_key(edge::STUDENT_GRADUATE_LAST_YEAR));
    assert!(n.contains_key(edge::STUDENT_APOSTROPHE));

    let one = sis.students(&Scope::School(131)).await.unwrap();
    assert!(one.rows.iter().all(|s| s.school == 131));
    let raw_310 = raw_count(path, "SELECT COUNT(*) FROM STUDENTS WHERE SCHOOLID = 131");
    assert_eq!((one.rows.len() + one.errors.len()) as i64, raw_310);
    assert!(
        one.errors.is_empty(),
        "no bad rows at 131: {:?}",
        one.errors
    );
    assert!(by_number(&one.rows).contains_key(edge::STUDENT_DO));
}

#[tokio::test]
async fn staff_in_every_scope() {
    let (path, _) = district("ps");
    let sis = source();
    let all = sis.staff(&Scope::All).await.unwrap();
    let users = raw_count(path, "SELECT COUNT(*) FROM USERS");
    assert_eq!(
        all.rows.len() as i64,
        users - 1,
        "all but the NULL last name"
    );
    let dcids = |rows: &[roster_core::Staff]| rows.iter().map(|s| s.dcid).collect::<BTreeSet<_>>();
    assert!(dcids(&all.rows).contains(&edge::STAFF_SUB_ACCOUNT));
    assert!(dcids(&all.rows).contains(&edge::STAFF_NO_ASSIGNMENTS));

    // Only at the Substitute school (excluded from state reporting): not in that scope.
    let state = sis.staff(&Scope::StateReporting).await.unwrap();
    assert!(!dcids(&state.rows).contains(&edge::STAFF_SUB_ACCOUNT));
    assert!(
        dcids(&state.rows).contains(&edge::STAFF_SUBSTITUTE),
        "also assigned to 110"
    );
    assert!(state.rows.len() < all.rows.len());

    // One school: home school there, or any assignment there; all assignments come along.
    let at_120 = sis.staff(&Scope::School(120)).await.unwrap();
    let ids = dcids(&at_120.rows);
    assert!(
        ids.contains(&edge::STAFF_MULTI_SCHOOL),
        "home 110, assigned to 120"
    );
    assert!(ids.contains(&edge::STAFF_SUBSTITUTE_BY_TYPE));
    assert!(!ids.contains(&edge::STAFF_SUBRAMANIAN), "only at 131");
    let maria = at_120
        .rows
        .iter()
        .find(|s| s.dcid == edge::STAFF_MULTI_SCHOOL)
        .unwrap();
    assert_eq!(maria.schools.len(), 3);
    for s in &at_120.rows {
        assert!(
            s.home_school == 120 || s.schools.iter().any(|a| a.school == 120),
            "{s:?}"
        );
    }
}

#[tokio::test]
async fn student_edge_cases_map_as_generated() {
    let sis = source();
    let loaded = sis.students(&Scope::All).await.unwrap();
    let n = by_number(&loaded.rows);
    let get = |k: &str| *n.get(k).unwrap_or_else(|| panic!("student {k} missing"));
    let this_year = today().year();

    assert_eq!(get(edge::STUDENT_APOSTROPHE).last_name, "O'Brien");
    assert_eq!(get(edge::STUDENT_HYPHEN).last_name, "García-López");
    assert_eq!(get(edge::STUDENT_ACCENT).first_name, "José");
    assert_eq!(get(edge::STUDENT_DIAERESIS).first_name, "Zoë");
    assert_eq!(
        get(edge::STUDENT_DOUBLE_SPACE).first_name,
        "Mary  Ann",
        "SIS spelling kept"
    );
    assert_eq!(
        get(edge::STUDENT_CAPITALS).last_name,
        "MCDONALD",
        "SIS spelling kept"
    );
    assert_eq!(get(edge::STUDENT_DO).last_name, "Do");
    assert_eq!(get(edge::STUDENT_PARTICLE).last_name, "de la Cruz");
    assert_eq!(get(edge::STUDENT_PARTICLE).grade, Grade(0));
    assert_eq!(get(edge::STUDENT_PREK3).grade, Grade(-2));

    let dup = get(edge::STUDENT_DUPLICATE_NUMBER);
    assert_eq!(
        (dup.first_name.as_str(), dup.last_name.as_str()),
        ("Jordan", "Lee"),
        "the first row loads"
    );

    let grad = get(edge::STUDENT_GRADUATE_AT_HIGH_SCHOOL);
    assert_eq!(
        (grad.enroll_status, grad.class_of, grad.school),
        (EnrollStatus::Graduated, Some(this_year), 131)
    );
    let not_set = get(edge::STUDENT_GRADUATE_STATUS_NOT_SET);
    assert_eq!(
        (not_set.enroll_status, not_set.school, not_set.grade),
        (EnrollStatus::Active, GRADUATED_SCHOOL, Grade(99))
    );
    assert_eq!(not_set.class_of, Some(this_year));
    assert_eq!(
        get(edge::STUDENT_GRADUATE_LAST_YEAR).class_of,
        Some(this_year - 1)
    );
    assert_eq!(
        get(edge::STUDENT_PRE_REGISTERED).enroll_status,
        EnrollStatus::PreRegistered
    );
    assert_eq!(
        get(edge::STUDENT_TRANSFERRED).enroll_status,
        EnrollStatus::TransferredOut
    );
    assert_eq!(
        get(edge::STUDENT_INACTIVE).enroll_status,
        EnrollStatus::Inactive
    );
    assert_eq!(
        get(edge::STUDENT_HISTORICAL).enroll_status,
        EnrollStatus::HistoricalImport
    );
    // Status 5 is not one PowerSchool defines: a row error, never a suspension.
    assert!(!n.contains_key(edge::STUDENT_UNKNOWN_STATUS));
    assert!(loaded.errors.iter().any(|e| e.source_row
        == format!("STUDENTS STUDENT_NUMBER={}", edge::STUDENT_UNKNOWN_STATUS)
        && e.field == "ENROLL_STATUS"));
    assert_eq!(
        get(edge::STUDENT_STATE_EXCLUDED).school,
        STATE_EXCLUDED_SCHOOL
    );

    // Every status and grade of the issue is present.
    let statuses: BTreeSet<i32> = loaded.rows.iter().map(|s| s.enroll_status.code()).collect();
    for code in [-1, 0, 1, 2, 3, 4] {
        assert!(statuses.contains(&code), "status {code}");
    }
    let grades: BTreeSet<i32> = loaded.rows.iter().map(|s| s.grade.0).collect();
    for g in (-2..=12).chain([99]) {
        assert!(grades.contains(&g), "grade {g}");
    }
    let dob = get(edge::STUDENT_APOSTROPHE).dob.unwrap();
    assert!(dob.year() >= 2016 && dob.year() <= 2018, "{dob}");

    // Test accounts load (the policy skips them); whole-name matching spares real people.
    let bad = roster_core::policy::BadNames::new(demo::BAD_NAMES);
    let test = get(edge::STUDENT_TEST_ACCOUNT);
    assert!(bad.matches(&test.first_name, &test.last_name).is_some());
    let demo_acct = get(edge::STUDENT_DEMO_ACCOUNT);
    assert!(
        bad.matches(&demo_acct.first_name, &demo_acct.last_name)
            .is_some()
    );
    for k in [
        edge::STUDENT_DO,
        edge::STUDENT_TESTA,
        edge::STUDENT_SUBRAMANIAN,
    ] {
        let s = get(k);
        assert_eq!(bad.matches(&s.first_name, &s.last_name), None, "{k}");
    }
    let flagged = loaded
        .rows
        .iter()
        .filter(|s| bad.matches(&s.first_name, &s.last_name).is_some())
        .count();
    assert_eq!(flagged, 2, "only the two test accounts");
}

#[tokio::test]
async fn bad_rows_are_located_and_the_rest_load() {
    let sis = source();
    let students = sis.students(&Scope::All).await.unwrap();
    assert_eq!(
        students.errors[0],
        RowError::new(
            format!("STUDENTS STUDENT_NUMBER={}", edge::STUDENT_NULL_LAST_NAME),
            "LAST_NAME",
            "is NULL"
        )
    );
    // Enroll status 5 (undefined) is a row error too; then the duplicate (its row comes
    // last: the query orders by DCID).
    assert_eq!(students.errors[1].field, "ENROLL_STATUS");
    let dup = &students.errors[2];
    assert_eq!(
        dup.source_row,
        format!("STUDENTS STUDENT_NUMBER={}", edge::STUDENT_DUPLICATE_NUMBER)
    );
    assert_eq!(dup.field, "STUDENT_NUMBER");
    assert!(
        dup.reason
            .starts_with("duplicate: already loaded from DCID="),
        "{}",
        dup.reason
    );
    assert!(
        !students
            .rows
            .iter()
            .any(|s| s.student_number == edge::STUDENT_NULL_LAST_NAME)
    );
    assert_eq!(
        students
            .rows
            .iter()
            .filter(|s| s.student_number == edge::STUDENT_DUPLICATE_NUMBER)
            .count(),
        1
    );

    let staff = sis.staff(&Scope::All).await.unwrap();
    let fields: Vec<(&str, &str, &str)> = staff
        .errors
        .iter()
        .map(|e| (e.source_row.as_str(), e.field.as_str(), e.reason.as_str()))
        .collect();
    assert_eq!(fields.len(), 2, "{fields:?}");
    assert_eq!(fields[0], ("USERS DCID=111", "LAST_NAME", "is NULL"));
    assert!(fields[1].0.starts_with("SCHOOLSTAFF ID="), "{fields:?}");
    assert_eq!((fields[1].1, fields[1].2), ("STATUS", "is NULL"));
    let grace = staff
        .rows
        .iter()
        .find(|s| s.dcid == edge::STAFF_NULL_STATUS_ASSIGNMENT)
        .unwrap();
    assert_eq!(grace.schools.len(), 1, "the good assignment loads");
    assert!(grace.is_active());
}

#[tokio::test]
async fn staff_edge_cases_map_as_generated() {
    let sis = PowerSchoolSource::sqlite(
        &district("ps").0,
        PowerSchoolOptions {
            cell_phone_sql: Some(sql::D118_CELL_PHONES),
            ..PowerSchoolOptions::default()
        },
    )
    .unwrap();
    let staff = sis.staff(&Scope::All).await.unwrap();
    let get = |dcid: i64| {
        staff
            .rows
            .iter()
            .find(|s| s.dcid == dcid)
            .unwrap_or_else(|| panic!("staff {dcid}"))
    };

    let maria = get(edge::STAFF_MULTI_SCHOOL);
    assert_eq!(maria.active_schools(), vec![110, 120]);
    assert_eq!(maria.home_school, 110);
    assert_eq!(
        maria.email.as_deref(),
        Some("maria.garcialopez@demo.k12.example")
    );
    assert_eq!(get(edge::STAFF_NULL_EMAIL).email, None);
    assert_eq!(get(edge::STAFF_BLANK_EMAIL).email, None);
    let sub = get(edge::STAFF_SUBSTITUTE);
    assert_eq!(sub.home_school, SUBSTITUTE_SCHOOL);
    assert_eq!(
        sub.home_assignment().unwrap().staff_type,
        StaffType::Substitute
    );
    let by_type = get(edge::STAFF_SUBSTITUTE_BY_TYPE);
    assert_eq!(
        (
            by_type.home_school,
            by_type.home_assignment().unwrap().staff_type
        ),
        (120, StaffType::Substitute)
    );
    assert!(!get(edge::STAFF_INACTIVE).is_active());
    assert!(get(edge::STAFF_NO_ASSIGNMENTS).schools.is_empty());
    // Home at the district office (school 0, a school like any other), and at every
    // building with students.
    let admin = get(edge::STAFF_DISTRICT_ADMIN);
    assert_eq!((admin.home_school, admin.schools.len()), (0, 12));
    assert_eq!(get(edge::STAFF_DOUBLE_SPACE).first_name, "Mary  Ellen");
    assert_eq!(get(edge::STAFF_DO).last_name, "Do");
    assert_eq!(get(edge::STAFF_TEST_ACCOUNT).first_name, "Test");
    assert_eq!(
        get(edge::STAFF_TEST_ACCOUNT).teacher_number.as_deref(),
        Some("T00101")
    );
    assert!(get(edge::STAFF_TEST_ACCOUNT).group.is_some());
    // Cell phones through the pluggable D118 query: DCIDs ending 0-6 have one.
    assert_eq!(
        get(edge::STAFF_TEST_ACCOUNT).cell_phone.as_deref(),
        Some("847-555-0101")
    );
    assert_eq!(
        get(edge::STAFF_SUBSTITUTE).cell_phone,
        None,
        "DCID 108 has none"
    );
    // Multi-school and substitute populations exist in the bulk too.
    assert!(
        staff
            .rows
            .iter()
            .filter(|s| s.dcid > 1000 && s.active_schools().len() > 1)
            .count()
            >= 1
    );
    assert!(
        staff
            .rows
            .iter()
            .filter(|s| s.home_school == SUBSTITUTE_SCHOOL)
            .count()
            >= 4
    );
    // Every email is lower-case ASCII in the demo domain.
    for s in &staff.rows {
        if let Some(e) = &s.email {
            assert!(
                e.ends_with("@demo.k12.example") && e.is_ascii() && *e == e.to_lowercase(),
                "{e}"
            );
        }
    }

    // Without the option, no cell phones.
    let plain = source().staff(&Scope::All).await.unwrap();
    assert!(plain.rows.iter().all(|s| s.cell_phone.is_none()));
}

#[tokio::test]
async fn title_case_is_an_option() {
    let sis = PowerSchoolSource::sqlite(
        &district("ps").0,
        PowerSchoolOptions {
            name_case: NameCase::Title,
            ..PowerSchoolOptions::default()
        },
    )
    .unwrap();
    let loaded = sis.students(&Scope::All).await.unwrap();
    let n = by_number(&loaded.rows);
    let caps = n[edge::STUDENT_CAPITALS];
    assert_eq!(
        (caps.first_name.as_str(), caps.last_name.as_str()),
        ("Robert", "McDonald")
    );
    assert_eq!(n[edge::STUDENT_APOSTROPHE].last_name, "O'Brien");
    // A particle that starts the name is capitalised (roster_core::policy::title_case).
    assert_eq!(n[edge::STUDENT_PARTICLE].last_name, "De la Cruz");
    assert_eq!(n[edge::STUDENT_DOUBLE_SPACE].first_name, "Mary Ann");
}

#[tokio::test]
async fn classes_follow_terms_and_homerooms() {
    let (path, _) = district("ps");
    let sis = source();
    let students = sis.students(&Scope::All).await.unwrap();
    let staff = sis.staff(&Scope::All).await.unwrap();
    let classes = sis.classes(&Scope::All, today()).await.unwrap();

    // Terms in session on 2026-11-24: the year term and S1 at each teaching school.
    assert!(
        classes
            .terms
            .iter()
            .all(|t| t.first_day <= today() && today() <= t.last_day)
    );
    assert!(classes.terms.iter().any(|t| t.name == "Semester 1"));
    assert!(!classes.terms.iter().any(|t| t.name == "Semester 2"));
    let term_ids: BTreeSet<(i64, i64)> = classes.terms.iter().map(|t| (t.school, t.id)).collect();
    assert!(
        classes
            .sections
            .iter()
            .all(|s| term_ids.contains(&(s.school, s.term_id)))
    );
    assert!(classes.sections.iter().any(|s| s.course_name == "Health"));
    assert!(
        !classes.sections.iter().any(|s| s.course_name == "Art"),
        "S2 only"
    );

    // Enrollments: current, not dropped; each homeroom is the teacher of the student's
    // period-1 section this year, whose last name the SIS also keeps in HOME_ROOM.
    let section_of: HashMap<i64, &roster_core::Section> =
        classes.sections.iter().map(|s| (s.id, s)).collect();
    assert!(
        classes
            .enrollments
            .iter()
            .all(|e| section_of.contains_key(&e.section_id))
    );
    assert!(!classes.homerooms.is_empty());
    let student = by_number(&students.rows);
    for (number, teacher) in &classes.homerooms {
        let hr: Vec<_> = classes
            .enrollments
            .iter()
            .filter(|e| &e.student_number == number)
            .map(|e| section_of[&e.section_id])
            .filter(|s| s.expression == demo::HOMEROOM_EXPRESSION)
            .collect();
        assert_eq!(hr.len(), 1, "{number}");
        assert_eq!(hr[0].teacher_dcid, Some(*teacher));
        let t = staff.rows.iter().find(|s| s.dcid == *teacher).unwrap();
        if let Some(s) = student.get(number.as_str()) {
            assert_eq!(
                s.home_room.as_deref(),
                Some(t.last_name.as_str()),
                "{number}"
            );
            assert_eq!(s.enroll_status, EnrollStatus::Active);
        }
    }
    // Active students at teaching schools all have a homeroom (one row per number).
    assert!(classes.homerooms.contains_key(edge::STUDENT_APOSTROPHE));
    // The transferred student's rows are dropped (negative ids) and so not listed.
    assert!(!classes.homerooms.contains_key(edge::STUDENT_TRANSFERRED));
    assert!(
        !classes
            .enrollments
            .iter()
            .any(|e| e.student_number == edge::STUDENT_TRANSFERRED)
    );
    let dropped = raw_count(
        path,
        &format!(
            "SELECT COUNT(*) FROM CC JOIN STUDENTS ON STUDENTS.ID = CC.STUDENTID \
             WHERE STUDENTS.STUDENT_NUMBER = {} AND CC.SECTIONID < 0 AND CC.TERMID < 0",
            edge::STUDENT_TRANSFERRED
        ),
    );
    assert_eq!(dropped, 1);

    // One school.
    let at_310 = sis.classes(&Scope::School(131), today()).await.unwrap();
    assert!(!at_310.sections.is_empty());
    assert!(at_310.sections.iter().all(|s| s.school == 131));
    assert!(at_310.homerooms.contains_key(edge::STUDENT_DO));
    assert!(!at_310.homerooms.contains_key(edge::STUDENT_APOSTROPHE));
    // State reporting leaves the alternative school out.
    let state = sis.classes(&Scope::StateReporting, today()).await.unwrap();
    assert!(
        state
            .sections
            .iter()
            .all(|s| s.school != STATE_EXCLUDED_SCHOOL)
    );
    assert!(
        classes
            .sections
            .iter()
            .any(|s| s.school == STATE_EXCLUDED_SCHOOL)
    );

    // Second semester and summer.
    let spring = sis
        .classes(&Scope::All, NaiveDate::from_ymd_opt(2027, 3, 1).unwrap())
        .await
        .unwrap();
    assert!(spring.sections.iter().any(|s| s.course_name == "Art"));
    assert!(!spring.sections.iter().any(|s| s.course_name == "Health"));
    assert_eq!(spring.homerooms, classes.homerooms, "year-long homerooms");
    let summer = sis
        .classes(&Scope::All, NaiveDate::from_ymd_opt(2026, 7, 15).unwrap())
        .await
        .unwrap();
    assert!(
        summer.terms.is_empty() && summer.homerooms.is_empty() && summer.enrollments.is_empty()
    );
    // Last school year: other homeroom teachers.
    let last_year = sis
        .classes(&Scope::All, NaiveDate::from_ymd_opt(2026, 2, 2).unwrap())
        .await
        .unwrap();
    let changed = last_year
        .homerooms
        .iter()
        .filter(|(n, t)| classes.homerooms.get(*n).is_some_and(|now| now != *t))
        .count();
    assert!(
        changed > 0 && changed == last_year.homerooms.len(),
        "{changed} of {}",
        last_year.homerooms.len()
    );
}

#[tokio::test]
async fn a_missing_file_is_a_file_error() {
    let err = PowerSchoolSource::sqlite("/nonexistent/ps.sqlite", PowerSchoolOptions::default())
        .unwrap_err();
    assert!(matches!(err, SourceError::File { .. }), "{err:?}");
}

#[test]
fn binds_must_match_the_statement() {
    let backend = SqliteBackend::open(&district("ps").0).unwrap();
    let err = backend.query(sql::STUDENTS.school, &[]).unwrap_err();
    assert!(err.to_string().contains("placeholders"), "{err}");
    let err = backend
        .query(sql::STUDENTS.all, &[("school", Value::Int(131))])
        .unwrap_err();
    assert!(err.to_string().contains("placeholders"), "{err}");
    let rows = backend
        .query(sql::STUDENTS.school, &[("school", Value::Int(131))])
        .unwrap();
    assert!(!rows.rows.is_empty());
    assert_eq!(rows.columns[0], "STUDENT_NUMBER");
}
