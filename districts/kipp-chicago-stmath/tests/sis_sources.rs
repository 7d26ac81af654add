//! The real `kipp-chicago-stmath` binary, `plan` and `apply`, through each `--sis` source
//! against the demo, delivering to a real OpenSSH sshd on 127.0.0.1 with its host key pinned
//! (a rehearsal server, `roster::vendor_rehearsal`): the SQL source (the demo's SQLite), the
//! PowerSchool API emulator (serving the plugin `kipp-chicago-stmath plugin` writes, web
//! logins included) and a OneRoster export of the demo. The files the server received are
//! compared with the SQL source's: the API's are identical; OneRoster's equal but for the
//! fields it lacks.

#[path = "../../../tests/support/vendor_sources.rs"]
mod vendor_sources;

use roster::sis::powerschool::{SqlBackend, SqliteBackend, Value};
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
    // names them at start). Students whose grade the export writes as `Other` are row
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
        &["position", "access_level"],
    );
    assert!(teachers.only_other.is_empty(), "{teachers:?}");
    assert!(teachers.same_key > 20, "{teachers:?}");
    assert!(teachers.differences.is_empty(), "{teachers:?}");
    // The teachers missing through OneRoster are those who teach no section (the export
    // is a vendor file of the staff who teach), read from the demo's database directly.
    let db = SqliteBackend::open(sql.out.path().join("demo-district.sqlite")).unwrap();
    let teaching = db
        .query(
            "SELECT DISTINCT u.TEACHERNUMBER FROM SECTIONS s
             JOIN SCHOOLSTAFF ss ON ss.ID = s.TEACHER JOIN USERS u ON u.DCID = ss.USERS_DCID",
            &[],
        )
        .unwrap();
    let teaching: Vec<String> = teaching
        .rows
        .iter()
        .map(|r| match &r[0] {
            Value::Text(t) => t.clone(),
            other => other.to_string(),
        })
        .collect();
    assert!(teaching.len() > 20, "{}", teaching.len());
    for t in &teachers.only_sql {
        assert!(
            !teaching.contains(t),
            "{t} teaches but is missing through OneRoster"
        );
    }
    for need in kipp_chicago_stmath::sis_needs() {
        assert!(one.stderr.contains(need.field.name()), "{}", one.stderr);
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
