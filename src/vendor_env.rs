//! A vendor's SFTP drop overridden from the environment, and the refusals that keep a vendor
//! binary from doing something other than what its command line says.
//!
//! With [`SftpSettings::env_prefix`] `STMATH_SFTP`, these variables override the district's
//! code (each is validated; a bad one is exit 2 naming it, before anything is read):
//!
//! | Variable | Value |
//! | --- | --- |
//! | `STMATH_SFTP_HOST` | host name or address |
//! | `STMATH_SFTP_PORT` | 1 to 65535 |
//! | `STMATH_SFTP_DIR` | remote directory (empty: the login directory) |
//! | `STMATH_SFTP_FINGERPRINT` | the pinned host key, `SHA256:<43 base64 characters>` |
//! | `STMATH_SFTP_TIMEOUT` | seconds a silent server is waited for, 1 to 3600 (default 60) |

use std::time::Duration;

use roster_core::Scope;
use roster_sftp::delivery::{SftpTarget, format_sha256, parse_sha256};

use crate::cli::{Cli, Mode, RunOptions};
use crate::error::ConfigError;
use crate::vendor::SftpSettings;

/// The SFTP timeout when `<PREFIX>_TIMEOUT` is not set: what the docs promise (60 s).
pub const DEFAULT_SFTP_TIMEOUT: Duration = Duration::from_secs(60);

/// The suffixes of the override variables, after `<PREFIX>_`.
pub const OVERRIDE_SUFFIXES: [&str; 5] = ["HOST", "PORT", "DIR", "FINGERPRINT", "TIMEOUT"];

impl SftpSettings {
    /// These settings with every `<PREFIX>_HOST|PORT|DIR|FINGERPRINT|TIMEOUT` that `env`
    /// returns applied; a bad value is an error naming the variable.
    pub fn with_env(&self, env: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut s = self.clone();
        let var = |suffix: &str| {
            let name = format!("{}_{suffix}", self.env_prefix);
            env(&name).map(|v| (name, v))
        };
        let bad = |name: String, value: &str, why: &str| ConfigError::BadEnv {
            name,
            value: value.to_string(),
            why: why.to_string(),
        };
        if let Some((name, v)) = var("HOST") {
            let h = v.trim();
            if h.is_empty()
                || h.chars()
                    .any(|c| c.is_whitespace() || c.is_control() || c == '/')
            {
                return Err(bad(name, &v, "not a host name"));
            }
            s.host = h.to_string();
        }
        if let Some((name, v)) = var("PORT") {
            s.port = match v.trim().parse::<u16>() {
                Ok(p) if p > 0 => p,
                _ => return Err(bad(name, &v, "a port is 1 to 65535")),
            };
        }
        if let Some((name, v)) = var("DIR") {
            if v.chars().any(char::is_control) {
                return Err(bad(name, &v, "holds a control character"));
            }
            s.remote_dir = v.trim().to_string();
        }
        if let Some((name, v)) = var("FINGERPRINT") {
            match parse_sha256(v.trim()) {
                Ok(fp) => s.host_key_sha256 = format_sha256(&fp),
                Err(_) => {
                    return Err(bad(
                        name,
                        &v,
                        "not SHA256:<43 base64 characters> as `sftp-fingerprint HOST` prints",
                    ));
                }
            }
        }
        if let Some((name, v)) = var("TIMEOUT") {
            s.timeout = match v.trim().trim_end_matches('s').parse::<u64>() {
                Ok(secs) if (1..=3600).contains(&secs) => Duration::from_secs(secs),
                _ => return Err(bad(name, &v, "seconds, 1 to 3600")),
            };
        }
        Ok(s)
    }

    /// Whether `env` pins the host key (then an unset fingerprint constant is no refusal).
    pub fn fingerprint_from_env(&self, env: &dyn Fn(&str) -> Option<String>) -> bool {
        env(&format!("{}_FINGERPRINT", self.env_prefix)).is_some()
    }

    /// Applies the timeout: [`SftpSettings::timeout`] for every blocking step; the TCP
    /// connect gets at most 15 s of it.
    pub(crate) fn apply_timeout(&self, target: SftpTarget) -> SftpTarget {
        let connect = self.timeout.min(Duration::from_secs(15));
        target.timeouts(connect, self.timeout)
    }
}

/// A full-refresh vendor file covers the whole district: `--scope school`, `--school N` and
/// `--scope state-reporting` would send a partial file that the vendor takes as everyone
/// (Grow archives the rest). Refused (exit 2) before anything is read or built.
pub fn refuse_partial_scope(opts: &RunOptions) -> Result<(), ConfigError> {
    match opts.scope()? {
        Scope::All => Ok(()),
        partial => Err(ConfigError::PartialScope(partial.to_string())),
    }
}

/// What a vendor binary refuses on its command line: `--json` (a vendor job prints file
/// lines, not a plan; `--report FILE` writes the JSON report) and `--demo apply` (the demo
/// has no vendor server, so it could only pretend to deliver) unless `env` names a
/// rehearsal server on this machine ([`crate::vendor_rehearsal`]).
pub fn refuse_vendor_flags(
    cli: &Cli,
    sftp: Option<&SftpSettings>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(), ConfigError> {
    if cli.opts.json {
        return Err(ConfigError::VendorFlag(
            "--json is for account plans; a vendor job writes files: use --report FILE for its JSON report",
        ));
    }
    if cli.opts.demo
        && cli.mode() == Mode::Apply
        && !crate::vendor_rehearsal::names_rehearsal_server(sftp, env)
    {
        return Err(ConfigError::VendorFlag(
            "--demo apply: the demo has no vendor SFTP server, so nothing can be delivered; run `--demo plan` (it writes the files), or name a rehearsal server on this machine (<PREFIX>_HOST=127.0.0.1 and <PREFIX>_FINGERPRINT)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> SftpSettings {
        SftpSettings {
            host: "sftp.example.org".into(),
            port: 22,
            host_key_sha256: String::new(),
            remote_dir: "/home".into(),
            user_env: "X_SFTP_USER".into(),
            password_env: "X_SFTP_PASSWORD".into(),
            env_prefix: "X_SFTP".into(),
            timeout: DEFAULT_SFTP_TIMEOUT,
        }
    }

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    #[test]
    fn overrides_apply_and_bad_values_name_their_variable() {
        let fp = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU";
        let s = settings()
            .with_env(&env(&[
                ("X_SFTP_HOST", "127.0.0.1"),
                ("X_SFTP_PORT", "2222"),
                ("X_SFTP_DIR", "/in"),
                ("X_SFTP_FINGERPRINT", fp),
                ("X_SFTP_TIMEOUT", "2"),
            ]))
            .unwrap();
        assert_eq!(
            (s.host.as_str(), s.port, s.remote_dir.as_str()),
            ("127.0.0.1", 2222, "/in")
        );
        assert_eq!((s.host_key_sha256.as_str(), s.timeout.as_secs()), (fp, 2));
        for (var, value) in [
            ("X_SFTP_PORT", "0"),
            ("X_SFTP_PORT", "65536"),
            ("X_SFTP_PORT", "-1"),
            ("X_SFTP_PORT", "ssh"),
            ("X_SFTP_FINGERPRINT", "MD5:12:34"),
            ("X_SFTP_FINGERPRINT", "SHA256:short"),
            ("X_SFTP_HOST", "a b"),
            ("X_SFTP_HOST", ""),
            ("X_SFTP_DIR", "/in\n"),
            ("X_SFTP_TIMEOUT", "0"),
            ("X_SFTP_TIMEOUT", "NaN"),
        ] {
            let e = settings().with_env(&env(&[(var, value)])).unwrap_err();
            assert!(e.to_string().starts_with(var), "{var}={value:?}: {e}");
        }
        assert_eq!(
            settings().with_env(&env(&[])).unwrap().host,
            "sftp.example.org"
        );
    }
}
