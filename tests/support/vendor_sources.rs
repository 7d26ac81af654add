//! A vendor district binary's `apply --demo --sis SOURCE` delivered to a real OpenSSH sshd
//! on 127.0.0.1 (a rehearsal server: `<PREFIX>_HOST`, `_PORT`, `_DIR`, `_FINGERPRINT`, the
//! login from the job's user and password variables), and the files as the server received
//! them. Shared by the vendor district crates' `sis_sources` tests through `#[path]`.

// Each district test uses what it needs of these helpers.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use roster::VendorJob;
use roster::sftp::testing::{Sshd, TestUser};

/// Students in the demo district of these runs: a normal day, above every vendor
/// district's minimum rows.
pub const STUDENTS: &str = "600";

/// A rehearsal SFTP server and a password login on it.
pub struct Rehearsal {
    pub sshd: Sshd,
    user: TestUser,
}

/// One run: its exit code, stderr, the files the server holds afterwards (or, for a plan,
/// the files written), and its output folder (the demo's database is
/// `demo-district.sqlite` there).
pub struct Delivery {
    pub code: Option<i32>,
    pub stderr: String,
    pub files: BTreeMap<String, Vec<u8>>,
    pub out: tempfile::TempDir,
}

impl Rehearsal {
    pub fn start() -> Rehearsal {
        Rehearsal {
            sshd: Sshd::start(),
            user: TestUser::create(),
        }
    }

    /// `exe apply --demo --sis SIS` in a fresh output folder, to a fresh inbox `name`.
    pub fn apply(&self, exe: &str, job: &VendorJob, name: &str, sis: &[&str]) -> Delivery {
        let out = tempfile::tempdir().unwrap();
        let inbox = self.sshd.make_dir(name);
        let s = job.sftp.as_ref().expect("a vendor job with SFTP");
        let p = &s.env_prefix;
        let run = demo_run(exe, "apply", sis, out.path())
            .env(format!("{p}_HOST"), "127.0.0.1")
            .env(format!("{p}_PORT"), self.sshd.port().to_string())
            .env(format!("{p}_DIR"), &inbox)
            .env(format!("{p}_FINGERPRINT"), self.sshd.fingerprint())
            .env(&s.user_env, self.user.name())
            .env(&s.password_env, self.user.password())
            .output()
            .expect("the binary runs");
        Delivery {
            code: run.status.code(),
            stderr: String::from_utf8_lossy(&run.stderr).into_owned(),
            files: files_in(&inbox),
            out,
        }
    }
}

/// `exe plan --demo --sis SIS` in a fresh output folder: exit code, stderr, and the files
/// written under `OUT/<job>/` (none are sent).
pub fn plan(exe: &str, job: &VendorJob, sis: &[&str]) -> Delivery {
    let out = tempfile::tempdir().unwrap();
    let run = demo_run(exe, "plan", sis, out.path())
        .output()
        .expect("the binary runs");
    let dir = out.path().join(&job.name);
    Delivery {
        code: run.status.code(),
        stderr: String::from_utf8_lossy(&run.stderr).into_owned(),
        files: if dir.is_dir() {
            files_in(&dir)
        } else {
            BTreeMap::new()
        },
        out,
    }
}

/// `exe MODE --demo --sis SIS` on the demo of [`STUDENTS`] students dated 2026-11-24, in `out`.
fn demo_run(exe: &str, mode: &str, sis: &[&str], out: &Path) -> Command {
    let mut cmd = Command::new(exe);
    cmd.args([mode, "--demo", "--sis"])
        .args(sis)
        .args([
            "--today",
            "2026-11-24",
            "--demo-students",
            STUDENTS,
            "--out",
        ])
        .arg(out)
        .arg("--audit-log")
        .arg(out.join("audit.jsonl"))
        .env_remove("RUST_LOG");
    cmd
}

fn files_in(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

/// A CSV file's header and rows.
pub fn csv_rows(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(bytes);
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// What a comparison of one file found: the rows only the SQL source's file has (by key),
/// the rows only the other has, how many rows were compared, and every other value that
/// differs: `(key, column, SQL's value, the other's)`.
#[derive(Debug)]
pub struct Compared {
    pub only_sql: BTreeSet<String>,
    pub only_other: BTreeSet<String>,
    pub same_key: usize,
    pub differences: Vec<(String, String, String, String)>,
}

/// Compares `other` with `sql` row by row (rows matched on `key`): the columns `differ`
/// must be blank in `other` (what the source lacks); other values that differ are listed.
/// The same header.
pub fn compare(sql: &[u8], other: &[u8], key: &str, differ: &[&str]) -> Compared {
    let (h1, r1) = csv_rows(sql);
    let (h2, r2) = csv_rows(other);
    assert_eq!(h1, h2, "the same columns");
    let k = h1.iter().position(|c| c == key).expect("the key column");
    let by_key = |rows: Vec<Vec<String>>| -> BTreeMap<String, Vec<String>> {
        rows.into_iter().map(|r| (r[k].clone(), r)).collect()
    };
    let (a, b) = (by_key(r1), by_key(r2));
    let mut same_key = 0;
    let mut differences = Vec::new();
    for (id, ra) in &a {
        let Some(rb) = b.get(id) else { continue };
        same_key += 1;
        for (i, col) in h1.iter().enumerate() {
            if differ.contains(&col.as_str()) {
                assert_eq!(rb[i], "", "{key}={id}: {col} is blank without the field");
            } else if ra[i] != rb[i] {
                differences.push((id.clone(), col.clone(), ra[i].clone(), rb[i].clone()));
            }
        }
    }
    Compared {
        only_sql: a.keys().filter(|k| !b.contains_key(*k)).cloned().collect(),
        only_other: b.keys().filter(|k| !a.contains_key(*k)).cloned().collect(),
        same_key,
        differences,
    }
}
