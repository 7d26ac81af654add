//! The real `d118-staff` binary on `--sis oneroster` against the demo: export, apply, and a
//! second plan with nothing to do; the fields a OneRoster folder lacks are named at start.

#[path = "../../../tests/support/sis_runs.rs"]
mod sis_runs;

/// The demo's export lists every active staff member with PowerSchool's fields as extension
/// columns: plan, apply and an empty second plan, with nothing to say about the source.
#[test]
fn plan_and_apply_from_a_oneroster_export_of_the_demo() {
    let exe = env!("CARGO_BIN_EXE_d118-staff");
    let notes = sis_runs::account_job_round_trip(exe, &[]);
    for need in d118_staff::sis_needs() {
        assert!(!notes.contains(need.field.name()), "{notes}");
    }
}

/// The same export without the `metadata.powerschool.*` columns (OneRoster as other SISs
/// write it): the job runs and names each field it does without.
#[test]
fn a_oneroster_folder_without_the_powerschool_columns_names_what_it_lacks() {
    let exe = env!("CARGO_BIN_EXE_d118-staff");
    let tmp = tempfile::tempdir().unwrap();
    let (code, out, err) =
        sis_runs::run(exe, tmp.path(), &["plan", "--demo", "--sis", "oneroster"]);
    assert_eq!(code, Some(0), "{out}{err}");
    let plain = tmp.path().join("plain");
    sis_runs::copy_without_powerschool_columns(&tmp.path().join("demo-oneroster"), &plain);
    let (code, out, err) = sis_runs::run(
        exe,
        tmp.path(),
        &[
            "plan",
            "--demo",
            "--sis",
            "oneroster",
            plain.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(0), "{out}{err}");
    for need in d118_staff::sis_needs() {
        assert!(err.contains(need.field.name()), "{err}");
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
