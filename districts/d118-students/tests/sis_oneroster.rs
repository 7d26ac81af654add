//! The real `d118-students` binary on `--sis oneroster` against the demo: export, apply, and a
//! second plan with nothing to do; the fields OneRoster lacks are named at start.

#[path = "../../../tests/support/sis_runs.rs"]
mod sis_runs;

#[test]
fn plan_and_apply_from_a_oneroster_export_of_the_demo() {
    let notes = sis_runs::account_job_round_trip(env!("CARGO_BIN_EXE_d118-students"), &[]);
    for need in d118_students::sis_needs() {
        assert!(notes.contains(need.field.name()), "{notes}");
    }
}

/// The same job through PowerSchool's API (issue 17): apply, then an empty plan.
#[test]
fn apply_and_plan_through_the_powerschool_api_emulator() {
    sis_runs::account_job_through_the_api(env!("CARGO_BIN_EXE_d118-students"));
}

/// The same job through the SQL source (`--sis oracle`, the demo's SQLite): apply, then an
/// empty plan, so the binary runs `plan` and `apply` through each of the three sources.
#[test]
fn apply_and_plan_through_the_sql_source() {
    sis_runs::account_job_through(env!("CARGO_BIN_EXE_d118-students"), "oracle");
}

/// `doctor --demo --sis powerschool-api` is all green: the SIS read through the API emulator
/// serving the district's plugin.
#[test]
fn doctor_through_the_powerschool_api_is_green() {
    sis_runs::doctor_is_green(env!("CARGO_BIN_EXE_d118-students"), "powerschool-api");
}
