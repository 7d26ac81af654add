//! The real `kipp-chicago-stmath` binary, `plan` and `apply`, through each `--sis` source
//! against the demo, delivering to a real OpenSSH sshd on 127.0.0.1 with its host key pinned
//! (a rehearsal server, `roster::vendor_rehearsal`): the SQL source (the demo's SQLite), the
//! PowerSchool API emulator (serving the plugin `kipp-chicago-stmath plugin` writes, web
//! logins included) and a OneRoster export of the demo (with the PowerSchool extension
//! columns, `metadata.powerschool.*`). The files the server received are compared with the
//! SQL source's: the API's are identical; OneRoster's equal but for the fields it lacks (the
//! web logins). The `OneRoster.zip` sent to ST Math never carries the extension columns.

#[path = "../../../tests/support/vendor_sources.rs"]
mod vendor_sources;

use vendor_sources::{Rehearsal, compare};

const EXE: &str = env!("CARGO_BIN_EXE_kipp-chicago-stmath");

#[test]
fn apply_through_each_source_delivers_the_same_rows_but_what_oneroster_lacks() {
    let job = kipp_chicago_stmath::job();
    let server = Rehearsal::start();
    let started = std::time::Instant::now();
    let sql = server.apply(EXE, &job, "sql", &["oracle"]);
    let api = server.apply(EXE, &job, "api", &["powerschool-api"]);
    let one = server.apply(EXE, &job, "oneroster", &["oneroster"]);
    for (name, d) in [("sql", &sql), ("api", &api), ("oneroster", &one)] {
        assert_eq!(d.code, Some(0), "{name}: {}", d.stderr);
        let names: Vec<&str> = d.files.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            ["OneRoster.zip", "students.csv", "teachers.csv"],
            "{name}: delivered"
        );
    }
    assert!(server.sshd.log().contains("Accepted password"));

    // Through the API: the very same files, web logins and PTACCESS included.
    for file in ["students.csv", "teachers.csv"] {
        assert!(
            api.files[file] == sql.files[file],
            "{file} differs through the API"
        );
    }
    let logins = compare(
        &sql.files["students.csv"],
        &api.files["students.csv"],
        "student_id",
        &[],
    );
    assert!(logins.same_key > 200 && logins.only_sql.is_empty() && logins.only_other.is_empty());
    assert!(logins.differences.is_empty());

    // Through OneRoster: the same rows, with the fields OneRoster 1.1 lacks blank (the job
    // names them at start; PTACCESS comes through `metadata.powerschool.ptaccess`). Students whose grade the export writes as `Other` are row
    // errors of the OneRoster read and missing from its file; no row is added.
    let lacks = ["student_username", "student_password"];
    let students = compare(
        &sql.files["students.csv"],
        &one.files["students.csv"],
        "student_id",
        &lacks,
    );
    assert!(students.only_other.is_empty(), "{students:?}");
    assert!(students.only_sql.len() <= 3, "{students:?}");
    assert!(students.same_key > 200, "{students:?}");
    // Pre-K: OneRoster's `PK` stands for PowerSchool's -2 and -1 and reads back as -1.
    let pre_k = students.differences.len();
    for (id, col, sql, one) in &students.differences {
        assert_eq!(
            (col.as_str(), sql.as_str(), one.as_str()),
            ("grade", "'-2", "'-1"),
            "{id}"
        );
    }
    let teachers = compare(
        &sql.files["teachers.csv"],
        &one.files["teachers.csv"],
        "district_teacher_id",
        &[],
    );
    assert!(teachers.only_other.is_empty(), "{teachers:?}");
    assert!(teachers.same_key > 20, "{teachers:?}");
    assert!(teachers.differences.is_empty(), "{teachers:?}");
    // The demo's export lists every active staff member: no teacher is missing.
    assert!(teachers.only_sql.is_empty(), "{teachers:?}");
    // The job names what the export lacks (the web logins), not what its columns carry.
    for need in kipp_chicago_stmath::sis_needs() {
        let lacked = need.field.extension_columns().is_empty();
        assert_eq!(
            one.stderr.contains(need.field.name()),
            lacked,
            "{:?}: {}",
            need.field,
            one.stderr
        );
    }
    // The zip sent to ST Math has OneRoster's own columns only, whatever the source.
    for (name, d) in [("sql", &sql), ("oneroster", &one)] {
        let zip = d.out.path().join("delivered-OneRoster.zip");
        std::fs::write(&zip, &d.files["OneRoster.zip"]).unwrap();
        let columns = roster::sis::oneroster::OneRosterSource::new(&zip)
            .powerschool_columns()
            .unwrap();
        assert!(columns.is_empty(), "{name}: {columns:?} sent to ST Math");
    }
    println!(
        "kipp-chicago-stmath: 3 applies to sshd in {:.1?}; students {} rows compared ({} only in SQL, {pre_k} Pre-K grade -2 read as -1), teachers {} equal rows ({} only in SQL)",
        started.elapsed(),
        students.same_key,
        students.only_sql.len(),
        teachers.same_key,
        teachers.only_sql.len()
    );
}

/// `plan` through each source writes the three files and sends nothing.
#[test]
fn plan_through_each_source_writes_the_files() {
    let job = kipp_chicago_stmath::job();
    for sis in [&["oracle"][..], &["powerschool-api"], &["oneroster"]] {
        let d = vendor_sources::plan(EXE, &job, sis);
        assert_eq!(d.code, Some(0), "{sis:?}: {}", d.stderr);
        for f in ["OneRoster.zip", "students.csv", "teachers.csv"] {
            assert!(
                d.files.contains_key(f),
                "{sis:?}: {f}: {:?}",
                d.files.keys()
            );
        }
    }
}

/// A `--demo apply` names no rehearsal server: refused as before (exit 2, nothing built);
/// one that names a server off this machine is refused too (demo rows never reach a vendor).
#[test]
fn demo_apply_without_a_loopback_rehearsal_server_is_refused() {
    for host in [None, Some("sftp.stmath.com")] {
        let out = tempfile::tempdir().unwrap();
        let mut cmd = std::process::Command::new(EXE);
        cmd.args(["apply", "--demo", "--out"]).arg(out.path());
        cmd.env(
            "STMATH_SFTP_FINGERPRINT",
            "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        );
        if let Some(h) = host {
            cmd.env("STMATH_SFTP_HOST", h);
        }
        let run = cmd.output().unwrap();
        let err = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{host:?}: {err}");
        assert!(err.contains("rehearsal server"), "{err}");
        assert!(!out.path().join("kipp-chicago-stmath").exists());
    }
}
