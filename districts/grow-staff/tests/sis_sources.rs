//! The real `grow-staff` binary, `apply` through each `--sis` source against the demo,
//! delivering to a real OpenSSH sshd on 127.0.0.1 with its host key pinned (a rehearsal
//! server, `roster::vendor_rehearsal`): the SQL source (the demo's SQLite) and the
//! PowerSchool API emulator deliver the same file; OneRoster is refused (its file needs
//! `USERS.DCID` and `USERS.GROUPVALUE`, which OneRoster 1.1 lacks) and nothing reaches the
//! server.

#[path = "../../../tests/support/vendor_sources.rs"]
mod vendor_sources;

use vendor_sources::Rehearsal;

const EXE: &str = env!("CARGO_BIN_EXE_grow-staff");

#[test]
fn apply_through_sql_and_the_api_delivers_the_same_file_and_oneroster_is_refused() {
    let job = grow_staff::job();
    let server = Rehearsal::start();
    let sql = server.apply(EXE, &job, "sql", &["oracle"]);
    let api = server.apply(EXE, &job, "api", &["powerschool-api"]);
    for (name, d) in [("sql", &sql), ("api", &api)] {
        assert_eq!(d.code, Some(0), "{name}: {}", d.stderr);
        assert!(
            d.files.contains_key("grow_users.csv"),
            "{name}: {:?}",
            d.files.keys()
        );
    }
    assert!(
        api.files == sql.files,
        "the API delivers the SQL source's files"
    );
    let (_, rows) = vendor_sources::csv_rows(&sql.files["grow_users.csv"]);
    assert!(
        rows.len() >= job.min_rows["grow_users.csv"],
        "{}",
        rows.len()
    );
    println!(
        "grow-staff: grow_users.csv with {} rows, byte for byte the same through SQL and the API",
        rows.len()
    );

    let one = server.apply(EXE, &job, "oneroster", &["oneroster"]);
    assert_eq!(one.code, Some(2), "{}", one.stderr);
    for need in grow_staff::sis_needs() {
        assert!(one.stderr.contains(need.field.name()), "{}", one.stderr);
    }
    assert!(
        one.files.is_empty(),
        "nothing delivered: {:?}",
        one.files.keys()
    );
}

/// `plan` through the SQL source and the API writes the file; through OneRoster it is
/// refused and writes nothing.
#[test]
fn plan_through_each_source() {
    let job = grow_staff::job();
    for sis in ["oracle", "powerschool-api"] {
        let d = vendor_sources::plan(EXE, &job, &[sis]);
        assert_eq!(d.code, Some(0), "{sis}: {}", d.stderr);
        assert!(d.files.contains_key("grow_users.csv"), "{sis}");
    }
    let d = vendor_sources::plan(EXE, &job, &["oneroster"]);
    assert_eq!(d.code, Some(2), "{}", d.stderr);
    assert!(d.files.is_empty(), "{:?}", d.files.keys());
}
