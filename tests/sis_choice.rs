//! `--sis`: each source's settings and each bad OneRoster input stop the run before anything
//! is written, with a located message and exit 2; a bad row is a located row error and the
//! other rows load. The D118 student job against the demo's Directory emulator.

use std::io::Write;
use std::path::Path;

use clap::Parser;
use roster::core::report::{ExitCode, RunReport};
use roster::{Cli, accounts_cli};

async fn run(out: &Path, args: &[&str]) -> RunReport {
    let out_s = out.to_str().unwrap();
    let audit = out.join("audit.jsonl");
    let mut argv = vec![
        "d118-students",
        "--today",
        "2026-11-24",
        "--demo-students",
        "300",
        "--out",
        out_s,
        "--audit-log",
        audit.to_str().unwrap(),
        "--json",
    ];
    argv.extend_from_slice(args);
    let cli = Cli::parse_from(argv);
    let mut sink = Vec::new();
    accounts_cli(
        &d118_students::job(),
        &d118_students::site(),
        &cli,
        &mut sink,
    )
    .await
}

/// Why `MODE --demo --sis oneroster PATH` stopped (it must stop).
async fn refused_on(out: &Path, mode: &str, path: &Path) -> String {
    let path = path.to_str().unwrap();
    aborted(&run(out, &[mode, "--demo", "--sis", "oneroster", path]).await)
}

fn aborted(r: &RunReport) -> String {
    assert_eq!(r.exit_code(), ExitCode::Aborted, "{}", r.summary());
    r.aborted.clone().unwrap()
}

/// A OneRoster export of the demo district in `out/demo-oneroster` (the `--demo --sis
/// oneroster` path), copied to a fresh folder the test may break.
async fn exported(out: &Path) -> std::path::PathBuf {
    let r = run(out, &["plan", "--demo", "--sis", "oneroster"]).await;
    assert_eq!(r.exit_code(), ExitCode::Ok, "{}", r.summary());
    out.join(roster::sis_choice::DEMO_EXPORT_DIR)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

fn zip_dir(from: &Path, zip: &Path, leave_out: &str) {
    let mut w = zip::ZipWriter::new(std::fs::File::create(zip).unwrap());
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().into_string().unwrap();
        if name != leave_out {
            w.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(&std::fs::read(e.path()).unwrap()).unwrap();
        }
    }
    w.finish().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_oneroster_inputs_stop_the_run_with_a_located_error() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let export = exported(&out).await;
    let directory_before = std::fs::read(out.join("demo-directory.json")).unwrap();

    // A DIR that does not exist.
    let missing = tmp.path().join("nowhere");
    let why = refused_on(&out, "plan", &missing).await;
    assert!(
        why.contains("nowhere") && why.contains("does not exist"),
        "{why}"
    );

    // An empty folder: the first file read is named.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let why = refused_on(&out, "plan", &empty).await;
    assert!(why.contains("empty/orgs.csv"), "{why}");

    // A zip without users.csv.
    let zip = tmp.path().join("partial.zip");
    zip_dir(&export, &zip, "users.csv");
    let why = refused_on(&out, "apply", &zip).await;
    assert!(
        why.contains("partial.zip:users.csv") && why.contains("is not in the zip"),
        "{why}"
    );

    // A malformed header: users.csv without its familyName column.
    let bad = tmp.path().join("bad-header");
    copy_dir(&export, &bad);
    let users = std::fs::read_to_string(bad.join("users.csv")).unwrap();
    std::fs::write(
        bad.join("users.csv"),
        users.replacen("familyName", "family name", 1),
    )
    .unwrap();
    let why = refused_on(&out, "apply", &bad).await;
    assert!(
        why.contains("users.csv") && why.contains("missing column familyName"),
        "{why}"
    );

    // Nothing above wrote to the directory.
    assert_eq!(
        std::fs::read(out.join("demo-directory.json")).unwrap(),
        directory_before
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_with_a_control_character_is_a_located_row_error_and_the_rest_load() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let export = exported(&out).await;
    let dir = tmp.path().join("ctl");
    copy_dir(&export, &dir);
    let users = std::fs::read_to_string(dir.join("users.csv")).unwrap();
    let mut lines: Vec<String> = users.lines().map(str::to_string).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let given = header
        .iter()
        .position(|h| h.trim_start_matches('\u{feff}') == "givenName")
        .unwrap();
    let row = lines
        .iter()
        .position(|l| l.contains(",student,"))
        .expect("a student row");
    let mut cells: Vec<String> = lines[row].split(',').map(str::to_string).collect();
    cells[given] = "Ma\u{7}ria".into();
    lines[row] = cells.join(",");
    std::fs::write(dir.join("users.csv"), lines.join("\n") + "\n").unwrap();

    let clean = run(
        &out,
        &[
            "plan",
            "--demo",
            "--sis",
            "oneroster",
            export.to_str().unwrap(),
        ],
    )
    .await;
    let r = run(
        &out,
        &[
            "plan",
            "--demo",
            "--sis",
            "oneroster",
            dir.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(r.exit_code(), ExitCode::Ok, "{}", r.summary());
    let at = format!("users.csv line {}", row + 1);
    let e = r
        .row_errors
        .iter()
        .find(|e| e.source_row == at)
        .unwrap_or_else(|| panic!("no row error at {at}: {:?}", r.row_errors));
    assert_eq!(e.field, "givenName");
    assert_eq!(
        r.people_read + 1,
        clean.people_read,
        "only that row is left out"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_source_names_the_setting_it_misses() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    // SAFETY-free: this test binary's other tests read no PowerSchool variable.
    for (args, variable) in [
        (vec!["plan", "--sis", "oracle"], "POWERSCHOOL_READ_USER"),
        (vec!["plan"], "POWERSCHOOL_READ_USER"),
        (
            vec!["plan", "--sis", "powerschool-api"],
            "POWERSCHOOL_API_URL",
        ),
    ] {
        let cli = Cli::parse_from(
            ["d118-students", "--out", out.to_str().unwrap()]
                .into_iter()
                .chain(args.iter().copied()),
        );
        let why = roster::sis_choice::open(&cli.opts.sis_choice().unwrap(), &d118_students::site())
            .await
            .err()
            .expect("refused")
            .to_string();
        assert!(why.contains(variable), "{args:?}: {why}");
    }
    // A bad --sis value and a DIR after a source that takes none.
    let why = aborted(&run(&out, &["plan", "--sis", "banner"]).await);
    assert!(
        why.contains("\"banner\"") && why.contains("oneroster DIR"),
        "{why}"
    );
    let why = aborted(&run(&out, &["--sis", "oracle", "plan"]).await);
    assert!(why.contains("takes no DIR"), "{why}");
    let why = aborted(&run(&out, &["plan", "--sis", "oneroster"]).await);
    assert!(why.contains("needs DIR"), "{why}");
}

/// `grow-staff MODE --demo --sis ARGS...` in `out`.
async fn grow(out: &Path, sis: &[&str]) -> RunReport {
    let mut argv = vec![
        "grow-staff",
        "--out",
        out.to_str().unwrap(),
        "plan",
        "--demo",
        "--sis",
    ];
    argv.extend_from_slice(sis);
    let cli = Cli::parse_from(argv);
    let mut sink = Vec::new();
    roster::vendor_cli_requiring(
        &grow_staff::job(),
        &grow_staff::site(),
        &grow_staff::unset(),
        &cli,
        &mut sink,
    )
    .await
}

/// The field check reads the OneRoster file's header: the demo's export carries the
/// PowerSchool extension columns and runs; the same folder without them is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grow_refuses_a_source_without_the_fields_its_file_needs() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let r = grow(&out, &["oneroster"]).await;
    assert_eq!(r.exit_code(), ExitCode::Ok, "{}", r.summary());
    assert!(out.join("grow-staff/grow_users.csv").exists());

    // users.csv without its metadata.* columns.
    let plain = tmp.path().join("plain");
    copy_dir(&out.join(roster::sis_choice::DEMO_EXPORT_DIR), &plain);
    let users = std::fs::read_to_string(plain.join("users.csv")).unwrap();
    let stripped: String = users
        .lines()
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            let kept = cells.len() - roster::core::oneroster_extension::ALL.len();
            format!("{}\n", cells[..kept].join(","))
        })
        .collect();
    assert!(
        users
            .lines()
            .next()
            .unwrap()
            .contains("metadata.powerschool.dcid")
    );
    assert!(!stripped.contains("metadata."));
    std::fs::write(plain.join("users.csv"), stripped).unwrap();

    let out2 = tmp.path().join("out2");
    let why = aborted(&grow(&out2, &["oneroster", plain.to_str().unwrap()]).await);
    assert!(
        why.contains("USERS.GROUPVALUE") && why.contains("USERS.DCID"),
        "{why}"
    );
    assert!(!out2.join("grow-staff").exists(), "no file written");
}
