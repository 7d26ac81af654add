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
    /// The pinned fingerprint is not `SHA256:<base64>`.
    InvalidFingerprint {
        /// The value given.
        value: String,
    },

    #[error("invalid remote file name {name:?}: {reason}")]
    /// A file name that cannot be used on the server (a path, a control character, ...).
    InvalidName {
        /// The name.
        name: String,
        /// Why it cannot be used.
        reason: &'static str,
    },

    #[error("cannot resolve {host}:{port}: {source}")]
    /// The host name did not resolve.
    Resolve {
        /// The host.
        host: String,
        /// The port.
        port: u16,
        #[source]
        /// The resolver's error.
        source: io::Error,
    },

    #[error("cannot connect to {addr}: {source}")]
    /// The TCP connection failed.
    Connect {
        /// `host:port`.
        addr: String,
        #[source]
        /// The socket's error.
        source: io::Error,
    },

    #[error("SSH handshake with {addr} failed: {source}")]
    /// The SSH handshake failed.
    Handshake {
        /// `host:port`.
        addr: String,
        #[source]
        /// libssh2's error.
        source: ssh2::Error,
    },

    /// The server's host key is not the pinned one: nothing was sent.
    #[error(
        "host key mismatch for {addr}: server presented {seen} ({key_type}), expected {expected}; nothing was sent. If the vendor really changed its key, confirm the new fingerprint with them and update the pin (`sftp-fingerprint {addr}` prints it)"
    )]
    HostKeyMismatch {
        /// `host:port`.
        addr: String,
        /// The fingerprint the server presented.
        seen: String,
        /// The pinned fingerprint.
        expected: String,
        /// The server key's type (e.g. `ssh-ed25519`).
        key_type: &'static str,
    },

    #[error("server {addr} did not present a host key")]
    /// The server presented no host key.
    NoHostKey {
        /// `host:port`.
        addr: String,
    },

    #[error("authentication failed for user {user} at {addr}: {detail}")]
    /// The server refused the credentials.
    Auth {
        /// The user name.
        user: String,
        /// `host:port`.
        addr: String,
        /// What the server or libssh2 said (never the password).
        detail: String,
    },

    #[error("cannot use private key {path}: {detail}")]
    /// The private key file is missing or unusable.
    KeyFile {
        /// The key file.
        path: PathBuf,
        /// What is wrong (never the passphrase).
        detail: String,
    },

    /// An SFTP operation failed in a way that retrying will not fix (missing directory,
    /// permission denied).
    #[error("SFTP {op} {path} on {addr} failed: {source}{hint}")]
    Remote {
        /// The operation (`open`, `rename`, `stat`, ...).
        op: &'static str,
        /// The remote path.
        path: String,
        /// `host:port`.
        addr: String,
        /// A hint for the operator, or empty.
        hint: &'static str,
        #[source]
        /// libssh2's error.
        source: ssh2::Error,
    },

    /// The connection or the SFTP channel broke during an operation.
    #[error("{what} on {addr} was interrupted: {source}")]
    Transfer {
        /// The operation and its path, e.g. `write /home/students.csv.part`.
        what: String,
        /// `host:port`.
        addr: String,
        #[source]
        /// The I/O error.
        source: io::Error,
    },

    #[error(
        "size check failed for {path} on {addr}: remote file has {remote} bytes, local has {local}"
    )]
    /// The remote file's size differs from what was sent.
    SizeMismatch {
        /// The remote path.
        path: String,
        /// `host:port`.
        addr: String,
        /// Bytes on the server.
        remote: u64,
        /// Bytes sent.
        local: u64,
    },

    #[error("cannot read local file {path}: {source}")]
    /// A local file to upload could not be read.
    LocalRead {
        /// The local file.
        path: PathBuf,
        #[source]
        /// The I/O error.
        source: io::Error,
    },

    #[error("uploaded {name}, but cannot keep the local copy in {path}: {source}")]
    /// The file was sent, but its local copy could not be kept.
    Archive {
        /// The file's name.
        name: String,
        /// The archive directory.
        path: PathBuf,
        #[source]
        /// The I/O error.
        source: io::Error,
    },

    /// Every attempt failed; `last` is the last attempt's error.
    #[error("giving up on {addr} after {attempts} attempts: {last}")]
    GaveUp {
        /// `host:port`.
        addr: String,
        /// Attempts made.
        attempts: u32,
        #[source]
        /// The last attempt's error.
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
    /// The blocking task panicked or was cancelled.
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
