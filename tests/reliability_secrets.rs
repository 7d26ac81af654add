//! Secrets never leave through logs, plans, reports or audit logs (DESIGN §4.6, §6, §7, §8).
//!
//! Known values are planted in every place a secret comes from: `NEW_USER_PASSWORD`,
//! `POWERSCHOOL_DB_PASSWORD`, an SFTP password (a real local account on a real sshd), and the
//! service-account private key the demo signs its JWTs with (and a key file read by the
//! production wiring). The district jobs then run:
//!
//! - in-process under a TRACE subscriber for every crate (text and JSON formats, `log`
//!   records bridged), which sees every event of every level;
//! - as child processes with the district CLI's own stderr logger at the default level, `-v`,
//!   `-vv` and `RUST_LOG=trace`;
//!
//! and every byte they print, log or write (plan tables and JSON, `--report`, the audit log,
//! the demo's saved directory, vendor files, `Debug` dumps) is searched for each secret.
//!
//! Its own test binary: the subscriber is process-global, and the environment is mutated
//! (under a lock) by one test only.

#[path = "support/reliability.rs"]
mod reliability;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};

use reliability::{cli, today};
use roster::core::report::ExitCode;
use roster::demo::Demo;
use roster::google_emulator::test_keys::{self, TestKey};
use roster::sftp::testing::{Sshd, TestUser};
use roster::{Mode, SftpSettings, accounts_cli, run_accounts, run_vendor};

const NEW_USER_PASSWORD: &str = "NUP-3f9c2a71-NeverLogMe";
const DB_PASSWORD: &str = "PSDB-8e1b44c0-NeverLogMe";
const WRONG_SFTP_PASSWORD: &str = "SFTPBAD-51d0e7aa-NeverLogMe";

/// Serialises the tests that touch the process environment.
static ENV: Mutex<()> = Mutex::new(());

#[derive(Clone)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Everything logged in this process, at TRACE, by every crate, as text and as JSON.
fn captured() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        use tracing_subscriber::prelude::*;
        let buf = Arc::new(Mutex::new(Vec::new()));
        let (a, b) = (Buffer(buf.clone()), Buffer(buf.clone()));
        tracing_subscriber::registry()
            .with(
                tracing_subscriber::fmt::layer()
                    .with_ansi(false)
                    .with_writer(move || a.clone()),
            )
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_span_list(true)
                    .with_writer(move || b.clone()),
            )
            .with(tracing_subscriber::filter::LevelFilter::TRACE)
            .try_init()
            .expect("the only subscriber of this test binary");
        buf
    })
}

/// The secret and the forms it could be written in (JSON-escaped, URL-encoded, base64).
fn forms(secret: &str) -> Vec<String> {
    use std::fmt::Write as _;
    let mut v = vec![secret.to_string()];
    let json = serde_json::to_string(secret).unwrap();
    v.push(json.trim_matches('"').to_string());
    let mut url = String::new();
    for b in secret.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            url.push(b as char);
        } else {
            let _ = write!(url, "%{b:02X}");
        }
    }
    v.push(url);
    v.sort();
    v.dedup();
    v
}

/// The pieces of a PEM private key that would give it away: every line of its base64 body.
fn key_pieces(pem: &str) -> Vec<String> {
    pem.lines()
        .filter(|l| !l.starts_with("-----") && l.len() >= 32)
        .map(str::to_string)
        .collect()
}

/// Where each secret shows up in `text` (one line per secret found).
fn find_secrets(what: &str, text: &str, secrets: &[(&str, Vec<String>)]) -> Vec<String> {
    let mut found = Vec::new();
    for (name, pieces) in secrets {
        for p in pieces {
            if let Some(i) = text.find(p.as_str()) {
                let from = text[..i].char_indices().rev().nth(80).map_or(0, |(j, _)| j);
                found.push(format!("{name} in {what}: ...{}...", &text[from..i]));
                break;
            }
        }
    }
    found
}

/// Fails with every place a secret was found.
fn assert_clean(what: &str, text: &str, secrets: &[(&str, Vec<String>)]) {
    let found = find_secrets(what, text, secrets);
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// Every regular file under `dir`, recursively (reports, audit logs, saved state, vendor files).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn scan_files(dir: &Path, secrets: &[(&str, Vec<String>)]) -> usize {
    let files = files_under(dir);
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        assert_clean(
            &f.display().to_string(),
            &String::from_utf8_lossy(&bytes),
            secrets,
        );
    }
    files.len()
}

/// Sets environment variables for the duration of a test (the caller holds [`ENV`]).
fn set_env(vars: &[(&str, &str)]) {
    for (k, v) in vars {
        // SAFETY: the tests of this binary that read or write the environment hold `ENV`.
        unsafe { std::env::set_var(k, v) };
    }
}

// The guard serialises whole tests (one holder, never contended inside the runtime).
#[allow(clippy::await_holding_lock)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_trace_logs_plans_reports_or_audit_logs() {
    let logs = captured();
    let _env = ENV.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let sshd = Sshd::start();
    let inbox = sshd.make_dir("inbox");
    let sftp_user = TestUser::create();
    let key = TestKey::shared(0);
    set_env(&[
        ("NEW_USER_PASSWORD", NEW_USER_PASSWORD),
        ("POWERSCHOOL_READ_USER", "psnavigator"),
        ("POWERSCHOOL_DB_PASSWORD", DB_PASSWORD),
        ("POWERSCHOOL_PROD_DB", "127.0.0.1:1/PSPRODDB"),
        ("REL_SFTP_USER", sftp_user.name()),
        ("REL_SFTP_PASSWORD", sftp_user.password()),
    ]);
    let secrets: Vec<(&str, Vec<String>)> = vec![
        ("NEW_USER_PASSWORD", forms(NEW_USER_PASSWORD)),
        ("POWERSCHOOL_DB_PASSWORD", forms(DB_PASSWORD)),
        ("SFTP password", forms(sftp_user.password())),
        ("wrong SFTP password", forms(WRONG_SFTP_PASSWORD)),
        (
            "service-account private key",
            key_pieces(&key.private_key_pem),
        ),
    ];
    assert!(secrets[4].1.len() > 10);
    let mut printed = Vec::new();

    // 1. Both D118 account jobs, --demo, apply at -vv, with a report; then plan --json.
    for (job, site) in [
        (d118_students::job(), d118_students::site()),
        (d118_staff::job(), d118_staff::site()),
    ] {
        let report_file = dir.path().join(format!("{}-report.json", job.name));
        let args = [
            "apply",
            "--demo",
            "-vv",
            "--report",
            report_file.to_str().unwrap(),
        ];
        let report = accounts_cli(&job, &site, &cli(dir.path(), &args), &mut printed).await;
        assert_eq!(report.exit_code(), ExitCode::Ok, "{}", report.summary());
        assert!(report.applied["create"] > 0);
        // The configured password was used (the target sets a random one when none is).
        assert!(
            report.notes.iter().all(|n| !n.contains("password")),
            "{:?}",
            report.notes
        );
        let plan_args = ["plan", "--demo", "--json"];
        let report = accounts_cli(&job, &site, &cli(dir.path(), &plan_args), &mut printed).await;
        assert_eq!(report.exit_code(), ExitCode::Ok);
        // Debug dumps of everything that holds a secret.
        writeln!(printed, "{:?}\n{:?}", job.policy, report).unwrap();
    }

    // 2. Production wiring: the Oracle read fails (no Instant Client, no server) without the
    //    password in the error.
    let job = d118_students::job();
    let report = accounts_cli(
        &job,
        &d118_students::site(),
        &cli(dir.path(), &["apply"]),
        &mut printed,
    )
    .await;
    assert_eq!(report.exit_code(), ExitCode::Aborted);
    let why = report.aborted.clone().unwrap();
    assert!(!why.is_empty());
    writeln!(printed, "{why}\n{}", report.to_json()).unwrap();

    // 3. Production Google wiring: a service-account key file, the emulator as the API.
    let demo = Demo::start(&dir.path().join("prod"), "d118.org", today(), 100).unwrap();
    let client_email = "roster-prod@prod-project.iam.gserviceaccount.com";
    let (key_json, public_pem) =
        test_keys::service_account_key(client_email, &demo.emulator.token_url());
    demo.emulator
        .register_service_account(client_email, &public_pem, &["admin@d118.org"])
        .unwrap();
    let key_file = dir.path().join("service-account.json");
    std::fs::write(&key_file, &key_json).unwrap();
    set_env(&[
        ("GOOGLE_SERVICE_ACCOUNT_KEY", key_file.to_str().unwrap()),
        ("GOOGLE_ADMIN_SUBJECT", "admin@d118.org"),
        ("GOOGLE_DIRECTORY_URL", &demo.emulator.base_url()),
    ]);
    let target = roster::wiring::google_from_env().await.unwrap();
    for root in &job.policy.managed_roots {
        roster::core::DirectoryTarget::ensure_org_unit(&target, root)
            .await
            .unwrap();
    }
    let sis = demo.sis(Default::default()).unwrap();
    let opts = cli(&dir.path().join("prod"), &["apply", "-vv"]).opts;
    let report = run_accounts(&job, Mode::Apply, &opts, &sis, &target, &mut printed).await;
    assert_eq!(report.exit_code(), ExitCode::Ok, "{}", report.summary());
    writeln!(printed, "{target:?}").unwrap();
    std::fs::remove_file(&key_file).unwrap(); // the one file allowed to hold the key

    // 4. The ST Math feed over SFTP with the password from the environment, then with a
    //    wrong one (the failure path must not echo it either).
    for (password, expect) in [
        (sftp_user.password().to_string(), ExitCode::Ok),
        (WRONG_SFTP_PASSWORD.to_string(), ExitCode::Aborted),
    ] {
        set_env(&[("REL_SFTP_PASSWORD", &password)]);
        let mut job = kipp_chicago_stmath::job();
        // This small demo is under KIPP's row minimums (tested in tests/vendor_minimum.rs).
        job.min_rows.clear();
        let settings = SftpSettings {
            host: sshd.host().into(),
            port: sshd.port(),
            host_key_sha256: sshd.fingerprint().into(),
            remote_dir: inbox.to_str().unwrap().into(),
            user_env: "REL_SFTP_USER".into(),
            password_env: "REL_SFTP_PASSWORD".into(),
            env_prefix: "REL_SFTP".into(),
            timeout: roster::vendor_env::DEFAULT_SFTP_TIMEOUT,
        };
        let files = dir.path().join("vendor");
        let target = settings
            .target_from_env(&files)
            .unwrap()
            .retries(0, Default::default());
        job.sftp = Some(settings);
        let opts = cli(dir.path(), &["apply", "-vv"]).opts;
        let report = run_vendor(
            &job,
            Mode::Apply,
            &opts,
            &sis,
            &files,
            Some(&target),
            &mut printed,
        )
        .await;
        assert_eq!(report.exit_code(), expect, "{}", report.summary());
        writeln!(printed, "{target:?}\n{}", report.to_json()).unwrap();
    }
    assert!(std::fs::read_dir(&inbox).unwrap().count() >= 3);

    // Search everything.
    let logs = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    assert!(logs.contains("TRACE"), "the subscriber saw no TRACE event");
    assert!(logs.contains("DEBUG"));
    assert_clean("the TRACE logs", &logs, &secrets);
    assert_clean(
        "printed plans, reports and Debug dumps",
        &String::from_utf8_lossy(&printed),
        &secrets,
    );
    let scanned = scan_files(dir.path(), &secrets);
    assert!(scanned >= 8, "{scanned} files");
    println!(
        "secrets: {} secret values ({} key pieces) searched in {} KiB of TRACE logs, {} KiB printed, {} files",
        secrets.len(),
        secrets[4].1.len(),
        logs.len() / 1024,
        printed.len() / 1024,
        scanned
    );
}

/// Runs in a child process (see [`cli_stderr_at_every_verbosity_holds_no_secret`]): the
/// district binary's own logger on stderr, then the D118 student job `--demo apply` and the
/// production path. Ignored in a normal run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by cli_stderr_at_every_verbosity_holds_no_secret in a child process"]
async fn child_district_run() {
    let out = PathBuf::from(std::env::var("REL_CHILD_OUT").expect("run by the parent test"));
    let verbose: u8 = std::env::var("REL_CHILD_VERBOSE").unwrap().parse().unwrap();
    roster::logging::init(verbose);
    let job = d118_students::job();
    let site = d118_students::site();
    let v = "-".to_string() + &"v".repeat(verbose as usize);
    let mut args = vec!["apply", "--demo"];
    if verbose > 0 {
        args.push(&v);
    }
    let report_file = out.join("report.json");
    args.extend(["--report", report_file.to_str().unwrap()]);
    let mut stdout = std::io::stdout();
    let report = accounts_cli(&job, &site, &cli(&out, &args), &mut stdout).await;
    eprint!("{}", report.summary());
    assert_eq!(report.exit_code(), ExitCode::Ok);
    let report = accounts_cli(&job, &site, &cli(&out, &["apply"]), &mut stdout).await;
    eprint!("{}", report.summary());
    assert_eq!(report.exit_code(), ExitCode::Aborted);
}

#[test]
fn cli_stderr_at_every_verbosity_holds_no_secret() {
    // Children inherit the environment: keep the other test from changing it meanwhile.
    let _env = ENV.lock().unwrap_or_else(|e| e.into_inner());
    let exe = std::env::current_exe().unwrap();
    let secrets: Vec<(&str, Vec<String>)> = vec![
        ("NEW_USER_PASSWORD", forms(NEW_USER_PASSWORD)),
        ("POWERSCHOOL_DB_PASSWORD", forms(DB_PASSWORD)),
        (
            "service-account private key",
            key_pieces(&TestKey::shared(0).private_key_pem),
        ),
    ];
    let mut sizes = Vec::new();
    for (name, verbose, rust_log) in [
        ("default", "0", None),
        ("-v", "1", None),
        ("-vv", "2", None),
        ("RUST_LOG=trace", "0", Some("trace")),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(&exe);
        cmd.args(["--ignored", "--exact", "child_district_run", "--nocapture"])
            .env("REL_CHILD_OUT", dir.path())
            .env("REL_CHILD_VERBOSE", verbose)
            .env("NEW_USER_PASSWORD", NEW_USER_PASSWORD)
            .env("POWERSCHOOL_READ_USER", "psnavigator")
            .env("POWERSCHOOL_DB_PASSWORD", DB_PASSWORD)
            .env("POWERSCHOOL_PROD_DB", "127.0.0.1:1/PSPRODDB")
            .env_remove("RUST_LOG");
        if let Some(l) = rust_log {
            cmd.env("RUST_LOG", l);
        }
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "{name}: child failed:\n{stdout}\n{stderr}"
        );
        assert_clean(&format!("stdout at {name}"), &stdout, &secrets);
        assert_clean(&format!("stderr at {name}"), &stderr, &secrets);
        let files = scan_files(dir.path(), &secrets);
        assert!(files >= 3, "{name}: {files} files");
        sizes.push((name, stderr.len()));
    }
    // The levels really differ: more detail at -v, and more at -vv / trace.
    assert!(sizes[1].1 > sizes[0].1, "{sizes:?}");
    assert!(sizes[2].1 > sizes[1].1, "{sizes:?}");
    assert!(sizes[3].1 > sizes[1].1, "{sizes:?}");
    println!("stderr bytes per level: {sizes:?}");
}

/// The search itself: each planted form is found, in the places it would appear.
#[test]
fn the_search_finds_planted_secrets() {
    let key = TestKey::shared(0);
    let (key_json, _) = test_keys::service_account_key("a@b.iam.gserviceaccount.com", "http://x");
    let secrets = vec![
        ("NEW_USER_PASSWORD", forms("p@ss w0rd&=\"x")),
        (
            "service-account private key",
            key_pieces(&key.private_key_pem),
        ),
    ];
    for text in [
        key_json.clone(),
        key.private_key_pem.clone(),
        "password=p%40ss%20w0rd%26%3D%22x".to_string(),
        serde_json::json!({ "password": "p@ss w0rd&=\"x" }).to_string(),
        "level=TRACE body=p@ss w0rd&=\"x".to_string(),
    ] {
        assert!(
            !find_secrets("control", &text, &secrets).is_empty(),
            "not found in {text}"
        );
    }
    assert_clean("control", "nothing here: ***", &secrets);
}
