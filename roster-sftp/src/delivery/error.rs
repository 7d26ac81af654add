//! Delivery errors: each message names the host, user, file or fingerprint involved and never a
//! password or passphrase.

use std::io;
use std::path::PathBuf;

/// Why an SFTP delivery failed.
///
/// [`SftpError::is_retryable`] tells connection and transfer trouble (worth another attempt)
/// from configuration trouble (a wrong fingerprint, password or path: retrying cannot help).
#[derive(Debug, thiserror::Error)]
pub enum SftpError {
    /// The pinned fingerprint in the district's code is not `SHA256:<base64>`.
    #[error(
        "invalid pinned host key fingerprint {value:?}: expected OpenSSH style \"SHA256:<43 base64 characters>\" as printed by `sftp-fingerprint HOST[:PORT]` or `ssh-keygen -l -E sha256`"
    )]
    InvalidFingerprint { value: String },

    #[error("invalid remote file name {name:?}: {reason}")]
    InvalidName { name: String, reason: &'static str },

    #[error("cannot resolve {host}:{port}: {source}")]
    Resolve {
        host: String,
        port: u16,
        #[source]
        source: io::Error,
    },

    #[error("cannot connect to {addr}: {source}")]
    Connect {
        addr: String,
        #[source]
        source: io::Error,
    },

    #[error("SSH handshake with {addr} failed: {source}")]
    Handshake {
        addr: String,
        #[source]
        source: ssh2::Error,
    },

    /// The server's host key is not the pinned one: nothing was sent.
    #[error(
        "host key mismatch for {addr}: server presented {seen} ({key_type}), expected {expected}; nothing was sent. If the vendor really changed its key, confirm the new fingerprint with them and update the pin (`sftp-fingerprint {addr}` prints it)"
    )]
    HostKeyMismatch {
        addr: String,
        seen: String,
        expected: String,
        key_type: &'static str,
    },

    #[error("server {addr} did not present a host key")]
    NoHostKey { addr: String },

    #[error("authentication failed for user {user} at {addr}: {detail}")]
    Auth {
        user: String,
        addr: String,
        detail: String,
    },

    #[error("cannot use private key {path}: {detail}")]
    KeyFile { path: PathBuf, detail: String },

    /// An SFTP operation failed in a way that retrying will not fix (missing directory,
    /// permission denied).
    #[error("SFTP {op} {path} on {addr} failed: {source}{hint}")]
    Remote {
        op: &'static str,
        path: String,
        addr: String,
        hint: &'static str,
        #[source]
        source: ssh2::Error,
    },

    /// The connection or the SFTP channel broke during an operation.
    #[error("{what} on {addr} was interrupted: {source}")]
    Transfer {
        /// The operation and its path, e.g. `write /home/students.csv.part`.
        what: String,
        addr: String,
        #[source]
        source: io::Error,
    },

    #[error(
        "size check failed for {path} on {addr}: remote file has {remote} bytes, local has {local}"
    )]
    SizeMismatch {
        path: String,
        addr: String,
        remote: u64,
        local: u64,
    },

    #[error("cannot read local file {path}: {source}")]
    LocalRead {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error("uploaded {name}, but cannot keep the local copy in {path}: {source}")]
    Archive {
        name: String,
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    /// Every attempt failed; `last` is the last attempt's error.
    #[error("giving up on {addr} after {attempts} attempts: {last}")]
    GaveUp {
        addr: String,
        attempts: u32,
        #[source]
        last: Box<SftpError>,
    },

    /// The server stopped answering for the whole timeout (a hung server): not retried.
    #[error("{addr} did not answer for {secs} s (the SFTP timeout): giving up: {last}")]
    TimedOut {
        /// `host:port`.
        addr: String,
        /// The timeout, in seconds.
        secs: u64,
        /// The operation that waited.
        #[source]
        last: Box<SftpError>,
    },

    #[error("the blocking SFTP task failed: {0}")]
    Task(String),
}

impl SftpError {
    /// Connection and transfer errors are worth another attempt; host key, authentication,
    /// configuration and local errors are not.
    pub fn is_retryable(&self) -> bool {
        !self.is_timeout()
            && matches!(
                self,
                SftpError::Resolve { .. }
                    | SftpError::Connect { .. }
                    | SftpError::Handshake { .. }
                    | SftpError::Transfer { .. }
                    | SftpError::SizeMismatch { .. }
            )
    }

    /// The error of the last attempt when retries ran out, else `self`.
    pub fn root(&self) -> &SftpError {
        match self {
            SftpError::GaveUp { last, .. } => last.root(),
            other => other,
        }
    }
}
