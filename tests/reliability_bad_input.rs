//! Bad input is data (DESIGN §2): NULL names, duplicate student numbers, an unknown grade,
//! an email outside the domain, malformed OneRoster rows and a name longer than Google's 60
//! characters are each reported with where they came from, and every other person is
//! applied. Through the district jobs, against the Directory emulator.

#[path = "support/reliability.rs"]
mod reliability;

use std::path::Path;

use reliability::{cli, desired, differences, fast_directory, managed_users, today};
use roster::core::report::{ExitCode, RunReport};
use roster::core::{PersonKind, RowError, SisSource};
use roster::demo::Demo;
use roster::sis::OneRosterSource;
use roster::sis::demo::edge;
use roster::{AccountJob, Mode, run_accounts};

const ORGS: &str = "\
sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
d1,active,,Example District,district,,
org-rhs,active,,Riverside High School,school,310,d1
org-bes,active,,Birchwood Elementary School,school,120,d1
";

/// A 61-character given name (Google allows 60).
const LONG_NAME: &str = "Maximiliana-Alexandrina Wolfeschlegelsteinhausenbergerdorffss";

fn users_csv() -> String {
    assert_eq!(LONG_NAME.chars().count(), 61);
    let header = "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password";
    let rows = [
        // line 2, 3: fine
        "s1,active,,true,org-rhs,student,,,Liam,O'Brien,,200001,,,,,10,".to_string(),
        "s2,active,,true,org-bes,student,,,José,Martínez,,200002,,,,,KG,".to_string(),
        // line 4: NULL (empty) given name
        "s3,active,,true,org-rhs,student,,,,Prince,,200003,,,,,11,".to_string(),
        // line 5: a second row with student number 200001
        "s4,active,,true,org-rhs,student,,,Taylor,Kim,,200001,,,,,9,".to_string(),
        // line 6: a grade OneRoster has but PowerSchool has no level for
        "s5,active,,true,org-bes,student,,,Ana,Lopez,,200005,,,,,PS,".to_string(),
        // line 7: malformed: the row stops after the role
        "s6,active,,true,org-rhs,student".to_string(),
        // line 8: loads, but the policy skips a 61-character name (Google refuses it)
        format!("s7,active,,true,org-rhs,student,,,{LONG_NAME},Smith,,200007,,,,,12,"),
        // line 9: fine
        "s8,active,,true,org-bes,student,,,Minh,Do,,200008,,,,,3,".to_string(),
        // line 10: a school the orgs file does not have
        "s9,active,,true,org-zzz,student,,,Noor,Haddad,,200009,,,,,4,".to_string(),
        // line 11-13: teachers; the second has an address outside the district's domain
        "t1,active,,true,org-rhs,teacher,,,Grace,Hopper,,T1,grace.hopper@d118.org,,,,,".to_string(),
        "t2,active,,true,org-rhs,teacher,,,Alan,Turing,,T2,alan.turing@gmail.com,,,,,".to_string(),
        "t3,active,,true,org-bes,teacher,,,Ada,Lovelace,,T3,ada.lovelace@d118.org,,,,,".to_string(),
    ];
    format!("{header}\n{}\n", rows.join("\n"))
}

fn write_oneroster(dir: &Path) -> OneRosterSource {
    let or = dir.join("oneroster");
    std::fs::create_dir_all(&or).unwrap();
    std::fs::write(or.join("orgs.csv"), ORGS).unwrap();
    std::fs::write(or.join("users.csv"), users_csv()).unwrap();
    OneRosterSource::new(or)
}

async fn apply(demo: &Demo, job: &AccountJob, sis: &dyn SisSource, dir: &Path) -> RunReport {
    let target = fast_directory(demo, job).await;
    let opts = cli(dir, &["apply"]).opts;
    let mut out = Vec::new();
    run_accounts(job, Mode::Apply, &opts, sis, &target, &mut out).await
}

fn errors_at<'a>(report: &'a RunReport, row: &str) -> Vec<&'a RowError> {
    report
        .row_errors
        .iter()
        .filter(|e| e.source_row == row)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oneroster_bad_rows_are_located_and_everyone_else_is_applied() {
    let dir = tempfile::tempdir().unwrap();
    let job = d118_students::job();
    let demo = Demo::start(dir.path(), "d118.org", today(), 30).unwrap();
    let sis = write_oneroster(dir.path());

    let report = apply(&demo, &job, &sis, dir.path()).await;
    assert!(report.aborted.is_none(), "{:?}", report.aborted);

    // Each bad row, by file and line, with the column and why.
    let expect = |line: u32, field: &str, reason: &str| {
        let row = format!("users.csv line {line}");
        let found = errors_at(&report, &row);
        assert!(
            found
                .iter()
                .any(|e| e.field == field && e.reason.contains(reason)),
            "{row}: expected {field}: {reason}; got {found:?}"
        );
    };
    expect(4, "givenName", "is empty");
    expect(5, "identifier", "duplicate student number 200001");
    expect(6, "grades", "unknown grade 'PS'");
    expect(7, "givenName", "is empty");
    expect(7, "familyName", "is empty");
    expect(7, "grades", "is empty");
    expect(10, "orgSourcedIds", "unknown org 'org-zzz'");
    let lines: std::collections::BTreeSet<&str> = report
        .row_errors
        .iter()
        .map(|e| e.source_row.as_str())
        .collect();
    assert_eq!(
        lines.into_iter().collect::<Vec<_>>(),
        [
            "users.csv line 10",
            "users.csv line 4",
            "users.csv line 5",
            "users.csv line 6",
            "users.csv line 7"
        ],
        "{:?}",
        report.row_errors
    );

    // The name Google would refuse is skipped at plan time with the reason, not sent.
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let skipped = report
        .skipped
        .iter()
        .find(|s| s.person.id == "200007")
        .expect("the 61-character name is skipped");
    assert!(
        skipped.reason.contains("61 characters"),
        "{}",
        skipped.reason
    );
    assert_eq!(report.exit_code(), ExitCode::Ok);

    // Everyone else is there, exactly as wanted; the first 200001 row won.
    let users = managed_users(&demo, &job);
    let (active, _) = desired(&job, &sis).await;
    let mut made = Vec::new();
    for d in active.iter().filter(|d| d.person.id != "200007") {
        let u = users
            .get(&d.primary_email)
            .unwrap_or_else(|| panic!("{} missing", d.primary_email));
        assert_eq!(differences(d, u), Vec::<String>::new());
        made.push(d.person.id.as_str());
    }
    made.sort();
    assert_eq!(made, ["200001", "200002", "200008"]);
    assert_eq!(users["200001@d118.org"]["name"]["givenName"], "Liam");
    assert_eq!(users.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oneroster_staff_outside_the_domain_is_skipped_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let job = d118_staff::job();
    let demo = Demo::start(dir.path(), "d118.org", today(), 30).unwrap();
    let sis = write_oneroster(dir.path());

    let report = apply(&demo, &job, &sis, dir.path()).await;
    assert_eq!(report.exit_code(), ExitCode::Ok, "{}", report.summary());
    let outside: Vec<_> = report
        .skipped
        .iter()
        .filter(|s| s.reason.contains("outside the district's domains"))
        .collect();
    assert_eq!(outside.len(), 1, "{:?}", report.skipped);
    assert_eq!(outside[0].person.kind, PersonKind::Staff);
    assert_eq!(outside[0].person.name, "Turing, Alan");
    assert!(outside[0].reason.contains("alan.turing@gmail.com"));
    let users = managed_users(&demo, &job);
    let emails: Vec<&str> = users.keys().map(String::as_str).collect();
    assert_eq!(emails, ["ada.lovelace@d118.org", "grace.hopper@d118.org"]);
    assert!(demo.emulator.user("alan.turing@gmail.com").is_none());
}

/// The PowerSchool side: the demo district's NULL last names and duplicate student number
/// (DESIGN §6 edge cases), through both D118 jobs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn powerschool_bad_rows_are_located_and_everyone_else_is_applied() {
    let dir = tempfile::tempdir().unwrap();
    let students = d118_students::job();
    let staff = d118_staff::job();
    let site = d118_students::site();
    let demo = Demo::start(dir.path(), &site.domain, today(), 400).unwrap();
    let sis = demo.sis(d118_staff::site().powerschool).unwrap();

    let report = apply(&demo, &students, &sis, dir.path()).await;
    assert_eq!(report.exit_code(), ExitCode::Ok, "{}", report.summary());
    let null_name = errors_at(
        &report,
        &format!("STUDENTS STUDENT_NUMBER={}", edge::STUDENT_NULL_LAST_NAME),
    );
    assert!(
        null_name.iter().any(|e| e.field == "LAST_NAME"),
        "{:?}",
        report.row_errors
    );
    let duplicate = errors_at(
        &report,
        &format!("STUDENTS STUDENT_NUMBER={}", edge::STUDENT_DUPLICATE_NUMBER),
    );
    assert!(
        duplicate
            .iter()
            .any(|e| e.field == "STUDENT_NUMBER" && e.reason.contains("duplicate")),
        "{:?}",
        report.row_errors
    );
    let users = managed_users(&demo, &students);
    assert!(!users.contains_key(&format!("{}@d118.org", edge::STUDENT_NULL_LAST_NAME)));
    // The first row with the duplicated number (Jordan Lee) has the account.
    assert_eq!(
        users[&format!("{}@d118.org", edge::STUDENT_DUPLICATE_NUMBER)]["name"]["givenName"],
        "Jordan"
    );
    let (active, _) = desired(&students, &sis).await;
    for d in &active {
        let u = users
            .get(&d.primary_email)
            .unwrap_or_else(|| panic!("{} missing", d.primary_email));
        assert_eq!(
            differences(d, u),
            Vec::<String>::new(),
            "{}",
            d.primary_email
        );
    }
    assert_eq!(users.len(), active.len());

    let report = apply(&demo, &staff, &sis, dir.path()).await;
    assert_eq!(report.exit_code(), ExitCode::Ok, "{}", report.summary());
    assert!(
        report.row_errors.iter().any(|e| e
            .source_row
            .contains(&edge::STAFF_NULL_LAST_NAME.to_string())
            && e.field == "LAST_NAME"),
        "{:?}",
        report.row_errors
    );
    for (dcid, why) in [
        (edge::STAFF_NULL_EMAIL, "no email"),
        (edge::STAFF_BLANK_EMAIL, "no email"),
    ] {
        assert!(
            report
                .skipped
                .iter()
                .any(|s| s.person.id == dcid.to_string() && s.reason.contains(why)),
            "{dcid}: {:?}",
            report.skipped
        );
    }
    let users = managed_users(&demo, &staff);
    let (active, _) = desired(&staff, &sis).await;
    for d in &active {
        let u = users
            .get(&d.primary_email)
            .unwrap_or_else(|| panic!("{} missing", d.primary_email));
        assert_eq!(
            differences(d, u),
            Vec::<String>::new(),
            "{}",
            d.primary_email
        );
    }
    assert_eq!(users.len(), active.len());
}

/// A row saved in Windows-1252 (a common SIS export setting): "José" as the single byte
/// 0xE9. Bad data is data: that row is reported with its file, line and column, and every
/// other row of `users.csv`, the one after it included, is read and applied.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oneroster_row_that_is_not_utf8_is_reported_with_its_location_and_the_rest_applied() {
    let dir = tempfile::tempdir().unwrap();
    let job = d118_students::job();
    let demo = Demo::start(dir.path(), "d118.org", today(), 30).unwrap();
    let sis = write_oneroster(dir.path());
    let mut bytes = users_csv().into_bytes();
    bytes.extend_from_slice(b"s10,active,,true,org-bes,student,,,Jos\xe9,Ruiz,,200010,,,,,2,\n");
    bytes.extend_from_slice(b"s11,active,,true,org-bes,student,,,Lena,Park,,200011,,,,,2,\n");
    std::fs::write(sis.dir().join("users.csv"), bytes).unwrap();
    let _ = fast_directory(&demo, &job).await;
    demo.emulator.reset_counters();

    let report = apply(&demo, &job, &sis, dir.path()).await;
    assert_eq!(report.exit_code(), ExitCode::Ok, "{}", report.summary());
    let e = report
        .row_errors
        .iter()
        .find(|e| e.source_row == "users.csv line 14")
        .unwrap_or_else(|| panic!("{:?}", report.row_errors));
    assert_eq!(e.field, "givenName");
    assert!(e.reason.contains("UTF-8"), "{}", e.reason);
    let users = managed_users(&demo, &job);
    assert!(
        users.contains_key("200011@d118.org"),
        "the row after the bad one is applied"
    );
    assert!(!users.contains_key("200010@d118.org"));
}
