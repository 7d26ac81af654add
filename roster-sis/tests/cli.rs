//! The `roster-sis` binary: build a demo district, then load it.

use std::process::Command;

#[test]
fn demo_db_then_load() {
    let out = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-demo.sqlite");
    let bin = env!("CARGO_BIN_EXE_roster-sis");
    let generated = Command::new(bin)
        .args([
            "demo-db",
            "--students",
            "120",
            "--seed",
            "5",
            "--today",
            "2026-11-24",
            "--domain",
            "cli.example",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        generated.status.success(),
        "{}",
        String::from_utf8_lossy(&generated.stderr)
    );
    let text = String::from_utf8_lossy(&generated.stdout);
    assert!(text.contains("120 students"), "{text}");

    let load = Command::new(bin)
        .args([
            "load",
            "--today",
            "2026-11-24",
            "--scope",
            "131",
            "--errors",
            "--db",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        load.status.success(),
        "{}",
        String::from_utf8_lossy(&load.stderr)
    );
    let text = String::from_utf8_lossy(&load.stdout);
    assert!(text.contains("1 schools"), "{text}");
    assert!(text.contains("(0 row errors)"), "{text}");

    let bad = Command::new(bin)
        .args(["load", "--scope", "everywhere", "--db"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--scope must be"));
}

#[test]
fn oracle_load_reads_the_environment_and_never_prints_the_password() {
    let bin = env!("CARGO_BIN_EXE_roster-sis");
    let password = "Pw-from-env-0118-secret";
    let missing = Command::new(bin)
        .args(["load", "--oracle"])
        .env_remove("POWERSCHOOL_READ_USER")
        .env_remove("POWERSCHOOL_DB_PASSWORD")
        .env_remove("POWERSCHOOL_PROD_DB")
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("POWERSCHOOL_READ_USER is not set"));

    let run = Command::new(bin)
        .args(["load", "--oracle", "--scope", "state"])
        .env("POWERSCHOOL_READ_USER", "psnavigator")
        .env("POWERSCHOOL_DB_PASSWORD", password)
        .env("POWERSCHOOL_PROD_DB", "127.0.0.1:9/PSPRODDB")
        .env("RUST_LOG", "trace")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2), "no database here");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(!all.contains(password), "{all}");
    assert!(all.contains("cannot connect to the SIS"), "{all}");
    assert!(
        all.contains("DPI-1047") || all.contains("cannot connect to PowerSchool"),
        "{all}"
    );
}
