//! Hostile input (issue 19, item 1): every bad value a SIS hands us is a located row error
//! (source, row key, field, the value shown escaped, the reason) and never an account, an
//! OU, a move or a suspension; everyone else plans as before. A corrupted PowerSchool-shaped
//! SQLite district (the demo district plus SQL updates) and a corrupted OneRoster folder,
//! both written by the tests, read through the real sources and the D118 jobs' `plan`
//! against the Directory emulator. `docs/RELIABILITY.md` lists each bad value and what it
//! now gets.

#[path = "support/reliability.rs"]
mod reliability;

use std::collections::BTreeSet;
use std::path::Path;

use reliability::{cli, fast_directory, today};
use roster::core::report::RunReport;
use roster::core::{RowError, SisSource};
use roster::demo::Demo;
use roster::sis::OneRosterSource;
use roster::{AccountJob, Mode, run_accounts};
use rusqlite::Connection;
use serde_json::Value;

/// Runs the job (`plan --json` or `apply`) and returns the report and the planned changes.
async fn run(
    demo: &Demo,
    job: &AccountJob,
    sis: &dyn SisSource,
    dir: &Path,
    mode: Mode,
) -> (RunReport, Vec<Value>) {
    let target = fast_directory(demo, job).await;
    let opts = cli(dir, &[mode.name(), "--json"]).opts;
    let mut out = Vec::new();
    let report = run_accounts(job, mode, &opts, sis, &target, &mut out).await;
    let text = String::from_utf8(out).unwrap();
    let start = text.find('[').expect("a JSON plan");
    let end = text.rfind(']').unwrap();
    let changes: Vec<Value> = serde_json::from_str(&text[start..=end]).unwrap();
    (report, changes)
}

/// The ids of people with a change other than a skip.
fn changed(changes: &[Value]) -> BTreeSet<String> {
    changes
        .iter()
        .filter(|c| c["action"] != "skip")
        .map(|c| c["person"]["id"].as_str().unwrap().to_string())
        .collect()
}

fn find<'a>(report: &'a RunReport, row: &str, field: &str) -> &'a RowError {
    report
        .row_errors
        .iter()
        .find(|e| e.source_row == row && e.field == field)
        .unwrap_or_else(|| panic!("no row error at {row} {field}: {:#?}", report.row_errors))
}

/// Every row error prints on one line with no control or invisible character.
fn assert_printable(report: &RunReport) {
    for e in report.row_errors.iter().chain(&report.row_warnings) {
        let s = e.to_string();
        assert!(
            !s.chars()
                .any(|c| c.is_control() || roster::core::validate::is_format(c)),
            "{s:?}"
        );
    }
}

/// Active students at Wauconda High School (131, left intact), past the edge cases: (DCID, number).
fn victims(db: &Path, n: usize) -> Vec<(i64, String)> {
    let c = Connection::open(db).unwrap();
    let mut q = c
        .prepare(
            "SELECT DCID, CAST(STUDENT_NUMBER AS TEXT) FROM STUDENTS \
             WHERE SCHOOLID = 131 AND ENROLL_STATUS = 0 AND GRADE_LEVEL BETWEEN 9 AND 11 \
             AND CAST(STUDENT_NUMBER AS INTEGER) > 100099 ORDER BY DCID LIMIT ?1",
        )
        .unwrap();
    let v: Vec<(i64, String)> = q
        .query_map([n as i64], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(v.len(), n, "not enough students at 131");
    v
}

/// (column, SQL value, field in the error, words of the reason)
const STUDENT_CORRUPTIONS: &[(&str, &str, &str, &str)] = &[
    (
        "STUDENT_NUMBER",
        "'-5'",
        "STUDENT_NUMBER",
        "digits 0-9 only",
    ),
    (
        "STUDENT_NUMBER",
        "'0'",
        "STUDENT_NUMBER",
        "must be positive",
    ),
    (
        "STUDENT_NUMBER",
        "'12345678901234567890'",
        "STUDENT_NUMBER",
        "20 digits",
    ),
    (
        "STUDENT_NUMBER",
        "'9223372036854775807'",
        "STUDENT_NUMBER",
        "19 digits",
    ),
    ("FIRST_NAME", "'Ana' || char(0)", "FIRST_NAME", "U+0000"),
    (
        "FIRST_NAME",
        "char(27) || '[31mRed'",
        "FIRST_NAME",
        "U+001B",
    ),
    (
        "LAST_NAME",
        "'Smith' || char(10) || 'CREATE admin'",
        "LAST_NAME",
        "U+000A",
    ),
    (
        "FIRST_NAME",
        "'abc' || char(8238) || 'fed'",
        "FIRST_NAME",
        "U+202E",
    ),
    ("LAST_NAME", "char(8203, 8203)", "LAST_NAME", "U+200B"),
    (
        "FIRST_NAME",
        "char(128512, 128512)",
        "FIRST_NAME",
        "has no letter",
    ),
    (
        "ENROLL_STATUS",
        "7",
        "ENROLL_STATUS",
        "not an enroll status",
    ),
    ("GRADE_LEVEL", "42", "GRADE_LEVEL", "not a grade level"),
];

/// A school row that cannot be an OU name: (school, column, SQL value, words of the reason).
const SCHOOL_CORRUPTIONS: &[(i64, &str, &str, &str)] = &[
    (220, "ABBREVIATION", "'X/Y'", "contains '/'"),
    (130, "ABBREVIATION", "NULL", "is empty"),
    (120, "NAME", "'../../Restricted'", "contains '/'"),
];

fn students_at(db: &Path, schools: &[i64]) -> BTreeSet<String> {
    let c = Connection::open(db).unwrap();
    let list = schools
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let mut q = c
        .prepare(&format!(
            "SELECT CAST(STUDENT_NUMBER AS TEXT) FROM STUDENTS WHERE SCHOOLID IN ({list})"
        ))
        .unwrap();
    q.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Students: the district is applied clean, then corrupted. Each bad value is a located
/// row error; the plan after it changes nobody (no create for a bad number, no suspension
/// for status 7, no move into `/D118 Students/X/Y Students`); DOB and CLASSOF that cannot
/// be read are warnings and the student is still read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn powerschool_bad_values_are_located_row_errors_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let job = d118_students::job();
    let site = d118_students::site();
    let demo = Demo::start(dir.path(), &site.domain, today(), 400).unwrap();
    let sis = demo.sis(d118_staff::site().powerschool).unwrap();
    let (clean, _) = run(&demo, &job, &sis, dir.path(), Mode::Apply).await;
    assert!(clean.failures.is_empty(), "{}", clean.summary());

    let victims = victims(&demo.db, STUDENT_CORRUPTIONS.len() + 2);
    let db = Connection::open(&demo.db).unwrap();
    for ((dcid, _), (col, value, _, _)) in victims.iter().zip(STUDENT_CORRUPTIONS) {
        db.execute(
            &format!("UPDATE STUDENTS SET {col} = {value} WHERE DCID = {dcid}"),
            [],
        )
        .unwrap();
    }
    let (dob_dcid, dob_number) = &victims[STUDENT_CORRUPTIONS.len()];
    let (class_dcid, class_number) = &victims[STUDENT_CORRUPTIONS.len() + 1];
    db.execute(
        &format!("UPDATE STUDENTS SET DOB = '31/02/2010' WHERE DCID = {dob_dcid}"),
        [],
    )
    .unwrap();
    db.execute(
        &format!("UPDATE STUDENTS SET CLASSOF = 'soon' WHERE DCID = {class_dcid}"),
        [],
    )
    .unwrap();
    for (school, col, value, _) in SCHOOL_CORRUPTIONS {
        db.execute(
            &format!("UPDATE SCHOOLS SET {col} = {value} WHERE SCHOOL_NUMBER = {school}"),
            [],
        )
        .unwrap();
    }
    drop(db);

    let (report, changes) = run(&demo, &job, &sis, dir.path(), Mode::Plan).await;
    assert!(report.aborted.is_none(), "{:?}", report.aborted);
    assert_printable(&report);

    // Each corrupted student: located by key and column, the value escaped, the reason.
    for ((_, number), (col, _, field, words)) in victims.iter().zip(STUDENT_CORRUPTIONS) {
        // A bad number is the row's key itself: found by column and reason.
        let key = (*col != "STUDENT_NUMBER").then(|| format!("STUDENTS STUDENT_NUMBER={number}"));
        let e = match key {
            Some(row) => find(&report, &row, field),
            None => report
                .row_errors
                .iter()
                .find(|e| e.field == *field && e.reason.contains(words))
                .unwrap_or_else(|| panic!("{field} {words}: {:#?}", report.row_errors)),
        };
        assert!(e.reason.contains(words), "{e}");
        assert!(e.source_row.starts_with("STUDENTS "), "{e}");
    }
    // The school rows, and every student of those schools.
    for (school, col, _, words) in SCHOOL_CORRUPTIONS {
        let e = find(&report, &format!("SCHOOLS SCHOOL_NUMBER={school}"), col);
        assert!(e.reason.contains(words), "{e}");
    }
    let at_bad_schools = students_at(&demo.db, &[220, 130, 120]);
    assert!(at_bad_schools.len() > 30, "{}", at_bad_schools.len());
    for n in &at_bad_schools {
        let e = find(&report, &format!("STUDENTS STUDENT_NUMBER={n}"), "SCHOOLID");
        assert!(e.reason.contains("is refused"), "{e}");
    }
    // Optional values: warnings, and the student is read.
    let w: Vec<String> = report.row_warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        w.iter()
            .any(|w| w.contains(&format!("STUDENT_NUMBER={dob_number}: DOB"))),
        "{w:?}"
    );
    assert!(
        w.iter()
            .any(|w| w.contains(&format!("STUDENT_NUMBER={class_number}: CLASSOF"))),
        "{w:?}"
    );

    // Nobody changes: no create for a bad number, no suspension, no move, no new OU.
    let moved = changed(&changes);
    let allowed: BTreeSet<String> = [class_number.clone()].into();
    assert!(
        moved.is_subset(&allowed),
        "changes for {:?}",
        moved.difference(&allowed).collect::<Vec<_>>()
    );
    assert_eq!(report.planned.get("suspend").copied().unwrap_or(0), 0);
    assert_eq!(report.planned.get("create").copied().unwrap_or(0), 0);
    let text = serde_json::to_string(&changes).unwrap();
    assert!(
        !text.contains("X/Y") && !text.contains("Restricted"),
        "{text}"
    );
    let expected_errors =
        STUDENT_CORRUPTIONS.len() + SCHOOL_CORRUPTIONS.len() + at_bad_schools.len();
    assert!(
        report.row_errors.len() >= expected_errors,
        "{} < {expected_errors}",
        report.row_errors.len()
    );
    // Only the demo's own bad rows come on top (NULL last name, duplicate number, ...).
    assert!(report.row_errors.len() <= expected_errors + clean.row_errors.len());
}

/// Staff: bad emails (a space, two `@`, nothing before `@`, a trailing dot), an email two
/// users share (the first in DCID order keeps it), an unknown `STAFFSTATUS` and a bidi
/// override in a name are located row errors; nobody is suspended, created or changed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn powerschool_bad_staff_values_are_located_row_errors_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let job = d118_staff::job();
    let site = d118_staff::site();
    let demo = Demo::start(dir.path(), "d118.org", today(), 400).unwrap();
    let sis = demo.sis(site.powerschool).unwrap();
    let (clean, _) = run(&demo, &job, &sis, dir.path(), Mode::Apply).await;
    assert!(clean.failures.is_empty(), "{}", clean.summary());

    let db = Connection::open(&demo.db).unwrap();
    let users: Vec<(i64, String)> = db
        .prepare(
            "SELECT u.DCID, u.EMAIL_ADDR FROM USERS u WHERE u.HOMESCHOOLID > 0 \
             AND u.EMAIL_ADDR LIKE '%@d118.org' AND u.DCID > 200 \
             AND EXISTS (SELECT 1 FROM SCHOOLSTAFF s WHERE s.USERS_DCID = u.DCID AND s.STATUS = 1) \
             ORDER BY u.DCID LIMIT 8",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(users.len(), 8, "{users:?}");
    let set = |dcid: i64, what: &str| {
        db.execute(&format!("UPDATE USERS SET {what} WHERE DCID = {dcid}"), [])
            .unwrap();
    };
    set(users[0].0, "EMAIL_ADDR = 'diego williams@d118.org'");
    set(users[1].0, "EMAIL_ADDR = 'finn@shah@d118.org'");
    set(users[2].0, "EMAIL_ADDR = '@d118.org'");
    set(users[3].0, "EMAIL_ADDR = 'finn.shah@d118.org.'");
    // users[5] takes users[4]'s address: users[4] (lower DCID) keeps it.
    set(users[5].0, &format!("EMAIL_ADDR = '{}'", users[4].1));
    set(users[6].0, "FIRST_NAME = 'Pat' || char(8238) || 'lanimret'");
    db.execute(
        &format!(
            "UPDATE SCHOOLSTAFF SET STAFFSTATUS = 9 WHERE USERS_DCID = {}",
            users[7].0
        ),
        [],
    )
    .unwrap();
    drop(db);

    let (report, changes) = run(&demo, &job, &sis, dir.path(), Mode::Plan).await;
    assert!(report.aborted.is_none(), "{:?}", report.aborted);
    assert_printable(&report);
    let at = |i: usize, field: &str, words: &str| {
        let e = find(&report, &format!("USERS DCID={}", users[i].0), field);
        assert!(e.reason.contains(words), "{e}");
    };
    at(
        0,
        "EMAIL_ADDR",
        "\"diego williams@d118.org\" is not an email address",
    );
    at(1, "EMAIL_ADDR", "more than one '@'");
    at(2, "EMAIL_ADDR", "nothing before '@'");
    at(3, "EMAIL_ADDR", "ends with '.'");
    at(
        5,
        "EMAIL_ADDR",
        &format!("already the address of USERS DCID={}", users[4].0),
    );
    at(6, "FIRST_NAME", "U+202E");
    at(7, "SCHOOLSTAFF", "is refused");
    assert!(
        report
            .row_errors
            .iter()
            .any(|e| e.field == "STAFFSTATUS" && e.reason.contains("\"9\" is not a staff status")),
        "{:#?}",
        report.row_errors
    );
    assert!(
        report
            .row_errors
            .iter()
            .all(|e| !e.source_row.contains(&format!("DCID={}", users[4].0))),
        "the first holder of the address is fine"
    );
    // Nobody changes: no suspension for the unknown staff status, no create, no rename.
    assert_eq!(changed(&changes), BTreeSet::<String>::new(), "{changes:#?}");
    assert!(
        report.row_errors.len() >= clean.row_errors.len() + 8,
        "{:#?}",
        report.row_errors
    );
}

const ORGS: &str = "\
sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
d1,active,,Example District,district,,
org-rhs,active,,Riverside High School,school,310,d1
org-bad,active,,Broken Org,school,X/Y,d1
org-dots,active,,Dots,school,..,d1
";

/// users.csv: line number -> (row, field of the error, words of the reason); `None` loads.
fn oneroster_users() -> (String, Vec<(u64, &'static str, &'static str)>) {
    let header = "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password";
    let student = |id: &str, first: &str, last: &str, number: &str| {
        format!("{id},active,,true,org-rhs,student,,,{first},{last},,{number},,,,,10,")
    };
    let teacher = |id: &str, first: &str, email: &str| {
        format!("{id},active,,true,org-rhs,teacher,,,{first},Hopper,,,{email},,,,,")
    };
    let rows: Vec<(String, Option<(&str, &str)>)> = vec![
        (student("s1", "Liam", "Ok", "300001"), None),
        (
            student("s2", "Neg", "Ative", "-5"),
            Some(("identifier", "digits 0-9 only")),
        ),
        (
            student("s3", "Ze", "Ro", "0"),
            Some(("identifier", "must be positive")),
        ),
        (
            student("s4", "Long", "Number", "12345678901234567890"),
            Some(("identifier", "20 digits")),
        ),
        (
            student("s5", "Max", "Int", &i64::MAX.to_string()),
            Some(("identifier", "19 digits")),
        ),
        (
            student("s6", "Ana\0", "Nul", "300006"),
            Some(("givenName", "U+0000")),
        ),
        (
            student("s7", "\u{1b}[31mRed", "Ansi", "300007"),
            Some(("givenName", "U+001B")),
        ),
        (
            student("s8", "Bidi", "abc\u{202E}fed", "300008"),
            Some(("familyName", "U+202E")),
        ),
        (
            student("s9", "\u{200B}\u{200B}", "Zero", "300009"),
            Some(("givenName", "U+200B")),
        ),
        (
            student("s10", "😀😀", "Emoji", "300010"),
            Some(("givenName", "has no letter")),
        ),
        (student("s11", "Zoe\u{308}", "Nfc", "300011"), None),
        (
            "s12,active,,true,org-bad,student,,,Lost,School,,300012,,,,,10,".to_string(),
            Some(("orgSourcedIds", "is refused (orgs.csv line 4)")),
        ),
        (teacher("t1", "Grace", "grace.hopper@d118.org"), None),
        (
            teacher("t2", "Diego", "diego williams@d118.org"),
            Some(("email", "is not an email address")),
        ),
        (
            teacher("t3", "Finn", "finn@shah@d118.org"),
            Some(("email", "more than one '@'")),
        ),
        (
            teacher("t4", "At", "@d118.org"),
            Some(("email", "nothing before '@'")),
        ),
        (
            teacher("t5", "Dot", "dot@d118.org."),
            Some(("email", "ends with '.'")),
        ),
        (
            teacher("t6", "Copy", "Grace.Hopper@d118.org"),
            Some(("email", "already the address of users.csv line 14")),
        ),
    ];
    let mut text = format!("{header}\n");
    let mut expected = Vec::new();
    for (i, (row, err)) in rows.into_iter().enumerate() {
        text.push_str(&row);
        text.push('\n');
        if let Some((field, words)) = err {
            expected.push((i as u64 + 2, field, words));
        }
    }
    (text, expected)
}

/// OneRoster: the same bad values in a folder written by the test; each is an error at its
/// file, line and column; the plan creates exactly the good people, with NFC names.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oneroster_bad_values_are_located_row_errors_and_plan_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let or = dir.path().join("oneroster");
    std::fs::create_dir_all(&or).unwrap();
    std::fs::write(or.join("orgs.csv"), ORGS).unwrap();
    let (users, expected) = oneroster_users();
    std::fs::write(or.join("users.csv"), users).unwrap();
    let sis = OneRosterSource::new(&or);
    let demo = Demo::start(dir.path(), "d118.org", today(), 30).unwrap();

    let (report, changes) = run(&demo, &d118_students::job(), &sis, dir.path(), Mode::Plan).await;
    assert_printable(&report);
    for (line, field, words) in expected.iter().filter(|(l, _, _)| *l <= 13) {
        let e = find(&report, &format!("users.csv line {line}"), field);
        assert!(e.reason.contains(words), "{e}");
    }
    for (org_line, field, words) in [(4, "identifier", "contains '/'"), (5, "identifier", "'..'")] {
        let e = find(&report, &format!("orgs.csv line {org_line}"), field);
        assert!(e.reason.contains(words), "{e}");
    }
    let creates = changed(&changes);
    assert_eq!(
        creates,
        BTreeSet::from(["300001".to_string(), "300011".to_string()])
    );
    let zoe = changes
        .iter()
        .find(|c| c["person"]["id"] == "300011")
        .unwrap();
    assert_eq!(zoe["person"]["name"], "Nfc, Zoë", "composed to NFC");

    let (report, changes) = run(&demo, &d118_staff::job(), &sis, dir.path(), Mode::Plan).await;
    assert_printable(&report);
    for (line, field, words) in expected.iter().filter(|(l, _, _)| *l > 13) {
        let e = find(&report, &format!("users.csv line {line}"), field);
        assert!(e.reason.contains(words), "{e}");
    }
    let planned: Vec<&str> = changes
        .iter()
        .filter(|c| c["action"] != "skip")
        .map(|c| c["email"].as_str().unwrap())
        .collect();
    assert_eq!(planned, ["grace.hopper@d118.org"]);
}
