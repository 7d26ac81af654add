//! Runs a district binary as a process against the demo with `--sis` (shared by the
//! district crates' `sis_oneroster` tests through `#[path]`).

// Each district test uses what it needs of these helpers.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

/// Runs `exe ARGS` against the demo district dated 2026-11-24 (300 students) in `out`:
/// (exit code, stdout, stderr).
pub fn run(exe: &str, out: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let run = Command::new(exe)
        .args(args)
        .args(["--today", "2026-11-24", "--demo-students", "300", "--out"])
        .arg(out)
        .arg("--audit-log")
        .arg(out.join("audit.jsonl"))
        .env_remove("RUST_LOG")
        .output()
        .expect("the binary runs");
    (
        run.status.code(),
        String::from_utf8_lossy(&run.stdout).into_owned(),
        String::from_utf8_lossy(&run.stderr).into_owned(),
    )
}

/// An account binary: `plan --demo --sis oneroster` exports the demo and plans from it;
/// `apply` from that folder makes the accounts; a second `plan` from it has nothing to do.
/// Returns the first plan's stderr (the source's notes). `extra` goes on every run.
pub fn account_job_round_trip(exe: &str, extra: &[&str]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path();
    let with = |args: &[&str]| -> Vec<String> {
        args.iter().chain(extra).map(|s| s.to_string()).collect()
    };
    let run = |out: &Path, args: &[&str]| {
        let args = with(args);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(exe, out, &args)
    };
    let (code, _, first) = run(out, &["plan", "--demo", "--sis", "oneroster"]);
    assert_eq!(code, Some(0), "{first}");
    let dir = out.join("demo-oneroster");
    assert!(dir.join("users.csv").is_file(), "the export is written");
    let dir = dir.to_str().unwrap();
    let (code, _, err) = run(out, &["apply", "--demo", "--sis", "oneroster", dir]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("created"), "{err}");
    let (code, json, err) = run(
        out,
        &["plan", "--json", "--demo", "--sis", "oneroster", dir],
    );
    assert_nothing_to_do(code, &json, &err);
    first
}

/// An account binary through `--demo --sis powerschool-api` (the demo's database served by
/// the PowerSchool API emulator from the plugin's queries): `apply` makes the accounts, a
/// second `plan` through the API has nothing to do. Returns the apply's stderr.
pub fn account_job_through_the_api(exe: &str) -> String {
    account_job_through(exe, "powerschool-api")
}

/// An account binary through `--demo --sis SOURCE` (`oracle`: the demo's SQLite through the
/// SQL source; `powerschool-api`): `apply` makes the accounts, a second `plan` through the
/// same source has nothing to do. Returns the apply's stderr.
pub fn account_job_through(exe: &str, source: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path();
    let sis = ["--demo", "--sis", source];
    let (code, _, err) = run(exe, out, &[&["apply"][..], &sis].concat());
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("created"), "{err}");
    if source == "powerschool-api" {
        assert!(
            out.join("demo-powerschool-plugin/plugin.xml").is_file(),
            "the plugin the emulator serves is written"
        );
    }
    let (code, json, err) = run(exe, out, &[&["plan", "--json"][..], &sis].concat());
    assert_nothing_to_do(code, &json, &err);
    err
}

/// `exe doctor --demo --sis SOURCE`: every check passes or is skipped (exit 0); returns
/// its checklist.
pub fn doctor_is_green(exe: &str, source: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let (code, list, err) = run(exe, tmp.path(), &["doctor", "--demo", "--sis", source]);
    assert_eq!(code, Some(0), "{list}{err}");
    assert!(list.contains("ok    SIS query: "), "{list}");
    assert!(!list.lines().any(|l| l.starts_with("FAIL")), "{list}");
    list
}

/// A `plan --json` run that succeeded and plans no write.
fn assert_nothing_to_do(code: Option<i32>, json: &str, err: &str) {
    assert_eq!(code, Some(0), "{err}");
    let changes: Vec<serde_json::Value> = serde_json::from_str(json).unwrap();
    let writes: Vec<_> = changes.iter().filter(|c| c["action"] != "skip").collect();
    assert!(
        writes.is_empty(),
        "a second plan changes nothing: {writes:?}"
    );
}

/// A copy of the OneRoster folder `from` in `to` with the PowerSchool extension columns
/// (`metadata.powerschool.*`) taken out of `users.csv`: OneRoster 1.1 as other SISs write
/// it. The demo's export writes those columns last and no line break inside a value, so
/// each line loses its last cells.
pub fn copy_without_powerschool_columns(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
    let users = std::fs::read_to_string(from.join("users.csv")).unwrap();
    let header: Vec<&str> = users
        .lines()
        .next()
        .unwrap_or_default()
        .split(',')
        .collect();
    let extension = header
        .iter()
        .rev()
        .take_while(|c| c.starts_with("metadata.powerschool."))
        .count();
    assert!(extension > 0, "the export has the columns: {header:?}");
    let stripped: String = users
        .lines()
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            format!("{}\n", cells[..cells.len() - extension].join(","))
        })
        .collect();
    std::fs::write(to.join("users.csv"), stripped).unwrap();
}
