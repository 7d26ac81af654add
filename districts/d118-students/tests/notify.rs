//! Notifications (issue 18 item 2) against a real SMTP server process: aiosmtpd from the test
//! venv (`scripts/test.sh --install`), with STARTTLS (a CA and a certificate made by `openssl`)
//! and AUTH. Each message is parsed by Python's own MIME parser (`scripts/parse_mime.py`).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const PASSWORD: &str = "smtp-Pa55-7f3e9c";
const KEY_MARKER: &str = "service-account-key-4d1c";
const NEW_USER_PASSWORD: &str = "NewUser-8b2a61";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn python() -> PathBuf {
    let venv = std::env::var("ROSTER_PY_VENV").unwrap_or_else(|_| "target/py-venv".into());
    let venv = Path::new(&venv);
    let venv = if venv.is_absolute() {
        venv.to_path_buf()
    } else {
        repo().join(venv)
    };
    let py = venv.join("bin/python");
    assert!(
        py.exists(),
        "{} is missing: run scripts/test.sh --install",
        py.display()
    );
    py
}

/// An aiosmtpd process; killed when dropped.
struct Smtp {
    child: Child,
    port: u16,
    inbox: PathBuf,
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Smtp {
    fn start(dir: &Path, tls: Option<&Certs>, login: bool) -> Smtp {
        let inbox = dir.join("inbox");
        std::fs::create_dir_all(&inbox).unwrap();
        let mut cmd = Command::new(python());
        cmd.arg(repo().join("scripts/smtp_server.py")).arg(&inbox);
        if let Some(c) = tls {
            cmd.arg("--tls-cert")
                .arg(&c.cert)
                .arg("--tls-key")
                .arg(&c.key);
        }
        if login {
            cmd.args(["--user", "roster", "--password", PASSWORD]);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python runs");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .strip_prefix("READY ")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("the SMTP server did not start: {line:?}"));
        Smtp { child, port, inbox }
    }

    /// The messages received so far, raw.
    fn messages(&self) -> Vec<PathBuf> {
        let mut m: Vec<PathBuf> = std::fs::read_dir(&self.inbox)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        m.sort();
        m
    }
}

struct Certs {
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

/// A CA and a `localhost` certificate it signed (rustls refuses a self-signed leaf).
fn certs(dir: &Path) -> Certs {
    let p = |n: &str| dir.join(n);
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl runs");
        assert!(out.status.success(), "openssl {args:?}: {out:?}");
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=roster test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        "leaf.key",
        "-out",
        "leaf.csr",
    ]);
    std::fs::write(
        p("ext.cnf"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
        "-out",
        "leaf.pem",
    ]);
    Certs {
        ca: p("ca.pem"),
        cert: p("leaf.pem"),
        key: p("leaf.key"),
    }
}

/// The notification variables for `smtp` (STARTTLS and the login when `certs` is given).
fn smtp_env(smtp: &Smtp, certs: Option<&Certs>, password: &str) -> Vec<(String, String)> {
    let mut env = vec![
        ("SMTP_HOST", "localhost".to_string()),
        ("SMTP_PORT", smtp.port.to_string()),
        ("SMTP_FROM", "Roster <roster@d118.org>".into()),
        (
            "ROSTER_NOTIFY_TO",
            "Zoë Ångström <admin@d118.org>, it@d118.org".into(),
        ),
    ];
    match certs {
        Some(c) => env.extend([
            ("SMTP_TLS", "starttls".to_string()),
            ("SMTP_CA_FILE", c.ca.display().to_string()),
            ("SMTP_USER", "roster".into()),
            ("SMTP_PASSWORD", password.into()),
        ]),
        None => env.push(("SMTP_TLS", "none".into())),
    }
    env.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn run(dir: &Path, args: &[&str], env: &[(String, String)]) -> Output {
    let key = dir.join("key.json");
    std::fs::write(&key, format!("{{\"private_key\": \"{KEY_MARKER}\"}}")).unwrap();
    let out = dir.join("out");
    let audit = dir.join("audit.jsonl");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_d118-students"));
    cmd.arg("--demo")
        .args(["--demo-students", "120", "--today", "2026-03-02"])
        .arg("--out")
        .arg(&out)
        .arg("--audit-log")
        .arg(&audit)
        .args(args)
        .env_remove("RUST_LOG")
        .env("GOOGLE_SERVICE_ACCOUNT_KEY", &key)
        .env("NEW_USER_PASSWORD", NEW_USER_PASSWORD);
    for k in [
        "ROSTER_NOTIFY_TO",
        "SMTP_HOST",
        "SMTP_PORT",
        "SMTP_USER",
        "SMTP_PASSWORD",
        "SMTP_TLS",
        "SMTP_FROM",
        "SMTP_CA_FILE",
    ] {
        cmd.env_remove(k);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The message as Python's MIME parser reads it.
fn parse(eml: &Path) -> Value {
    let out = Command::new(python())
        .arg(repo().join("scripts/parse_mime.py"))
        .arg(eml)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn body(m: &Value) -> String {
    m["parts"][0]["text"].as_str().unwrap().to_string()
}

/// No secret in the raw message or the run's output.
fn assert_no_secret(what: &str, haystack: &str) {
    for secret in [PASSWORD, KEY_MARKER, NEW_USER_PASSWORD] {
        assert!(!haystack.contains(secret), "{what} holds a secret");
    }
}

#[test]
fn an_apply_emails_its_summary_changes_and_report_over_starttls_with_a_login() {
    let dir = tempfile::tempdir().unwrap();
    let certs = certs(dir.path());
    let smtp = Smtp::start(dir.path(), Some(&certs), true);
    let report = dir.path().join("report.json");
    let env = smtp_env(&smtp, Some(&certs), PASSWORD);
    let out = run(
        dir.path(),
        &[
            "apply",
            "--notify-on",
            "always",
            "--report",
            report.to_str().unwrap(),
        ],
        &env,
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("notification sent to 2 address(es)"), "{err}");
    let sent = smtp.messages();
    assert_eq!(sent.len(), 1, "one message");
    let raw = std::fs::read_to_string(&sent[0]).unwrap();
    assert_no_secret("the message", &raw);
    assert_no_secret("the run's stderr", &err);
    let m = parse(&sent[0]);
    assert_eq!(m["defects"], serde_json::json!([]), "{m}");
    assert!(m["is_multipart"].as_bool().unwrap());
    let subject = m["subject"].as_str().unwrap();
    assert!(
        subject.starts_with("[roster] d118-students apply: OK, "),
        "{subject}"
    );
    assert_eq!(
        m["to"][0], "Zoë Ångström <admin@d118.org>, it@d118.org",
        "both addresses, the non-ASCII name intact"
    );
    let body = body(&m);
    let report_json = std::fs::read_to_string(&report).unwrap();
    let r: Value = serde_json::from_str(&report_json).unwrap();
    let created = r["applied"]["create"].as_u64().unwrap();
    assert!(created > 0, "the fresh demo creates accounts");
    assert!(
        subject.contains(&format!(
            "OK, {} change(s)",
            created
                + r["applied"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .filter(|(k, _)| k.as_str() != "create")
                    .map(|(_, v)| v.as_u64().unwrap())
                    .sum::<u64>()
        )),
        "{subject}"
    );
    assert!(body.contains("people read"), "the summary: {body}");
    assert!(
        body.contains(&format!("create {created}")),
        "the counts: {body}"
    );
    assert!(
        body.contains("The plan as the run printed it ("),
        "the changes: {body}"
    );
    let attachment = &m["parts"][1];
    assert_eq!(attachment["content_type"], "application/json");
    assert_eq!(attachment["filename"], "report.json");
    assert_eq!(
        attachment["text"].as_str().unwrap(),
        report_json,
        "the attachment is --report's file"
    );
}

#[test]
fn a_refused_run_sends_with_notify_on_refusal_and_a_clean_plan_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(dir.path(), None, false);
    let env = smtp_env(&smtp, None, "");
    let plan = run(dir.path(), &["plan", "--notify-on", "refusal"], &env);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan.stderr));
    assert!(
        smtp.messages().is_empty(),
        "a plan the valve does not refuse sends nothing"
    );

    let out = run(
        dir.path(),
        &["apply", "--notify-on", "refusal", "--max-create", "1"],
        &env,
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let sent = smtp.messages();
    assert_eq!(sent.len(), 1, "{err}");
    let m = parse(&sent[0]);
    let subject = m["subject"].as_str().unwrap();
    assert_eq!(
        subject,
        "[roster] d118-students apply: REFUSED by the safety valve"
    );
    let body = body(&m);
    assert!(body.contains("Safety valve (1):"), "{body}");
    assert!(body.contains("Why the run stopped: safety valve"), "{body}");
    let report: Value = serde_json::from_str(m["parts"][1]["text"].as_str().unwrap()).unwrap();
    let reason = report["violations"][0].to_string();
    assert!(
        reason.contains("create"),
        "the report names the refused kind: {reason}"
    );
}

/// The `error`/`ERROR` log lines that mention the notification.
fn notify_lines(err: &str) -> Vec<&str> {
    err.lines()
        .filter(|l| l.contains("notification not sent"))
        .collect()
}

#[test]
fn a_server_that_is_down_or_refuses_the_login_leaves_the_exit_code_and_logs_one_line() {
    let dir = tempfile::tempdir().unwrap();
    // Down: a port nothing listens on (the server is started, then stopped).
    let smtp = Smtp::start(dir.path(), None, false);
    let env = smtp_env(&smtp, None, "");
    drop(smtp);
    let t = Instant::now();
    let out = run(dir.path(), &["plan", "--notify-on", "always"], &env);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(notify_lines(&err).len(), 1, "{err}");
    assert!(t.elapsed() < Duration::from_secs(60));

    // A wrong password: AUTH refused.
    let certs = certs(dir.path());
    let smtp = Smtp::start(dir.path(), Some(&certs), true);
    let wrong = "not-the-Pa55-e19b";
    let env = smtp_env(&smtp, Some(&certs), wrong);
    let out = run(dir.path(), &["plan", "--notify-on", "always"], &env);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let lines = notify_lines(&err);
    assert_eq!(lines.len(), 1, "{err}");
    assert!(!err.contains(wrong), "the password is never logged: {err}");
    assert_no_secret("the run's stderr", &err);
    assert!(smtp.messages().is_empty());
}

#[test]
fn each_bad_notification_variable_is_exit_2_naming_it_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("not-a-cert.pem");
    std::fs::write(&ca, "hello").unwrap();
    let base: Vec<(String, String)> = [
        ("SMTP_HOST", "localhost"),
        ("SMTP_FROM", "roster@d118.org"),
        ("ROSTER_NOTIFY_TO", "admin@d118.org"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let huge = "x".repeat(100_000);
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("ROSTER_NOTIFY_TO", vec![("ROSTER_NOTIFY_TO", "")]),
        (
            "ROSTER_NOTIFY_TO",
            vec![(
                "ROSTER_NOTIFY_TO",
                "admin@d118.org\r\nBcc: spy@evil.example",
            )],
        ),
        (
            "ROSTER_NOTIFY_TO",
            vec![("ROSTER_NOTIFY_TO", "not an address")],
        ),
        ("ROSTER_NOTIFY_TO", vec![("ROSTER_NOTIFY_TO", &huge)]),
        (
            "SMTP_FROM",
            vec![("SMTP_FROM", "roster@d118.org\nSubject: hi")],
        ),
        ("SMTP_HOST", vec![("SMTP_HOST", "")]),
        ("SMTP_HOST", vec![("SMTP_HOST", "mail.d118.org\r\nX: y")]),
        ("SMTP_PORT", vec![("SMTP_PORT", "0")]),
        ("SMTP_PORT", vec![("SMTP_PORT", "-1")]),
        ("SMTP_PORT", vec![("SMTP_PORT", "70000")]),
        ("SMTP_PORT", vec![("SMTP_PORT", "NaN")]),
        ("SMTP_TLS", vec![("SMTP_TLS", "ssl")]),
        ("SMTP_PASSWORD", vec![("SMTP_USER", "roster")]),
        ("SMTP_USER", vec![("SMTP_PASSWORD", PASSWORD)]),
        (
            "SMTP_TLS",
            vec![
                ("SMTP_TLS", "none"),
                ("SMTP_USER", "roster"),
                ("SMTP_PASSWORD", PASSWORD),
            ],
        ),
        (
            "SMTP_CA_FILE",
            vec![("SMTP_CA_FILE", "/nonexistent/ca.pem")],
        ),
        ("SMTP_CA_FILE", vec![("SMTP_CA_FILE", ca.to_str().unwrap())]),
    ];
    for (name, overrides) in &cases {
        let mut env = base.clone();
        for (k, v) in overrides {
            env.retain(|(e, _)| e != k);
            env.push((k.to_string(), v.to_string()));
        }
        let out = run(dir.path(), &["apply", "--notify-on", "failure"], &env);
        let err = text(&out.stderr);
        let what = format!("{overrides:?}");
        assert_eq!(out.status.code(), Some(2), "{what}: {err}");
        assert!(!err.contains("panicked"), "{what}: {err}");
        let aborted: Vec<&str> = err.lines().filter(|l| l.contains("ABORTED")).collect();
        assert_eq!(aborted.len(), 1, "{what}: {err}");
        assert!(aborted[0].contains(name), "{what} names {name}: {err}");
        assert!(
            aborted[0].len() < 1_000,
            "{what}: a bad value is shown capped"
        );
        assert!(
            !err.contains(PASSWORD),
            "{what}: the password is never shown"
        );
        assert!(!dir.path().join("out").exists(), "{what}: no work was done");
    }
}

/// A report with `n` failed creates, each with Google's reason, for a school with non-ASCII
/// names (the failures are what a run against a failing Directory records).
fn failed_report(job: &str, n: usize) -> roster::core::report::RunReport {
    use roster::core::TargetError;
    use roster::core::model::{Person, PersonKind};
    use roster::core::report::{ChangeFailure, RunReport};
    let mut r = RunReport::new(job, "apply");
    r.people_read = n;
    r.planned.insert("create".into(), n);
    for i in 0..n {
        r.failures.push(ChangeFailure {
            person: Person {
                kind: PersonKind::Student,
                id: format!("{}", 100_000 + i),
                name: format!("Núñez, Zoë {i}"),
            },
            action: "create".into(),
            email: format!("{}@d118.org", 100_000 + i),
            error: TargetError::new(503, "backendError", "The service is currently unavailable."),
            attempts: 5,
        });
    }
    r.finished_at = Some(chrono::Utc::now());
    r
}

fn notifier(smtp: &Smtp) -> roster::notify::Notifier {
    let env = smtp_env(smtp, None, "");
    let get = |k: &str| env.iter().find(|(e, _)| e == k).map(|(_, v)| v.clone());
    roster::notify::Notifier::from_flag(Some(roster::notify::NotifyOn::Failure), &get)
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn every_failure_is_listed_with_googles_reason_then_counted_past_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(dir.path(), None, false);
    let n = roster::notify::MAX_LISTED + 57;
    let report = failed_report("d118-students", n);
    let sent = notifier(&smtp).notify(&report, "").await.unwrap();
    assert!(sent, "--notify-on failure sends for exit code 1");
    let m = parse(&smtp.messages()[0]);
    assert_eq!(
        m["subject"],
        format!("[roster] d118-students apply: {n} change(s) FAILED")
    );
    let body = body(&m);
    assert!(
        body.contains(&format!("Failures, with Google's reason ({n}):")),
        "{body}"
    );
    let listed = body
        .matches("(backendError, HTTP 503, 5 attempt(s))")
        .count();
    assert_eq!(listed, roster::notify::MAX_LISTED, "listed up to the cap");
    assert!(
        body.contains("(Núñez, Zoë 0) 100000@d118.org: The service"),
        "non-ASCII names: {body}"
    );
    assert!(body.contains("... and 57 more (all of them are in the attached report)"));
    let attached: Value = serde_json::from_str(m["parts"][1]["text"].as_str().unwrap()).unwrap();
    assert_eq!(
        attached["failures"].as_array().unwrap().len(),
        n,
        "the report has all"
    );
}

#[tokio::test]
async fn a_huge_report_is_not_attached_and_a_hostile_job_name_adds_no_header() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(dir.path(), None, false);
    let report = failed_report("students\r\nBcc: spy@evil.example", 40_000);
    assert!(report.to_json().len() > roster::notify::MAX_ATTACHMENT_BYTES);
    notifier(&smtp).notify(&report, "").await.unwrap();
    let eml = &smtp.messages()[0];
    let raw = std::fs::metadata(eml).unwrap().len();
    assert!(raw < 1 << 20, "the message stays small: {raw} bytes");
    let m = parse(eml);
    let names: Vec<&str> = m["header_names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap())
        .collect();
    assert!(
        !names.iter().any(|h| h.eq_ignore_ascii_case("bcc")),
        "{names:?}"
    );
    let subject = m["subject"].as_str().unwrap();
    assert!(
        subject.starts_with("[roster] students  Bcc: spy@evil.example apply"),
        "{subject}"
    );
    assert_eq!(m["parts"].as_array().unwrap().len(), 1, "no attachment");
    assert!(body(&m).contains("is not attached: see the file --report wrote"));
}
