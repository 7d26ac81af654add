//! Vendor files get the checks accounts get (issue 19, item 2): a corrupted PowerSchool-shaped
//! demo district (SQL updates on its `USERS` rows) through Grow's real job. Each bad row is a
//! located row error and is in no file; everyone else is delivered. A partial `--scope` is
//! refused before anything is read or built. `docs/RELIABILITY.md` lists each case.

#[path = "support/reliability.rs"]
mod reliability;

use std::path::Path;

use reliability::{cli, today};
use roster::core::report::{ExitCode, RunReport};
use roster::demo::Demo;
use roster::{Mode, run_vendor};
use rusqlite::Connection;

/// Active staff at the demo's schools: (DCID, email), in DCID order.
fn staff(db: &Path, n: usize) -> Vec<(i64, String)> {
    let c = Connection::open(db).unwrap();
    let mut q = c
        .prepare(
            "SELECT u.DCID, u.EMAIL_ADDR FROM USERS u JOIN SCHOOLSTAFF ss ON ss.USERS_DCID = u.DCID \
             WHERE ss.STATUS = 1 AND ss.SCHOOLID = u.HOMESCHOOLID AND u.EMAIL_ADDR LIKE '%@%' \
             GROUP BY u.DCID ORDER BY u.DCID LIMIT ?1",
        )
        .unwrap();
    let v: Vec<(i64, String)> = q
        .query_map([n as i64], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(v.len(), n, "not enough active staff");
    v
}

/// (column, SQL value, field of the row error, words of the reason)
const CORRUPTIONS: &[(&str, &str, &str, &str)] = &[
    (
        "EMAIL_ADDR",
        "'finn@other.org'",
        "EMAIL_ADDR",
        "not at the district's domain",
    ),
    (
        "EMAIL_ADDR",
        "'finn.x@d118.org.'",
        "EMAIL_ADDR",
        "ends with '.'",
    ),
    ("FIRST_NAME", "'training1'", "FIRST_NAME", "bad-name list"),
    (
        "LAST_NAME",
        "'=HYPERLINK(\"http://x\",\"y\")'",
        "LAST_NAME",
        "formula",
    ),
    ("LAST_NAME", "'+Cmd'", "LAST_NAME", "formula"),
];

async fn grow(dir: &Path, demo: &Demo, args: &[&str]) -> RunReport {
    let job = grow_staff::job();
    let sis = demo.sis(grow_staff::site().powerschool).unwrap();
    let opts = cli(dir, args).opts;
    let mut out = Vec::new();
    run_vendor(
        &job,
        Mode::Plan,
        &opts,
        &sis,
        &dir.join("grow-staff"),
        None,
        &mut out,
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_staff_rows_are_row_errors_and_in_no_vendor_file() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::start(dir.path(), "d118.org", today(), 200).unwrap();
    // Staff the clean demo already refuses (its own test accounts) are not victims.
    // `--force`: the small demo is under Grow's minimum file size (a separate guard).
    let clean = grow(dir.path(), &demo, &["plan", "--force"]).await;
    let victims: Vec<(i64, String)> = staff(&demo.db, 40)
        .into_iter()
        .filter(|(dcid, _)| {
            let row = format!("USERS DCID={dcid}");
            !clean.row_errors.iter().any(|e| e.source_row == row)
        })
        .take(CORRUPTIONS.len() + 3)
        .collect();
    assert_eq!(victims.len(), CORRUPTIONS.len() + 3);
    let db = Connection::open(&demo.db).unwrap();
    for ((col, value, _, _), (dcid, _)) in CORRUPTIONS.iter().zip(&victims) {
        db.execute(
            &format!("UPDATE USERS SET {col} = {value} WHERE DCID = {dcid}"),
            [],
        )
        .unwrap();
    }
    // Two people with one address: the next two victims share the first's address.
    let (first, shared) = &victims[CORRUPTIONS.len()];
    let (second, _) = &victims[CORRUPTIONS.len() + 1];
    db.execute(
        &format!("UPDATE USERS SET EMAIL_ADDR = '{shared}' WHERE DCID = {second}"),
        [],
    )
    .unwrap();
    drop(db);

    let report = grow(dir.path(), &demo, &["plan", "--force"]).await;
    assert_eq!(report.aborted, None, "{}", report.summary());
    let file = std::fs::read_to_string(dir.path().join("grow-staff/grow_users.csv"))
        .or_else(|_| {
            let d = dir.path().join("grow-staff");
            let name = std::fs::read_dir(&d)
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| p.extension().is_some_and(|e| e == "csv"))
                .unwrap();
            std::fs::read_to_string(name)
        })
        .unwrap();
    for ((_, _, field, words), (dcid, email)) in CORRUPTIONS.iter().zip(&victims) {
        let row = format!("USERS DCID={dcid}");
        let e = report
            .row_errors
            .iter()
            .find(|e| e.source_row == row && e.field == *field)
            .unwrap_or_else(|| panic!("no row error at {row} {field}: {:#?}", report.row_errors));
        assert!(e.reason.contains(words), "{row}: {}", e.reason);
        assert!(!file.contains(email.as_str()), "{row} is in the file");
    }
    for dcid in [first, second] {
        let row = format!("USERS DCID={dcid}");
        assert!(
            report
                .row_errors
                .iter()
                .any(|e| e.source_row == row && e.field == "EMAIL_ADDR"),
            "{row}: {:#?}",
            report.row_errors
        );
    }
    assert!(
        !file.contains(shared.as_str()),
        "a shared address is in the file"
    );
    assert!(!file.contains("HYPERLINK") && !file.contains("+Cmd") && !file.contains("other.org"));
    // Everyone else is delivered.
    let (_, kept) = &victims[CORRUPTIONS.len() + 2];
    assert!(file.contains(kept.as_str()), "{kept} is missing");
    assert!(file.lines().count() > 20, "{file}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_partial_scope_is_refused_before_anything_is_read_or_built() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::start(dir.path(), "d118.org", today(), 200).unwrap();
    for args in [
        &["plan", "--scope", "school", "--school", "310"][..],
        &["plan", "--school", "310"],
        &["plan", "--scope", "state-reporting"],
    ] {
        let report = grow(dir.path(), &demo, args).await;
        assert_eq!(report.exit_code(), ExitCode::Aborted, "{args:?}");
        let why = report.aborted.as_deref().unwrap();
        assert!(why.contains("full refresh"), "{args:?}: {why}");
        assert!(!why.contains('\n'), "{why}");
        assert_eq!(report.people_read, 0, "{args:?}");
        assert!(
            !dir.path().join("grow-staff").exists(),
            "{args:?}: files built"
        );
    }
}
