//! The notification settings from the environment, each checked before any work.

use lettre::message::Mailbox;
use roster_core::Secret;

/// How the connection to the SMTP server is secured (`SMTP_TLS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// `starttls` (the default, port 587): plain connection upgraded with STARTTLS, which the
    /// server must offer.
    StartTls,
    /// `tls` (port 465): TLS from the first byte.
    Tls,
    /// `none` (port 25): no encryption; refused together with a login (the password would
    /// cross the network in clear).
    None,
}

/// Where the email goes and through which server.
#[derive(Debug, Clone)]
pub struct NotifySettings {
    /// `ROSTER_NOTIFY_TO`: one or more addresses, comma-separated.
    pub to: Vec<Mailbox>,
    /// `SMTP_FROM`: the sender (`Roster <roster@district.org>` or a bare address).
    pub from: Mailbox,
    /// `SMTP_HOST`.
    pub host: String,
    /// `SMTP_PORT` (default by `SMTP_TLS`: 587, 465 or 25).
    pub port: u16,
    /// `SMTP_TLS`.
    pub tls: TlsMode,
    /// `SMTP_USER` and `SMTP_PASSWORD` (both or neither).
    pub login: Option<(String, Secret)>,
    /// `SMTP_CA_FILE`: a PEM certificate trusted besides the public roots (a district's own
    /// relay with an internal CA).
    pub ca_pem: Option<Vec<u8>>,
}

/// A notification variable that is missing or wrong (exit 2 before any work).
#[derive(Debug, thiserror::Error)]
pub enum NotifyConfigError {
    /// A variable `--notify-on` needs is not set.
    #[error("--notify-on needs {0}: {1}")]
    Missing(&'static str, &'static str),
    /// A variable with a bad value (shown escaped; never the password).
    #[error("{name}={value:?} is refused: {why}")]
    Bad {
        /// The variable.
        name: &'static str,
        /// Its value, at most 200 characters of it.
        value: String,
        /// What it must be.
        why: String,
    },
}

fn bad(name: &'static str, value: &str, why: impl Into<String>) -> NotifyConfigError {
    NotifyConfigError::Bad {
        name,
        value: value.chars().take(200).collect(),
        why: why.into(),
    }
}

/// A mailbox without control characters (a CR/LF would start a new header).
fn mailbox(name: &'static str, raw: &str) -> Result<Mailbox, NotifyConfigError> {
    let t = raw.trim();
    if t.chars().any(char::is_control) {
        return Err(bad(name, raw, "control characters (CR/LF) are not allowed"));
    }
    t.parse::<Mailbox>()
        .map_err(|e| bad(name, raw, format!("not an email address ({e})")))
}

impl NotifySettings {
    /// Reads and checks every variable; the first bad one is the error.
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<Self, NotifyConfigError> {
        let get = |k: &str| env(k).filter(|v| !v.trim().is_empty());
        let to_raw = get("ROSTER_NOTIFY_TO").ok_or(NotifyConfigError::Missing(
            "ROSTER_NOTIFY_TO",
            "the addresses to notify, comma-separated",
        ))?;
        let to = to_raw
            .split(',')
            .filter(|a| !a.trim().is_empty())
            .map(|a| mailbox("ROSTER_NOTIFY_TO", a))
            .collect::<Result<Vec<_>, _>>()?;
        if to.len() > 100 {
            return Err(bad("ROSTER_NOTIFY_TO", &to_raw, "at most 100 addresses"));
        }
        let from_raw = get("SMTP_FROM").ok_or(NotifyConfigError::Missing(
            "SMTP_FROM",
            "the sender address (e.g. roster@district.org)",
        ))?;
        let from = mailbox("SMTP_FROM", &from_raw)?;
        let host = get("SMTP_HOST").ok_or(NotifyConfigError::Missing(
            "SMTP_HOST",
            "the SMTP server's name",
        ))?;
        let host = host.trim().to_string();
        if host.len() > 253
            || !host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        {
            return Err(bad("SMTP_HOST", &host, "not a host name or IP address"));
        }
        let tls = match get("SMTP_TLS").as_deref().map(str::trim) {
            None | Some("starttls") => TlsMode::StartTls,
            Some("tls") => TlsMode::Tls,
            Some("none") => TlsMode::None,
            Some(v) => return Err(bad("SMTP_TLS", v, "must be starttls, tls or none")),
        };
        let port = match get("SMTP_PORT") {
            None => match tls {
                TlsMode::StartTls => 587,
                TlsMode::Tls => 465,
                TlsMode::None => 25,
            },
            Some(v) => match v.trim().parse::<u16>() {
                Ok(p) if p > 0 => p,
                _ => return Err(bad("SMTP_PORT", &v, "must be a port from 1 to 65535")),
            },
        };
        let login = match (
            get("SMTP_USER"),
            env("SMTP_PASSWORD").filter(|p| !p.is_empty()),
        ) {
            (None, None) => None,
            (Some(u), Some(p)) => {
                if u.chars().any(char::is_control) {
                    return Err(bad("SMTP_USER", &u, "control characters are not allowed"));
                }
                Some((u, Secret::new(p)))
            }
            (Some(_), None) => {
                return Err(NotifyConfigError::Missing(
                    "SMTP_PASSWORD",
                    "SMTP_USER is set, so is the login's password",
                ));
            }
            (None, Some(_)) => {
                return Err(NotifyConfigError::Missing(
                    "SMTP_USER",
                    "SMTP_PASSWORD is set, so is the login's user",
                ));
            }
        };
        if login.is_some() && tls == TlsMode::None {
            return Err(bad(
                "SMTP_TLS",
                "none",
                "a login (SMTP_USER) needs starttls or tls: the password would cross the network in clear",
            ));
        }
        let ca_pem = match get("SMTP_CA_FILE") {
            None => None,
            Some(path) => {
                let pem = std::fs::read(&path)
                    .map_err(|e| bad("SMTP_CA_FILE", &path, format!("cannot read it: {e}")))?;
                let not_pem = |why: String| bad("SMTP_CA_FILE", &path, why);
                if !pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
                    return Err(not_pem(
                        "not a PEM certificate (no BEGIN CERTIFICATE)".into(),
                    ));
                }
                lettre::transport::smtp::client::Certificate::from_pem(&pem)
                    .map_err(|e| not_pem(format!("not a PEM certificate: {e}")))?;
                Some(pem)
            }
        };
        Ok(NotifySettings {
            to,
            from,
            host,
            port,
            tls,
            login,
            ca_pem,
        })
    }
}
