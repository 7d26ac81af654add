//! `doctor`: one test per check, each catching its misconfiguration against real parts (the
//! Directory emulator over HTTP, the demo's SQLite, a real sshd), and an all-green `--demo`
//! run with its checklist's text.

#[path = "support/reliability.rs"]
mod support;

use std::path::Path;

use roster::core::Secret;
use roster::core::probe::{Check, Verdict};
use roster::demo::demo_schemas;
use roster::doctor::google::{Credentials, Google};
use roster::doctor::{self, Checklist};
use roster::google::ClientConfig;
use roster::google::auth::DEFAULT_SCOPES;
use roster::google_emulator::{Emulator, EmulatorConfig, RunningEmulator, test_keys};
use roster::sftp::testing::{Sshd, TestUser, fingerprint_of};
use serde_json::json;

fn no_env(_: &str) -> Option<String> {
    None
}

fn find<'a>(checks: &'a [Check], name: &str) -> &'a Verdict {
    &checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no check {name:?} in {checks:#?}"))
        .verdict
}

fn failed_with<'a>(checks: &'a [Check], name: &str) -> (&'a str, &'a str) {
    match find(checks, name) {
        Verdict::Fail { why, fix } => (why, fix),
        other => panic!("{name} did not fail: {other:?}"),
    }
}

fn is_ok(checks: &[Check], name: &str) -> bool {
    matches!(find(checks, name), Verdict::Ok(_))
}

fn is_skipped(checks: &[Check], name: &str) -> bool {
    matches!(find(checks, name), Verdict::Skipped(_))
}

// ----- the whole run ------------------------------------------------------------------------

async fn demo_doctor(dir: &Path, args: &[&str]) -> (roster::core::RunReport, String) {
    let cli = support::cli(dir, args);
    let mut out = Vec::new();
    let report = roster::accounts_cli(
        &d118_students::job(),
        &d118_students::site(),
        &cli,
        &mut out,
    )
    .await;
    (report, String::from_utf8(out).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demo_doctor_passes_every_check_and_prints_its_checklist() {
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let (report, text) = demo_doctor(dir.path(), &["doctor", "--demo"]).await;
    assert_eq!(report.exit_code(), roster::core::ExitCode::Ok, "{text}");
    assert_eq!(report.mode, "doctor");
    // Nothing was written next to the audit log: no log, no lock, no leftover probe file.
    assert!(!audit.exists());
    let left: Vec<_> = listing(dir.path())
        .into_iter()
        .filter(|n| !n.starts_with("demo-district"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let text = text.replace(dir.path().to_str().unwrap(), "[DIR]");
    insta::assert_snapshot!("doctor_demo_d118_students", text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_doctor_of_every_district_passes() {
    let dir = tempfile::tempdir().unwrap();
    let cli = support::cli(dir.path(), &["doctor", "--demo"]);
    let mut out = Vec::new();
    let staff = roster::accounts_cli(&d118_staff::job(), &d118_staff::site(), &cli, &mut out).await;
    assert_eq!(staff.exit_code(), roster::core::ExitCode::Ok);
    for (job, site, unset) in [
        (
            kipp_chicago_stmath::job(),
            kipp_chicago_stmath::site(),
            kipp_chicago_stmath::unset(),
        ),
        (grow_staff::job(), grow_staff::site(), grow_staff::unset()),
    ] {
        let r = roster::vendor_cli_requiring(&job, &site, &unset, &cli, &mut out).await;
        assert_eq!(
            r.exit_code(),
            roster::core::ExitCode::Ok,
            "{}",
            String::from_utf8_lossy(&out)
        );
    }
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("SIS query: classes"), "{text}");
    assert!(text.contains("skip  SFTP login"), "{text}");
    println!("{text}");
}

// ----- SIS ------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_sis_table_fails_the_sis_check_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let (first, _) = demo_doctor(dir.path(), &["doctor", "--demo"]).await;
    assert_eq!(first.exit_code(), roster::core::ExitCode::Ok);
    let db = rusqlite::Connection::open(dir.path().join("demo-district.sqlite")).unwrap();
    db.execute_batch("DROP TABLE STUDENTS").unwrap();
    drop(db);
    let (report, text) = demo_doctor(dir.path(), &["doctor", "--demo"]).await;
    assert_eq!(
        report.exit_code(),
        roster::core::ExitCode::Aborted,
        "{text}"
    );
    assert!(text.contains("FAIL  SIS tables"), "{text}");
    assert!(text.contains("STUDENTS"), "{text}");
    assert!(text.contains("skip  SIS queries"), "{text}");
    assert!(
        text.contains("fix: grant the SIS read account SELECT"),
        "{text}"
    );
}

#[tokio::test]
async fn no_instant_client_fails_before_any_connection() {
    let empty = tempfile::tempdir().unwrap();
    let lib_path = empty.path().to_str().unwrap().to_string();
    let env = |k: &str| match k {
        "LD_LIBRARY_PATH" | "PATH" | "DYLD_LIBRARY_PATH" => Some(lib_path.clone()),
        "POWERSCHOOL_READ_USER" => Some("psnavigator".into()),
        "POWERSCHOOL_DB_PASSWORD" => Some("not-a-real-password".into()),
        "POWERSCHOOL_PROD_DB" => Some("127.0.0.1:1/PSPRODDB".into()),
        _ => None,
    };
    let needs = doctor::sis::needs_of_accounts(&d118_students::job());
    if roster::sis::powerschool::instant_client::find(&env).is_ok() {
        // This machine has Instant Client installed system-wide: the absent case is the
        // unit test's (`instant_client::tests`); check the found case instead.
        let checks = doctor::sis::production(&d118_students::site(), &needs, &env).await;
        assert!(is_ok(&checks, "Oracle Instant Client"));
        return;
    }
    let checks = doctor::sis::production(&d118_students::site(), &needs, &env).await;
    let (why, fix) = failed_with(&checks, "Oracle Instant Client");
    assert!(
        why.contains("libclntsh") || why.contains("oci.dll"),
        "{why}"
    );
    assert!(fix.contains("Instant Client"), "{fix}");
    assert!(is_skipped(&checks, "SIS connection"));
    assert!(is_ok(&checks, "SIS settings"));
    assert!(!format!("{checks:?}").contains("not-a-real-password"));
    // With the library where LD_LIBRARY_PATH says, the check passes (found, not loaded).
    std::fs::write(
        empty.path().join(format!(
            "{}.23.1",
            roster::sis::powerschool::instant_client::LIBRARY
        )),
        b"",
    )
    .unwrap();
    assert!(matches!(
        doctor::sis::instant_client_check(&env).verdict,
        Verdict::Ok(_)
    ));
}

#[tokio::test]
async fn unset_powerschool_settings_fail_and_name_each_variable() {
    let needs = doctor::sis::needs_of_accounts(&d118_staff::job());
    let env = |k: &str| (k == "POWERSCHOOL_READ_USER").then(|| "psnavigator".to_string());
    let checks = doctor::sis::production(&d118_staff::site(), &needs, &env).await;
    let (why, _) = failed_with(&checks, "SIS settings");
    assert!(why.contains("POWERSCHOOL_DB_PASSWORD") && why.contains("POWERSCHOOL_PROD_DB"));
    assert!(!why.contains("POWERSCHOOL_READ_USER"), "{why}");
    assert!(is_skipped(&checks, "SIS connection"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_doctor_probes_the_source_sis_names() {
    for sis in ["powerschool-api", "oneroster"] {
        let dir = tempfile::tempdir().unwrap();
        let (report, text) = demo_doctor(dir.path(), &["doctor", "--demo", "--sis", sis]).await;
        assert_eq!(
            report.exit_code(),
            roster::core::ExitCode::Ok,
            "{sis}: {text}"
        );
        assert!(text.contains("ok    SIS query: students"), "{sis}: {text}");
        // Neither is asked for tables: the API answers only its PowerQueries, OneRoster has
        // files; their reads are the probe.
        assert!(!text.contains("SIS tables"), "{sis}: {text}");
    }
}

#[tokio::test]
async fn unset_powerschool_api_settings_fail_and_name_each_variable() {
    use roster::sis_choice::SisChoice;
    let needs = doctor::sis::needs_of_accounts(&d118_staff::job());
    let env = |k: &str| (k == "POWERSCHOOL_API_URL").then(|| "https://ps.example".to_string());
    let site = d118_staff::site();
    let checks = doctor::sis::chosen(&SisChoice::PowerSchoolApi, &site, &needs, &env).await;
    let (why, _) = failed_with(&checks, "SIS settings");
    assert!(
        why.contains("POWERSCHOOL_CLIENT_ID") && why.contains("POWERSCHOOL_CLIENT_SECRET"),
        "{why}"
    );
    assert!(!why.contains("POWERSCHOOL_API_URL"), "{why}");
    assert!(is_skipped(&checks, "SIS connection"));
}

/// A OneRoster folder without its files fails the probe, naming the file.
#[tokio::test]
async fn an_empty_oneroster_folder_fails_the_sis_probe_naming_the_file() {
    use roster::sis_choice::SisChoice;
    let dir = tempfile::tempdir().unwrap();
    let needs = doctor::sis::needs_of_accounts(&d118_students::job());
    let choice = SisChoice::OneRoster(Some(dir.path().to_path_buf()));
    let checks = doctor::sis::chosen(&choice, &d118_students::site(), &needs, &no_env).await;
    let failed: Vec<&Check> = checks.iter().filter(|c| c.failed()).collect();
    assert!(!failed.is_empty(), "{checks:#?}");
    assert!(format!("{failed:?}").contains(".csv"), "{failed:#?}");
}

/// A plugin client secret PowerSchool does not accept fails the API source's probe, and the
/// secret is not in the checklist.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_powerschool_api_secret_fails_the_sis_probe_without_printing_it() {
    use roster::core::SisSource;
    use roster::sis::powerschool::{ApiConfig, PowerSchoolApi};
    use roster_powerschool_emulator::{EmulatorConfig as PsConfig, PowerSchoolEmulator};
    let dir = tempfile::tempdir().unwrap();
    let site = d118_students::site();
    let demo = roster::demo::Demo::start(dir.path(), &site.domain, support::today(), 200).unwrap();
    let queries = Path::new(env!("CARGO_MANIFEST_DIR")).join("powerschool-plugin/queries_root");
    let ps = PowerSchoolEmulator::start(PsConfig::new(&demo.db, queries)).unwrap();
    let secret = "not-the-plugins-secret-7781";
    let config = ApiConfig::new(ps.base_url(), "roster-client", Secret::new(secret));
    let sis = PowerSchoolApi::api(config, site.powerschool.clone()).unwrap();
    let needs = doctor::sis::needs_of_accounts(&d118_students::job());
    let checks = sis.probe(&needs).await;
    assert!(checks.iter().any(Check::failed), "{checks:#?}");
    assert!(!format!("{checks:?}").contains(secret));
}

// ----- Google ---------------------------------------------------------------------------

const DOMAIN: &str = "d118.org";
const ADMIN: &str = "admin@d118.org";
const SA: &str = "roster@district.iam.gserviceaccount.com";

/// An emulator with D118's schemas and the student job's roots, unless told otherwise.
fn emulator(schemas: bool, roots: bool) -> RunningEmulator {
    let emu = Emulator::start(EmulatorConfig {
        domains: vec![DOMAIN.into()],
        ..EmulatorConfig::default()
    })
    .unwrap();
    if schemas {
        for s in demo_schemas() {
            emu.add_schema(&s).unwrap();
        }
    }
    if roots {
        for r in &d118_students::job().policy.managed_roots {
            emu.add_org_unit(r.as_str()).unwrap();
        }
    }
    emu
}

/// A service account registered with `scopes` delegated (empty: all), acting as `subject`.
fn google(emu: &RunningEmulator, scopes: &[&str], subject: &str) -> Google {
    let (key, public) = test_keys::service_account_key(SA, &emu.token_url());
    emu.register_service_account_with_scopes(SA, &public, &[ADMIN], scopes)
        .unwrap();
    Google {
        credentials: Credentials::ServiceAccount {
            key_json: key.into_bytes(),
            from: "key.json".into(),
            subject: Some(subject.into()),
        },
        config: ClientConfig {
            base_url: emu.base_url(),
            ..support::fast_client()
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delegation_missing_a_scope_is_named_with_the_whole_list_to_grant() {
    let emu = emulator(true, true);
    // The Directory scopes only: the student job also removes licences.
    let g = google(&emu, DEFAULT_SCOPES, ADMIN);
    let checks = doctor::google::checks(&d118_students::job(), g).await;
    let (why, fix) = failed_with(&checks, "Google scopes");
    assert!(why.contains("1 of 6: apps.licensing"), "{why}");
    assert!(why.contains("unauthorized_client"), "{why}");
    assert!(
        fix.contains("https://www.googleapis.com/auth/apps.licensing"),
        "{fix}"
    );
    assert!(
        fix.contains("https://www.googleapis.com/auth/admin.directory.user,"),
        "{fix}"
    );
    assert!(fix.contains("client ID"), "{fix}");
    // What is granted still checks the rest.
    assert!(is_ok(&checks, "Google admin"));
    assert!(is_ok(&checks, "custom schemas"), "{checks:#?}");
    assert!(is_ok(&checks, "managed OUs"));

    // Without the orgunit scope, the OU check cannot run and says so.
    let emu = emulator(true, true);
    let some: Vec<&str> = DEFAULT_SCOPES
        .iter()
        .copied()
        .filter(|s| !s.ends_with("orgunit"))
        .collect();
    let g = google(&emu, &some, ADMIN);
    let checks = doctor::google::checks(&d118_staff::job(), g).await;
    let (why, _) = failed_with(&checks, "Google scopes");
    assert!(why.contains("admin.directory.orgunit"), "{why}");
    assert!(is_skipped(&checks, "managed OUs"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_impersonated_admin_google_does_not_know_fails_the_admin_check() {
    let emu = emulator(true, true);
    let g = google(&emu, &[], "nobody@d118.org");
    let checks = doctor::google::checks(&d118_staff::job(), g).await;
    let (why, fix) = failed_with(&checks, "Google admin");
    assert!(why.contains("nobody@d118.org"), "{why}");
    assert!(fix.contains("GOOGLE_ADMIN_SUBJECT"), "{fix}");
    assert!(is_ok(&checks, "Google credentials"));
    assert!(is_skipped(&checks, "Google scopes"));
    assert!(is_skipped(&checks, "custom schemas"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_google_does_not_accept_fails_the_credentials_check() {
    let emu = emulator(true, true);
    let mut g = google(&emu, &[], ADMIN);
    // Another key for the same account (a deleted key's file): the signature is refused.
    let (other, _) = test_keys::service_account_key_in_slot(SA, &emu.token_url(), 1);
    g.credentials = Credentials::ServiceAccount {
        key_json: other.clone().into_bytes(),
        from: "old-key.json".into(),
        subject: Some(ADMIN.into()),
    };
    let checks = doctor::google::checks(&d118_staff::job(), g).await;
    let (why, fix) = failed_with(&checks, "Google credentials");
    assert!(why.contains("Invalid JWT Signature"), "{why}");
    assert!(fix.contains("new JSON key"), "{fix}");
    assert!(is_skipped(&checks, "managed OUs"));
    let private = serde_json::from_str::<serde_json::Value>(&other).unwrap()["private_key"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!format!("{checks:?}").contains(&private[40..80]));

    // No credentials at all: the environment names neither a key nor an OAuth client.
    let env = |k: &str| (k == "GOOGLE_CREDENTIALS").then(|| "/nonexistent/credentials.json".into());
    let checks = doctor::google::checks(
        &d118_staff::job(),
        doctor::google::credentials_from_env(&env),
    )
    .await;
    let (why, _) = failed_with(&checks, "Google credentials");
    assert!(
        why.contains("GOOGLE_SERVICE_ACCOUNT_KEY is not set"),
        "{why}"
    );
    // A key without its admin.
    let key_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(key_file.path(), other).unwrap();
    let path = key_file.path().to_str().unwrap().to_string();
    let env = |k: &str| (k == "GOOGLE_SERVICE_ACCOUNT_KEY").then(|| path.clone());
    let checks = doctor::google::checks(
        &d118_staff::job(),
        doctor::google::credentials_from_env(&env),
    )
    .await;
    let (why, _) = failed_with(&checks, "Google admin");
    assert!(why.contains("GOOGLE_ADMIN_SUBJECT is not set"), "{why}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_field_or_a_field_of_another_type_fails_the_schema_check() {
    let emu = emulator(false, true);
    emu.add_schema(&json!({
        "schemaName": "Synchronization_Data",
        "fields": [
            {"fieldName": "Homeschool_ID", "fieldType": "BOOL"},
            {"fieldName": "DCID", "fieldType": "INT64"},
        ]
    }))
    .unwrap();
    let g = google(&emu, &[], ADMIN);
    let checks = doctor::google::checks(&d118_students::job(), g).await;
    let (why, fix) = failed_with(&checks, "custom schemas");
    assert!(
        why.contains("Synchronization_Data.Graduation_Year does not exist"),
        "{why}"
    );
    assert!(
        why.contains("Synchronization_Data.Homeschool_ID is BOOL"),
        "{why}"
    );
    assert!(fix.contains("custom attributes"), "{fix}");

    // The staff job also writes CrisisGO (the district's extra schema): absent, it is named.
    let emu = emulator(false, true);
    emu.add_schema(&demo_schemas()[0]).unwrap();
    let checks = doctor::google::checks(&d118_staff::job(), google(&emu, &[], ADMIN)).await;
    let (why, _) = failed_with(&checks, "custom schemas");
    assert_eq!(why, "schema CrisisGO does not exist");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_managed_root_ou_fails_the_ou_check() {
    let emu = emulator(true, false);
    emu.add_org_unit("/Suspended Accounts").unwrap();
    let g = google(&emu, &[], ADMIN);
    let checks = doctor::google::checks(&d118_students::job(), g).await;
    let (why, fix) = failed_with(&checks, "managed OUs");
    assert!(why.contains("/D118 Students"), "{why}");
    assert!(why.contains("/Adobe Licensed Students"), "{why}");
    assert!(!why.contains("/Suspended Accounts"), "{why}");
    assert!(fix.contains("Organizational units"), "{fix}");
}

// ----- SFTP -----------------------------------------------------------------------------

use support::listing;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sftp_check_catches_a_wrong_host_key_and_a_wrong_password_and_sends_nothing() {
    let sshd = Sshd::start();
    let inbox = sshd.make_dir("inbox");
    std::fs::write(inbox.join("students.csv"), b"earlier delivery\n").unwrap();
    let user = TestUser::create();
    let job = kipp_chicago_stmath::job();
    let prefix = job.sftp.as_ref().unwrap().env_prefix.clone();
    let s = job.sftp.as_ref().unwrap().clone();
    let run = |fingerprint: String, password: String| {
        let vars = [
            (format!("{prefix}_HOST"), sshd.host().to_string()),
            (format!("{prefix}_PORT"), sshd.port().to_string()),
            (format!("{prefix}_DIR"), inbox.to_str().unwrap().to_string()),
            (format!("{prefix}_FINGERPRINT"), fingerprint),
            (s.user_env.clone(), user.name().to_string()),
            (s.password_env.clone(), password),
        ];
        let job = &job;
        async move {
            let env = move |k: &str| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
            doctor::sftp::checks(job, false, &env).await
        }
    };

    let good = run(sshd.fingerprint().to_string(), user.password().to_string()).await;
    assert!(is_ok(&good, "SFTP host key"), "{good:#?}");
    assert!(is_ok(&good, "SFTP login"), "{good:#?}");

    let wrong_key = fingerprint_of(&sshd.client_key().with_extension("pub"));
    let checks = run(wrong_key, user.password().to_string()).await;
    let (why, fix) = failed_with(&checks, "SFTP host key");
    assert!(why.to_lowercase().contains("host key"), "{why}");
    assert!(fix.contains("sftp-fingerprint"), "{fix}");
    assert!(is_skipped(&checks, "SFTP login"));

    let checks = run(sshd.fingerprint().to_string(), "wrong-password-123".into()).await;
    let (why, _) = failed_with(&checks, "SFTP login");
    assert!(why.contains("rejected"), "{why}");
    assert!(is_ok(&checks, "SFTP host key"));
    let text = format!("{checks:?}{good:?}");
    assert!(!text.contains(user.password()) && !text.contains("wrong-password-123"));

    // Nothing was uploaded, renamed or removed.
    assert_eq!(listing(&inbox), vec!["students.csv".to_string()]);
    assert_eq!(
        std::fs::read(inbox.join("students.csv")).unwrap(),
        b"earlier delivery\n"
    );
}

#[tokio::test]
async fn an_unpinned_host_key_or_unset_district_values_fail_before_any_connection() {
    // Grow ships with no fingerprint and no school names.
    let job = grow_staff::job();
    let checks = doctor::sftp::checks(&job, false, &no_env).await;
    let (why, fix) = failed_with(&checks, "SFTP host key");
    assert!(why.contains("no host key is pinned"), "{why}");
    assert!(
        fix.contains("sftp-fingerprint grow-sftp-connect.schoolmint.com"),
        "{fix}"
    );
    assert!(is_skipped(&checks, "SFTP login"));
    let values = doctor::sftp::district_values(&job, &grow_staff::unset(), &no_env);
    let Verdict::Fail { why, .. } = &values.verdict else {
        panic!("{values:?}")
    };
    assert!(why.contains("grow_staff::GROW_SCHOOLS"), "{why}");
    assert!(why.contains("GROW_HOST_KEY_SHA256"), "{why}");
}

// ----- this machine ---------------------------------------------------------------------

#[test]
fn a_new_user_password_google_refuses_fails_without_being_printed() {
    let mut job = d118_students::job();
    job.policy.new_account.password = Some(Secret::new("short7!"));
    let c = doctor::local::new_user_password(&job.policy, false);
    let Verdict::Fail { why, fix } = &c.verdict else {
        panic!("{c:?}")
    };
    assert!(why.contains("7 characters"), "{why}");
    assert!(!why.contains("short7!") && !fix.contains("short7!"));
    job.policy.new_account.password = Some(Secret::new("Wélcome-to-roster"));
    assert!(doctor::local::new_user_password(&job.policy, false).failed());
    job.policy.new_account.password = Some(Secret::new("Welcome-to-roster-2026"));
    assert!(!doctor::local::new_user_password(&job.policy, false).failed());
    // Unset: production refuses to create accounts; the demo has its own.
    job.policy.new_account.password = None;
    assert!(doctor::local::new_user_password(&job.policy, false).failed());
    assert!(!doctor::local::new_user_password(&job.policy, true).failed());
}

#[test]
fn an_unwritable_audit_log_or_state_directory_fails_and_real_files_are_not_touched() {
    let dir = tempfile::tempdir().unwrap();
    // A file where the directory should be: nothing can be created under it.
    let blocker = dir.path().join("not-a-dir");
    std::fs::write(&blocker, b"x").unwrap();
    let cli = support::cli(dir.path(), &["doctor"]);
    let mut opts = cli.opts.clone();
    opts.audit_log = blocker.join("audit.jsonl");
    let checks = doctor::local::writable(&opts, "d118-students", Some(&blocker.join("files")));
    let (why, fix) = failed_with(&checks, "audit log");
    assert!(why.contains("not a directory"), "{why}");
    assert!(fix.contains("--audit-log"), "{fix}");
    assert!(
        failed_with(&checks, "state directory")
            .0
            .contains("not a directory")
    );
    assert!(
        failed_with(&checks, "output directory")
            .0
            .contains("not a directory")
    );
    // A directory in the log's place.
    opts.audit_log = dir.path().to_path_buf();
    assert!(doctor::local::writable(&opts, "j", None)[0].failed());

    // A real log is appendable and left exactly as it was; no probe file stays behind.
    let log = dir.path().join("audit.jsonl");
    std::fs::write(&log, b"{\"earlier\":1}\n").unwrap();
    let before = std::fs::metadata(&log).unwrap().modified().unwrap();
    opts.audit_log = log.clone();
    let checks = doctor::local::writable(&opts, "d118-students", Some(&dir.path().join("new")));
    assert!(checks.iter().all(|c| !c.failed()), "{checks:#?}");
    assert_eq!(std::fs::read(&log).unwrap(), b"{\"earlier\":1}\n");
    assert_eq!(std::fs::metadata(&log).unwrap().modified().unwrap(), before);
    let mut names = listing(dir.path());
    names.sort();
    assert_eq!(names, vec!["audit.jsonl", "not-a-dir"]);
}

#[test]
fn a_setting_out_of_range_fails_the_settings_check() {
    let env = |k: &str| (k == "GOOGLE_QUOTA_PER_MINUTE").then(|| "0".to_string());
    let (why, _) = match &doctor::local::settings(&env).verdict {
        Verdict::Fail { why, fix } => (why.clone(), fix.clone()),
        v => panic!("{v:?}"),
    };
    assert!(why.contains("GOOGLE_QUOTA_PER_MINUTE"), "{why}");
    assert!(!doctor::local::settings(&no_env).failed());
}

#[test]
fn the_checklist_prints_one_line_per_check_a_fix_under_each_failure_and_exits_2() {
    let list = Checklist {
        job: "j".into(),
        demo: false,
        checks: vec![
            Check::ok("a", "fine"),
            Check::fail("longer name", "broken\nacross lines", "do this"),
            Check::skipped("c", "because"),
        ],
    };
    assert_eq!(list.exit_code(), 2);
    assert_eq!(
        list.render(),
        "doctor: j (production)\n\
         ok    a            fine\n\
         FAIL  longer name  broken across lines\n\
         \x20                  fix: do this\n\
         skip  c            because\n\
         1 of 3 checks failed\n"
    );
}
