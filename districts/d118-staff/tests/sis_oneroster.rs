//! The real `d118-staff` binary on `--sis oneroster` against the demo: export, apply, and a
//! second plan with nothing to do; the fields OneRoster lacks are named at start.

#[path = "../../../tests/support/sis_runs.rs"]
mod sis_runs;

/// A OneRoster export carries teachers only, so the district office (school 0: staff, no
/// teachers) reads empty and the safety valve stops the run, naming it; `--force` (after
/// looking) goes on, as it would for a district that moved its staff sync to OneRoster.
#[test]
fn plan_and_apply_from_a_oneroster_export_of_the_demo() {
    let exe = env!("CARGO_BIN_EXE_d118-staff");
    let tmp = tempfile::tempdir().unwrap();
    let (code, out, err) =
        sis_runs::run(exe, tmp.path(), &["plan", "--demo", "--sis", "oneroster"]);
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(
        (out.clone() + &err).contains("no people for school 0"),
        "{out}{err}"
    );
    let notes = sis_runs::account_job_round_trip(exe, &["--force"]);
    for need in d118_staff::sis_needs() {
        assert!(notes.contains(need.field.name()), "{notes}");
    }
}

/// The same job through PowerSchool's API (issue 17): apply, then an empty plan.
#[test]
fn apply_and_plan_through_the_powerschool_api_emulator() {
    sis_runs::account_job_through_the_api(env!("CARGO_BIN_EXE_d118-staff"));
}

/// The same job through the SQL source (`--sis oracle`, the demo's SQLite): apply, then an
/// empty plan, so the binary runs `plan` and `apply` through each of the three sources.
#[test]
fn apply_and_plan_through_the_sql_source() {
    sis_runs::account_job_through(env!("CARGO_BIN_EXE_d118-staff"), "oracle");
}

/// `doctor --demo --sis powerschool-api` is all green: the SIS read through the API emulator
/// serving the district's plugin.
#[test]
fn doctor_through_the_powerschool_api_is_green() {
    sis_runs::doctor_is_green(env!("CARGO_BIN_EXE_d118-staff"), "powerschool-api");
}
