//! The real `grow-staff` binary, `apply` through each `--sis` source against the demo,
//! delivering to a real OpenSSH sshd on 127.0.0.1 with its host key pinned (a rehearsal
//! server, `roster::vendor_rehearsal`): the SQL source (the demo's SQLite), the PowerSchool
//! API emulator and the demo's OneRoster export with the PowerSchool extension columns
//! (`metadata.powerschool.*`) deliver the same file, byte for byte. A OneRoster folder
//! without those columns is refused (its file needs `USERS.DCID` and `USERS.GROUPVALUE`) and
//! nothing reaches the server.

#[path = "../../../tests/support/sis_runs.rs"]
mod sis_runs;
#[path = "../../../tests/support/vendor_sources.rs"]
mod vendor_sources;

use std::path::{Path, PathBuf};

use vendor_sources::{Delivery, Rehearsal};

const EXE: &str = env!("CARGO_BIN_EXE_grow-staff");

#[test]
fn apply_through_each_source_delivers_the_same_file_and_a_plain_oneroster_is_refused() {
    let job = grow_staff::job();
    let server = Rehearsal::start();
    let sql = server.apply(EXE, &job, "sql", &["oracle"]);
    let api = server.apply(EXE, &job, "api", &["powerschool-api"]);
    let one = server.apply(EXE, &job, "oneroster", &["oneroster"]);
    for (name, d) in [("sql", &sql), ("api", &api), ("oneroster", &one)] {
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
    assert!(
        one.files == sql.files,
        "OneRoster with the PowerSchool columns delivers the SQL source's files: {:?}",
        vendor_sources::compare(
            &sql.files["grow_users.csv"],
            &one.files["grow_users.csv"],
            "Internal ID",
            &[]
        )
    );
    let (_, rows) = vendor_sources::csv_rows(&sql.files["grow_users.csv"]);
    assert!(
        rows.len() >= job.min_rows["grow_users.csv"],
        "{}",
        rows.len()
    );
    println!(
        "grow-staff: grow_users.csv with {} rows, byte for byte the same through SQL, the API and OneRoster with the PowerSchool columns",
        rows.len()
    );

    // The same export without the extension columns: refused before anything is read.
    let plain = without_powerschool_columns(&one);
    let refused = server.apply(EXE, &job, "plain", &["oneroster", path_str(&plain)]);
    assert_refused(&refused);
}

/// `plan` through every source writes the file (the same through OneRoster with the
/// PowerSchool columns); a OneRoster folder without them is refused and writes nothing.
#[test]
fn plan_through_each_source() {
    let job = grow_staff::job();
    let mut files = Vec::new();
    for sis in ["oracle", "powerschool-api", "oneroster"] {
        let d = vendor_sources::plan(EXE, &job, &[sis]);
        assert_eq!(d.code, Some(0), "{sis}: {}", d.stderr);
        assert!(d.files.contains_key("grow_users.csv"), "{sis}");
        files.push(d);
    }
    assert!(files[2].files["grow_users.csv"] == files[0].files["grow_users.csv"]);
    let plain = without_powerschool_columns(&files[2]);
    let d = vendor_sources::plan(EXE, &job, &["oneroster", path_str(&plain)]);
    assert_refused(&d);
}

/// Exit 2 naming every field the job needs, and nothing written or delivered.
fn assert_refused(d: &Delivery) {
    assert_eq!(d.code, Some(2), "{}", d.stderr);
    for need in grow_staff::sis_needs() {
        assert!(d.stderr.contains(need.field.name()), "{}", d.stderr);
    }
    assert!(
        d.stderr.contains("metadata.powerschool.dcid"),
        "the refusal names the columns: {}",
        d.stderr
    );
    assert!(d.files.is_empty(), "nothing written: {:?}", d.files.keys());
}

/// A copy of the run's demo OneRoster export (`OUT/demo-oneroster`) without the
/// `metadata.powerschool.*` columns, in the run's output folder.
fn without_powerschool_columns(run: &Delivery) -> PathBuf {
    let to = run.out.path().join("plain-oneroster");
    sis_runs::copy_without_powerschool_columns(&run.out.path().join("demo-oneroster"), &to);
    to
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temporary path")
}
