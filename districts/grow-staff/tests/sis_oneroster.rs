//! The real `grow-staff` binary through `--sis oneroster`: the demo's export carries the
//! PowerSchool extension columns, so the job runs; a file without them is refused (exit 2,
//! each field named, nothing written): `sis_sources.rs`.

#[path = "../../../tests/support/sis_runs.rs"]
mod sis_runs;

#[test]
fn the_demo_export_with_the_powerschool_columns_runs_without_notes() {
    let tmp = tempfile::tempdir().unwrap();
    let exe = env!("CARGO_BIN_EXE_grow-staff");
    let (code, _, err) = sis_runs::run(exe, tmp.path(), &["plan", "--demo", "--sis", "oneroster"]);
    assert_eq!(code, Some(0), "{err}");
    for need in grow_staff::sis_needs() {
        assert!(!err.contains(need.field.name()), "{err}");
    }
    assert!(tmp.path().join("grow-staff/grow_users.csv").exists());
}

/// `doctor --demo --sis powerschool-api` is all green: the SIS read through the API emulator
/// serving the district's plugin.
#[test]
fn doctor_through_the_powerschool_api_is_green() {
    sis_runs::doctor_is_green(env!("CARGO_BIN_EXE_grow-staff"), "powerschool-api");
}
