//! A vendor's SFTP drop: where it is, how to log in, which host key to expect, and how hard
//! to try. Uploading is in retry.rs; one file's transfer in transfer.rs.

use std::path::PathBuf;
use std::time::Duration;

use roster_core::Secret;

use super::Backoff;

/// How to log in. `Debug` never shows the password or passphrase.
#[derive(Debug, Clone)]
pub enum SftpAuth {
    /// A password, sent with the `password` method, or answered to `keyboard-interactive`
    /// prompts when the server offers only that (SchoolMint Grow, ST Math).
    Password(Secret),
    /// An OpenSSH or PEM private key file; its public half must be in the server's
    /// authorized keys.
    KeyFile {
        /// The key file.
        path: PathBuf,
        /// Its passphrase, if it has one.
        passphrase: Option<Secret>,
    },
}

/// A vendor's SFTP drop: where, as whom, which host key, and how hard to try.
#[derive(Debug, Clone)]
pub struct SftpTarget {
    /// The server's host name or address.
    pub host: String,
    /// The server's port (22 by default).
    pub port: u16,
    /// The login.
    pub username: String,
    /// Password or key file.
    pub auth: SftpAuth,
    /// The pinned host key fingerprint, `SHA256:<base64>` (what `sftp-fingerprint` and
    /// `ssh-keygen -l -E sha256` print).
    pub host_key_sha256: String,
    /// Remote directory for the files; empty means the login directory.
    pub remote_dir: String,
    /// Timeout of the TCP connect.
    pub connect_timeout: Duration,
    /// Timeout of each blocking SSH operation (handshake, auth, each write).
    pub io_timeout: Duration,
    /// Attempts after the first one on connection or transfer errors.
    pub retries: u32,
    /// Waits between attempts.
    pub backoff: Backoff,
    /// Where to keep a dated copy of every file sent; `None` keeps nothing.
    pub local_archive_dir: Option<PathBuf>,
}

impl SftpTarget {
    /// A target on port 22 with the defaults: login directory, 15 s connect timeout, 60 s I/O
    /// timeout, 4 retries with backoff from 2 s to 60 s, no archive.
    pub fn new(
        host: impl Into<String>,
        username: impl Into<String>,
        auth: SftpAuth,
        host_key_sha256: impl Into<String>,
    ) -> Self {
        SftpTarget {
            host: host.into(),
            port: 22,
            username: username.into(),
            auth,
            host_key_sha256: host_key_sha256.into(),
            remote_dir: String::new(),
            connect_timeout: Duration::from_secs(15),
            io_timeout: Duration::from_secs(60),
            retries: 4,
            backoff: Backoff::default(),
            local_archive_dir: None,
        }
    }

    /// Another port than 22.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The remote directory for the files.
    pub fn remote_dir(mut self, dir: impl Into<String>) -> Self {
        self.remote_dir = dir.into();
        self
    }

    /// The connect timeout and the timeout of each blocking SSH operation.
    pub fn timeouts(mut self, connect: Duration, io: Duration) -> Self {
        self.connect_timeout = connect;
        self.io_timeout = io;
        self
    }

    /// Attempts after the first one, and the waits between them.
    pub fn retries(mut self, retries: u32, backoff: Backoff) -> Self {
        self.retries = retries;
        self.backoff = backoff;
        self
    }

    /// Keep a dated copy of every file sent in `dir`.
    pub fn archive_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.local_archive_dir = Some(dir.into());
        self
    }

    /// `host:port`, as used in messages.
    pub fn addr(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// The remote path of a file called `name`.
    pub fn remote_path(&self, name: &str) -> String {
        let dir = self.remote_dir.trim_end_matches('/');
        if self.remote_dir.is_empty() {
            name.to_string()
        } else {
            format!("{dir}/{name}")
        }
    }
}
