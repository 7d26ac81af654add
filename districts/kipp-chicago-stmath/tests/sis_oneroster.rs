//! The real `kipp-chicago-stmath` binary on `--sis oneroster` against the demo: the files
//! are written from the export, and the fields it lacks are named at start.

#[path = "../../../tests/support/sis_runs.rs"]
mod sis_runs;

#[test]
fn plan_from_a_oneroster_export_of_the_demo_names_what_it_lacks() {
    let tmp = tempfile::tempdir().unwrap();
    let exe = env!("CARGO_BIN_EXE_kipp-chicago-stmath");
    let (code, _, err) = sis_runs::run(exe, tmp.path(), &["plan", "--demo", "--sis", "oneroster"]);
    assert_eq!(code, Some(0), "{err}");
    // Named: what no OneRoster column carries (the web logins); PTACCESS comes through the
    // export's `metadata.powerschool.ptaccess` column.
    for need in kipp_chicago_stmath::sis_needs() {
        let lacked = need.field.extension_columns().is_empty();
        assert_eq!(err.contains(need.field.name()), lacked, "{err}");
    }
    let students =
        std::fs::read_to_string(tmp.path().join("kipp-chicago-stmath/students.csv")).unwrap();
    assert!(students.lines().count() > 1, "{students}");
    // `apply --demo` is refused for vendor jobs (the demo has no vendor server).
    let dir = tmp.path().join("demo-oneroster");
    let (code, _, err) = sis_runs::run(
        exe,
        tmp.path(),
        &[
            "apply",
            "--demo",
            "--sis",
            "oneroster",
            dir.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(2), "{err}");
}

/// `doctor --demo --sis powerschool-api` is all green: the SIS read through the API emulator
/// serving the district's plugin.
#[test]
fn doctor_through_the_powerschool_api_is_green() {
    sis_runs::doctor_is_green(env!("CARGO_BIN_EXE_kipp-chicago-stmath"), "powerschool-api");
}
