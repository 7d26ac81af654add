//! The real `d118-staff` binary on `--sis oneroster` against the demo: export, apply, and a
//! second plan with nothing to do; the fields OneRoster lacks are named at start.

#[path = "../../../tests/support/sis_runs.rs"]
mod sis_runs;

#[test]
fn plan_and_apply_from_a_oneroster_export_of_the_demo() {
    let notes = sis_runs::account_job_round_trip(env!("CARGO_BIN_EXE_d118-staff"));
    for need in d118_staff::sis_needs() {
        assert!(notes.contains(need.field.name()), "{notes}");
    }
}
