//! Notifications: after a run, an email to the district's admins with the run's summary, its
//! changes (capped, with counts), every failure with Google's reason and the safety valve's
//! reasons, the JSON report attached.
//!
//! `--notify-on failure|refusal|changes|always` turns it on; the addresses and the SMTP server
//! come from the environment ([`NotifySettings::from_env`]), checked before any work: a bad
//! value is exit 2 naming the variable. A server that is down or refuses the login never
//! changes the run's exit code: one line is logged ([`Notifier::send`]). The password is a
//! [`Secret`](roster_core::Secret): it is never logged, shown or put in the message.

mod message;
mod settings;

use std::io::Write;
use std::time::Duration;

use clap::ValueEnum;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use roster_core::report::RunReport;

pub use message::{MAX_ATTACHMENT_BYTES, MAX_LISTED, compose};
pub use settings::{NotifyConfigError, NotifySettings, TlsMode};

/// When a run sends its email (`--notify-on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NotifyOn {
    /// The run did not end with exit code 0: failed changes, or stopped (the safety valve
    /// included).
    Failure,
    /// The safety valve (or a vendor job's refresh guard) refused the run.
    Refusal,
    /// The run planned or applied changes, or did not end with exit code 0.
    Changes,
    /// Every run.
    Always,
}

impl NotifyOn {
    /// Whether a run that ended with this report sends the email.
    pub fn wants(self, report: &RunReport) -> bool {
        let failed = report.exit_code() != roster_core::report::ExitCode::Ok;
        match self {
            NotifyOn::Always => true,
            NotifyOn::Failure => failed,
            NotifyOn::Refusal => refused(report),
            NotifyOn::Changes => failed || changes(report) > 0,
        }
    }
}

/// Whether the safety valve or the refresh guard stopped the run.
pub fn refused(report: &RunReport) -> bool {
    report.aborted.is_some() && !report.violations.is_empty()
}

/// The changes the run applied (apply) or planned (plan), skips not counted.
pub fn changes(report: &RunReport) -> usize {
    let counts = if report.mode == "apply" {
        &report.applied
    } else {
        &report.planned
    };
    counts
        .iter()
        .filter(|(k, _)| k.as_str() != "skip")
        .map(|(_, n)| n)
        .sum()
}

/// How long one delivery may take (connect, TLS, login, send) before it is given up.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// A validated notification setup: when to send and where.
#[derive(Debug, Clone)]
pub struct Notifier {
    /// When to send.
    pub on: NotifyOn,
    /// Where and how.
    pub settings: NotifySettings,
}

/// Why an email was not sent (logged, never the run's exit code).
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The message could not be built.
    #[error("cannot build the message: {0}")]
    Build(String),
    /// The SMTP server could not be reached, refused the login or the message.
    #[error("SMTP {server}: {source}")]
    Smtp {
        /// `host:port`.
        server: String,
        #[source]
        source: lettre::transport::smtp::Error,
    },
    /// The server did not answer within [`SEND_TIMEOUT`].
    #[error("SMTP {0}: no answer within {SEND_TIMEOUT:?}")]
    Timeout(String),
}

impl Notifier {
    /// The notifier `--notify-on` asks for, its settings read from `env`; `None` without the
    /// flag (the variables are then not read).
    pub fn from_flag(
        on: Option<NotifyOn>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<Notifier>, NotifyConfigError> {
        let Some(on) = on else { return Ok(None) };
        let settings = NotifySettings::from_env(env)?;
        Ok(Some(Notifier { on, settings }))
    }

    /// Sends the email if the report calls for it; `changes` is the plan as the run printed
    /// it. A failure is logged as one line and returned; it never changes the exit code.
    pub async fn notify(&self, report: &RunReport, changes: &str) -> Result<bool, SendError> {
        if !self.on.wants(report) {
            tracing::debug!("no notification: --notify-on {:?}", self.on);
            return Ok(false);
        }
        match self.send(report, changes).await {
            Ok(()) => {
                tracing::info!(
                    "notification sent to {} address(es)",
                    self.settings.to.len()
                );
                Ok(true)
            }
            Err(e) => {
                tracing::error!("notification not sent (the run's exit code stands): {e}");
                Err(e)
            }
        }
    }

    /// Builds and sends the email now, whatever `--notify-on` says.
    pub async fn send(&self, report: &RunReport, changes: &str) -> Result<(), SendError> {
        let s = &self.settings;
        let email = compose(s, report, changes).map_err(|e| SendError::Build(e.to_string()))?;
        let server = format!("{}:{}", s.host, s.port);
        let smtp = |source| SendError::Smtp {
            server: server.clone(),
            source,
        };
        let tls = match s.tls {
            TlsMode::None => Tls::None,
            mode => {
                let mut params = TlsParameters::builder(s.host.clone());
                if let Some(pem) = &s.ca_pem {
                    params = params.add_root_certificate(Certificate::from_pem(pem).map_err(smtp)?);
                }
                let params = params.build_rustls().map_err(smtp)?;
                if mode == TlsMode::Tls {
                    Tls::Wrapper(params)
                } else {
                    Tls::Required(params)
                }
            }
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host)
            .port(s.port)
            .tls(tls)
            .timeout(Some(SEND_TIMEOUT));
        if let Some((user, password)) = &s.login {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.expose().to_string(),
            ));
        }
        let transport = builder.build();
        match tokio::time::timeout(SEND_TIMEOUT, transport.send(email)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(smtp(e)),
            Err(_) => Err(SendError::Timeout(server)),
        }
    }
}

/// Writes through to `inner` and keeps the first [`CAPTURE_BYTES`] bytes: the plan as the
/// run printed it, for the email's list of changes.
pub struct Tee<W> {
    inner: W,
    /// What was written, up to [`CAPTURE_BYTES`].
    pub captured: Vec<u8>,
    /// Bytes written past the cap (not kept).
    pub dropped: usize,
}

/// How much of the printed plan [`Tee`] keeps for the email.
pub const CAPTURE_BYTES: usize = 1 << 20;

impl<W: Write> Tee<W> {
    /// A tee in front of `inner`.
    pub fn new(inner: W) -> Self {
        Tee {
            inner,
            captured: Vec::new(),
            dropped: 0,
        }
    }

    /// The captured text (lossy UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.captured).into_owned()
    }
}

impl<W: Write> Write for Tee<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        let room = CAPTURE_BYTES.saturating_sub(self.captured.len()).min(n);
        self.captured.extend_from_slice(&buf[..room]);
        self.dropped += n - room;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
