//! Helpers shared by the `reliability_*` tests: the demo district wired to a fast client,
//! the CLI as a district binary parses it, and views of the emulator's state.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use chrono::NaiveDate;
use clap::Parser;
use roster::core::policy::Intent;
use roster::core::{DesiredAccount, DirectoryTarget, Retry, Scope, SisSource};
use roster::demo::Demo;
use roster::google::{ClientConfig, GoogleDirectory};
use roster::{AccountJob, Cli, Population};
use serde_json::Value;

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

/// The CLI a district binary would parse: `args` plus `--today`, `--out` and `--audit-log`
/// under `dir`.
pub fn cli(dir: &Path, args: &[&str]) -> Cli {
    let out = dir.to_str().unwrap().to_string();
    let audit = dir.join("audit.jsonl").to_str().unwrap().to_string();
    let mut all = vec![
        "district",
        "--today",
        "2026-11-24",
        "--out",
        &out,
        "--audit-log",
        &audit,
    ];
    all.extend_from_slice(args);
    Cli::parse_from(all)
}

/// Backoff in milliseconds rather than seconds, for tests.
pub fn fast_retry() -> Retry {
    Retry {
        max_attempts: 8,
        base: Duration::from_millis(5),
        max: Duration::from_millis(200),
    }
}

/// A client that outruns Google's quota (the emulator has none) and retries reads fast.
pub fn fast_client() -> ClientConfig {
    ClientConfig {
        rate_per_second: 5_000.0,
        burst: 200,
        max_in_flight: 32,
        retry: fast_retry(),
        timeout: Duration::from_secs(20),
        ..ClientConfig::default()
    }
}

/// The demo's directory with [`fast_client`], the job's managed roots created.
pub async fn fast_directory(demo: &Demo, job: &AccountJob) -> GoogleDirectory {
    let target = demo
        .directory(fast_client())
        .await
        .unwrap()
        .with_retry(fast_retry());
    for root in &job.policy.managed_roots {
        target.ensure_org_unit(root).await.unwrap();
    }
    target
}

/// The accounts the job's policy wants for what the SIS returns now: (active, suspended).
pub async fn desired(
    job: &AccountJob,
    sis: &dyn SisSource,
) -> (Vec<DesiredAccount>, Vec<DesiredAccount>) {
    let schools = sis.schools(&Scope::All).await.unwrap().rows;
    let intents = match &job.population {
        Population::Students(p) => {
            let rows = sis.students(&Scope::All).await.unwrap().rows;
            p.desired(&rows, &schools, today())
        }
        Population::Staff(p) => {
            let rows = sis.staff(&Scope::All).await.unwrap().rows;
            p.desired(&rows, &schools)
        }
    };
    let mut seen = std::collections::HashSet::new();
    let (mut active, mut suspended) = (Vec::new(), Vec::new());
    for i in intents {
        if let Intent::Account { account, .. } = i {
            // The first SIS person with a key or an email wins it (the plan skips the rest).
            if !seen.insert(account.match_key().into_owned())
                || !seen.insert(format!("email:{}", account.primary_email))
            {
                continue;
            }
            if account.suspended {
                suspended.push(account);
            } else {
                active.push(account);
            }
        }
    }
    (active, suspended)
}

/// Every user of the emulator under the job's managed roots, by lower-cased email.
pub fn managed_users(demo: &Demo, job: &AccountJob) -> BTreeMap<String, Value> {
    let roots: Vec<String> = job
        .policy
        .managed_roots
        .iter()
        .map(|r| r.as_str().to_lowercase())
        .collect();
    demo.emulator
        .users()
        .into_iter()
        .filter(|u| {
            let ou = u["orgUnitPath"].as_str().unwrap_or("/").to_lowercase();
            roots
                .iter()
                .any(|r| ou == *r || ou.starts_with(&format!("{r}/")))
        })
        .map(|u| (u["primaryEmail"].as_str().unwrap().to_lowercase(), u))
        .collect()
}

/// Checks that the user has the desired values the sync manages; returns what differs.
pub fn differences(d: &DesiredAccount, u: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |what: &str, want: String, got: String| {
        if want != got {
            out.push(format!("{what}: want {want:?}, got {got:?}"));
        }
    };
    check(
        "givenName",
        d.given_name.clone(),
        u["name"]["givenName"].as_str().unwrap_or_default().into(),
    );
    check(
        "familyName",
        d.family_name.clone(),
        u["name"]["familyName"].as_str().unwrap_or_default().into(),
    );
    check(
        "orgUnitPath",
        d.org_unit_path.as_str().to_lowercase(),
        u["orgUnitPath"].as_str().unwrap_or_default().to_lowercase(),
    );
    check(
        "suspended",
        d.suspended.to_string(),
        u["suspended"].as_bool().unwrap_or(false).to_string(),
    );
    for (schema, fields) in &d.custom_schemas {
        for (field, value) in fields {
            let got = &u["customSchemas"][schema.as_str()][field.as_str()];
            let got = match got {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                v => v.to_string(),
            };
            check(&format!("{schema}.{field}"), value.text(), got);
        }
    }
    out
}

/// The audit log's lines as JSON.
pub fn audit_lines(path: &Path) -> Vec<Value> {
    match std::fs::read_to_string(path) {
        Ok(text) => text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// The names in a directory, sorted.
pub fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A target that delivers to `inbox` on the test's sshd, logging in with its client key.
pub fn sftp_target(
    sshd: &roster::sftp::testing::Sshd,
    inbox: &Path,
) -> roster::sftp::delivery::SftpTarget {
    use roster::sftp::delivery::{SftpAuth, SftpTarget};
    SftpTarget::new(
        "127.0.0.1",
        roster::sftp::testing::current_user(),
        SftpAuth::KeyFile {
            path: sshd.client_key().to_path_buf(),
            passphrase: None,
        },
        sshd.fingerprint(),
    )
    .port(sshd.port())
    .remote_dir(inbox.to_str().unwrap())
}
