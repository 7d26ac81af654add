//! `--demo apply` of a vendor job against a rehearsal SFTP server: the demo district (read
//! through any `--sis` source) delivered to a server on this machine the environment names.
//! The demo has no vendor server of its own, and demo rows must never reach a real vendor
//! (ST Math or Grow would drop every real person missing from them), so the server must be a
//! loopback address in `<PREFIX>_HOST` with its key pinned in `<PREFIX>_FINGERPRINT`;
//! anything else is refused as before (exit 2, nothing built or sent).

use std::net::IpAddr;
use std::path::Path;

use roster_sftp::delivery::SftpTarget;

use crate::cli::Mode;
use crate::error::ConfigError;
use crate::vendor::SftpSettings;

/// Is `host` this machine (`localhost`, `127.0.0.0/8`, `::1`)?
pub fn is_loopback(host: &str) -> bool {
    let h = host.trim().trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost") || h.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether `env` names a rehearsal server for `sftp`: `<PREFIX>_HOST` on loopback and
/// `<PREFIX>_FINGERPRINT` set.
pub fn names_rehearsal_server(
    sftp: Option<&SftpSettings>,
    env: &dyn Fn(&str) -> Option<String>,
) -> bool {
    sftp.is_some_and(|s| {
        let var = |suffix: &str| env(&format!("{}_{suffix}", s.env_prefix));
        var("HOST").is_some_and(|h| is_loopback(&h)) && var("FINGERPRINT").is_some()
    })
}

/// The target of a `--demo` run: the rehearsal server for `apply` when the environment names
/// one ([`names_rehearsal_server`]; `sftp` already carries the overrides), else none (the
/// files are written, nothing is sent). The login is `<user_env>` and `<password_env>`.
pub fn demo_target(
    mode: Mode,
    sftp: Option<&SftpSettings>,
    env: &dyn Fn(&str) -> Option<String>,
    dir: &Path,
) -> Result<Option<SftpTarget>, ConfigError> {
    match sftp {
        Some(s) if mode == Mode::Apply && names_rehearsal_server(Some(s), env) => {
            s.target_from_env(dir).map(Some)
        }
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> SftpSettings {
        SftpSettings {
            host: "sftp.vendor.example".into(),
            port: 22,
            host_key_sha256: String::new(),
            remote_dir: String::new(),
            user_env: "X_SFTP_USER".into(),
            password_env: "X_SFTP_PASSWORD".into(),
            env_prefix: "X_SFTP".into(),
            timeout: crate::vendor_env::DEFAULT_SFTP_TIMEOUT,
        }
    }

    #[test]
    fn only_a_pinned_loopback_server_is_a_rehearsal() {
        let fp = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        let case = |host: &str, pinned: bool| {
            let env = move |k: &str| match k {
                "X_SFTP_HOST" => Some(host.to_string()),
                "X_SFTP_FINGERPRINT" if pinned => Some(fp.to_string()),
                _ => None,
            };
            names_rehearsal_server(Some(&settings()), &env)
        };
        for host in [
            "127.0.0.1",
            "127.8.0.2",
            "::1",
            "[::1]",
            "localhost",
            " LOCALHOST ",
        ] {
            assert!(case(host, true), "{host}");
            assert!(!case(host, false), "{host} without a pinned key");
        }
        for host in [
            "sftp.stmath.com",
            "10.0.0.1",
            "0.0.0.0",
            "",
            "127.0.0.1.example.com",
        ] {
            assert!(!case(host, true), "{host}");
        }
        assert!(!names_rehearsal_server(None, &|_| Some(fp.into())));
        // Not apply, or not a rehearsal: no target, and nothing read from the environment.
        let env = |_: &str| None;
        let dir = Path::new("/nonexistent");
        assert!(
            demo_target(Mode::Apply, Some(&settings()), &env, dir)
                .unwrap()
                .is_none()
        );
        let env = |k: &str| (k == "X_SFTP_HOST").then(|| "127.0.0.1".to_string());
        assert!(
            demo_target(Mode::Plan, Some(&settings()), &env, dir)
                .unwrap()
                .is_none()
        );
    }
}
