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
            "310",
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
