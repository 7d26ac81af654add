//! The vendor checks: the district values the binary still lacks, and the SFTP drop: the
//! host answers with the pinned host key and the login works (one connection, one `stat` of
//! the remote directory: nothing is uploaded, renamed or listed).

use roster_core::probe::Check;
use roster_sftp::Secret;
use roster_sftp::delivery::{SftpAuth, SftpError, SftpTarget, parse_sha256};

use super::Env;
use crate::district::{EMPTY_SHA256, Unset, refusal};
use crate::vendor::VendorJob;

const KEY: &str = "SFTP host key";
const LOGIN: &str = "SFTP login";

/// The values only the district knows ([`Unset`]), with an SFTP fingerprint pinned from the
/// environment counting as set.
pub fn district_values(job: &VendorJob, unset: &[Unset], env: Env<'_>) -> Check {
    let pinned = job
        .sftp
        .as_ref()
        .is_some_and(|s| s.fingerprint_from_env(env));
    let unset: Vec<Unset> = unset
        .iter()
        .filter(|u| !(pinned && u.constant.contains("HOST_KEY")))
        .cloned()
        .collect();
    let names: Vec<&str> = unset.iter().map(|u| u.constant).collect();
    // The host key placeholder is the SFTP check's to report.
    match refusal(&job.name, None, &unset) {
        None => Check::ok("district values", "every value the job needs is set"),
        Some(_) => Check::fail(
            "district values",
            format!("not set in the district's code: {}", names.join(", ")),
            "set each constant as its doc comment says and rebuild (docs/DOCTOR.md#district-values)",
        ),
    }
}

/// The SFTP checks; none for a job without a drop. The demo skips them unless
/// `<PREFIX>_HOST` points it at a server (a rehearsal against a test server).
pub async fn checks(job: &VendorJob, demo: bool, env: Env<'_>) -> Vec<Check> {
    let Some(base) = &job.sftp else {
        return Vec::new();
    };
    let settings = match base.with_env(env) {
        Ok(s) => s,
        Err(e) => {
            return vec![
                Check::fail(
                    KEY,
                    e.to_string(),
                    "fix or unset the variable (docs/DOCTOR.md#sftp-host-key)",
                ),
                Check::skipped(LOGIN, "the SFTP settings above come first"),
            ];
        }
    };
    let host_var = format!("{}_HOST", settings.env_prefix);
    if demo && env(&host_var).is_none() {
        let why = format!("the demo has no vendor server (set {host_var} to check one)");
        return vec![Check::skipped(KEY, why.clone()), Check::skipped(LOGIN, why)];
    }
    let pin = settings.host_key_sha256.trim();
    let fingerprint_fix = format!(
        "run `sftp-fingerprint {}`, confirm it with the vendor, and pin it ({}_FINGERPRINT or the district's constant) (docs/DOCTOR.md#sftp-host-key)",
        settings.host, settings.env_prefix
    );
    if pin.is_empty() || pin == EMPTY_SHA256 || parse_sha256(pin).is_err() {
        return vec![
            Check::fail(
                KEY,
                format!("no host key is pinned for {} ({pin:?})", settings.host),
                fingerprint_fix,
            ),
            Check::skipped(LOGIN, "no login without a pinned host key"),
        ];
    }
    let user = env(&settings.user_env).filter(|u| !u.trim().is_empty());
    let password = env(&settings.password_env).filter(|p| !p.is_empty());
    let (Some(user), Some(password)) = (user, password) else {
        return vec![
            Check::skipped(KEY, "needs the login below"),
            Check::fail(
                LOGIN,
                format!(
                    "{} and {} must both be set",
                    settings.user_env, settings.password_env
                ),
                "set them in the scheduled task's environment (docs/DOCTOR.md#sftp-login)",
            ),
        ];
    };
    let target = settings.apply_timeout(
        SftpTarget::new(
            &settings.host,
            user.clone(),
            SftpAuth::Password(Secret::new(password)),
            pin,
        )
        .port(settings.port)
        .remote_dir(&settings.remote_dir),
    );
    match target.check_login().await {
        Ok(seen) => vec![
            Check::ok(KEY, format!("{} answers with the pinned key", seen.addr)),
            Check::ok(
                LOGIN,
                format!("{user} logged in; {} is a directory", seen.remote_dir),
            ),
        ],
        Err(e) => match e.root() {
            SftpError::HostKeyMismatch { .. } => vec![
                Check::fail(KEY, e.to_string(), fingerprint_fix),
                Check::skipped(LOGIN, "no login to a server with another host key"),
            ],
            root @ (SftpError::Auth { .. }
            | SftpError::KeyFile { .. }
            | SftpError::Transfer { .. }) => {
                let fix = match root {
                    SftpError::Transfer { .. } => format!(
                        "ask the vendor for the upload directory and set {}_DIR (docs/DOCTOR.md#sftp-login)",
                        settings.env_prefix
                    ),
                    _ => format!(
                        "check {} and {} with the vendor (docs/DOCTOR.md#sftp-login)",
                        settings.user_env, settings.password_env
                    ),
                };
                vec![
                    Check::ok(
                        KEY,
                        format!("{} answers with the pinned key", target.addr()),
                    ),
                    Check::fail(LOGIN, e.to_string(), fix),
                ]
            }
            _ => vec![
                Check::fail(
                    KEY,
                    e.to_string(),
                    format!(
                        "check the host and port ({}_HOST, {}_PORT) and that this machine may reach it (docs/DOCTOR.md#sftp-host-key)",
                        settings.env_prefix, settings.env_prefix
                    ),
                ),
                Check::skipped(LOGIN, "the server must answer first"),
            ],
        },
    }
}
