//! Opening an authenticated SFTP session: TCP connect, key exchange, host-key pin check (before
//! any authentication), then password / keyboard-interactive or public-key authentication.

use ssh2::{ErrorCode, KeyboardInteractivePrompt, Prompt, Session, Sftp};

use super::connect::tcp_connect;
use super::error::SftpError;
use super::hostkey::{format_sha256, parse_sha256, session_host_key};
use super::{SftpAuth, SftpTarget};

/// `LIBSSH2_ERROR_FILE`: libssh2 could not read or decrypt a private key file.
const LIBSSH2_ERROR_FILE: i32 = -16;

/// An authenticated session and its SFTP channel.
pub(crate) struct Connection {
    pub(crate) sess: Session,
    pub(crate) sftp: Sftp,
    pub(crate) addr: String,
}

impl Connection {
    pub(crate) fn close(self) {
        let Connection { sess, sftp, .. } = self;
        drop(sftp);
        let _ = sess.disconnect(None, "done", None);
    }
}

pub(crate) fn open(target: &SftpTarget) -> Result<Connection, SftpError> {
    // A malformed pin is a configuration error: refuse before touching the network.
    let expected = parse_sha256(&target.host_key_sha256)?;
    let (tcp, addr) = tcp_connect(&target.host, target.port, target.connect_timeout)?;
    let handshake = |source| SftpError::Handshake {
        addr: addr.clone(),
        source,
    };
    let mut sess = Session::new().map_err(handshake)?;
    sess.set_tcp_stream(tcp);
    sess.set_timeout(target.io_timeout.as_millis().clamp(1, u32::MAX as u128) as u32);
    sess.handshake().map_err(handshake)?;

    let seen = session_host_key(&sess, &addr)?;
    if parse_sha256(&seen.fingerprint)? != expected {
        let _ = sess.disconnect(None, "host key mismatch", None);
        tracing::error!(%addr, seen = %seen.fingerprint, expected = %format_sha256(&expected),
            "host key mismatch: refusing to authenticate or send");
        return Err(SftpError::HostKeyMismatch {
            addr,
            seen: seen.fingerprint,
            expected: format_sha256(&expected),
            key_type: seen.key_type,
        });
    }
    tracing::debug!(%addr, fingerprint = %seen.fingerprint, "host key matches the pin");

    authenticate(&sess, target, &addr)?;

    let sftp = sess.sftp().map_err(|e| SftpError::Transfer {
        what: "opening the SFTP channel".to_string(),
        addr: addr.clone(),
        source: e.into(),
    })?;
    Ok(Connection { sess, sftp, addr })
}

/// Answers every hidden prompt with the password (PAM asks "Password: "), visible ones with
/// nothing.
struct PasswordPrompter<'a> {
    password: &'a str,
}

impl KeyboardInteractivePrompt for PasswordPrompter<'_> {
    fn prompt<'b>(
        &mut self,
        _user: &str,
        _instructions: &str,
        prompts: &[Prompt<'b>],
    ) -> Vec<String> {
        prompts
            .iter()
            .map(|p| {
                if p.echo {
                    String::new()
                } else {
                    self.password.to_string()
                }
            })
            .collect()
    }
}

fn authenticate(sess: &Session, target: &SftpTarget, addr: &str) -> Result<(), SftpError> {
    let user = target.username.as_str();
    let auth_err = |detail: String| SftpError::Auth {
        user: user.to_string(),
        addr: addr.to_string(),
        detail,
    };
    // Asking for the methods sends a "none" request, which some servers accept outright.
    let offered = match sess.auth_methods(user) {
        Ok(m) => m.to_string(),
        Err(_) if sess.authenticated() => return Ok(()),
        Err(e) => return Err(interrupted("list authentication methods", addr, e)),
    };
    let offers = |m: &str| offered.split(',').any(|o| o == m);

    match &target.auth {
        SftpAuth::Password(password) => {
            let mut tried = Vec::new();
            if offers("password") {
                tried.push("password");
                match sess.userauth_password(user, password.expose()) {
                    Ok(()) if sess.authenticated() => return Ok(()),
                    Ok(()) => {}
                    Err(e) if is_auth_rejection(&e) => {}
                    Err(e) => return Err(interrupted("password authentication", addr, e)),
                }
            }
            if offers("keyboard-interactive") && !sess.authenticated() {
                tried.push("keyboard-interactive");
                let mut prompter = PasswordPrompter {
                    password: password.expose(),
                };
                match sess.userauth_keyboard_interactive(user, &mut prompter) {
                    Ok(()) if sess.authenticated() => return Ok(()),
                    Ok(()) => {}
                    Err(e) if is_auth_rejection(&e) => {}
                    Err(e) => {
                        return Err(interrupted("keyboard-interactive authentication", addr, e));
                    }
                }
            }
            if tried.is_empty() {
                return Err(auth_err(format!(
                    "the server offers neither password nor keyboard-interactive authentication (it offers: {offered}); use a key file"
                )));
            }
            Err(auth_err(format!(
                "the server rejected the password (tried {}; server offers: {offered}). Check the username and password",
                tried.join(", ")
            )))
        }
        SftpAuth::KeyFile { path, passphrase } => {
            if !offers("publickey") {
                return Err(auth_err(format!(
                    "the server does not offer public-key authentication (it offers: {offered})"
                )));
            }
            if let Err(source) = std::fs::metadata(path) {
                return Err(SftpError::KeyFile {
                    path: path.clone(),
                    detail: format!("cannot read it: {source}"),
                });
            }
            match sess.userauth_pubkey_file(
                user,
                None,
                path,
                passphrase.as_ref().map(|p| p.expose()),
            ) {
                Ok(()) if sess.authenticated() => Ok(()),
                Err(e) if e.code() == ErrorCode::Session(LIBSSH2_ERROR_FILE) => {
                    Err(SftpError::KeyFile {
                        path: path.clone(),
                        detail: format!(
                            "wrong passphrase, or a key format libssh2 cannot read ({})",
                            e.message()
                        ),
                    })
                }
                Err(e) if !is_auth_rejection(&e) => {
                    Err(interrupted("public-key authentication", addr, e))
                }
                Ok(()) | Err(_) => Err(auth_err(format!(
                    "the server rejected the key {} (is its .pub in the user's authorized_keys?)",
                    path.display()
                ))),
            }
        }
    }
}

/// libssh2's "authentication failed" codes (as opposed to a broken connection).
fn is_auth_rejection(e: &ssh2::Error) -> bool {
    // LIBSSH2_ERROR_AUTHENTICATION_FAILED = -18, LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED = -19,
    // LIBSSH2_ERROR_METHOD_NOT_SUPPORTED = -33.
    matches!(e.code(), ErrorCode::Session(-18 | -19 | -33))
}

/// A libssh2 error that is not an authentication verdict: the connection broke (retryable).
fn interrupted(op: &'static str, addr: &str, e: ssh2::Error) -> SftpError {
    SftpError::Transfer {
        what: op.to_string(),
        addr: addr.to_string(),
        source: e.into(),
    }
}
