//! SFTP delivery of vendor files (DESIGN §8), on `ssh2` (libssh2).
//!
//! What one [`SftpTarget::upload_blocking`] (or the async [`SftpTarget::upload`]) does:
//!
//! 1. Connects with a timeout and runs the SSH key exchange.
//! 2. Compares the server's SHA256 host-key fingerprint with the pinned one. On a mismatch it
//!    disconnects before authenticating: no credential and no file byte leaves the machine.
//! 3. Authenticates: a password (over `password`, or `keyboard-interactive` when the server only
//!    offers that) or a private key file (with an optional passphrase).
//! 4. For each file: writes `NAME.part`, checks its size, replaces `NAME` (libssh2's rename
//!    does not overwrite on SFTP v3 servers such as OpenSSH, so after a refused rename it
//!    removes `NAME` and renames again), and checks the size of `NAME`. A reader of `NAME`
//!    never sees a half-written file.
//! 5. Keeps a copy of each file sent in `local_archive_dir/YYYY-MM-DD/HHMMSS-NAME` (UTC).
//!
//! Connection and transfer errors are retried with exponential backoff (files already
//! delivered are not sent again); host key, authentication and path errors are not.
//!
//! ```no_run
//! use roster_sftp::delivery::{SftpAuth, SftpTarget, Upload};
//! use roster_sftp::Secret;
//!
//! let target = SftpTarget::new(
//!     "sftp.stmath.com",
//!     "kipp_chicago",
//!     SftpAuth::Password(Secret::from_env("STMATH_SFTP_PASSWORD").expect("password")),
//!     "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU",
//! )
//! .remote_dir("/home")
//! .archive_dir("/var/lib/roster/sent");
//! let sent = target.upload_blocking(&[Upload::bytes("students.csv", b"iid,...\n".to_vec())])?;
//! # Ok::<(), roster_sftp::delivery::SftpError>(())
//! ```

mod error;
mod hostkey;
mod session;

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use rand::Rng;
use ssh2::{ErrorCode, OpenFlags, OpenType, RenameFlags};

pub use error::SftpError;
pub use hostkey::{HostKeyInfo, fetch_host_key, fetch_host_key_async, format_sha256, parse_sha256};

pub use roster_core::Secret;

use session::Connection;

/// How to log in. `Debug` never shows the password or passphrase.
#[derive(Debug, Clone)]
pub enum SftpAuth {
    /// A password, sent with the `password` method, or answered to `keyboard-interactive`
    /// prompts when the server offers only that (SchoolMint Grow, ST Math).
    Password(Secret),
    /// An OpenSSH or PEM private key file; its public half must be in the server's
    /// authorized keys.
    KeyFile {
        path: PathBuf,
        passphrase: Option<Secret>,
    },
}

/// Exponential backoff between attempts: `initial`, `2 × initial`, … capped at `max`, each
/// with up to 10 % random jitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub initial: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: Duration::from_secs(2),
            max: Duration::from_secs(60),
        }
    }
}

impl Backoff {
    /// The wait after failed attempt number `attempt` (1-based), before jitter.
    pub fn base_delay(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.initial.saturating_mul(factor).min(self.max)
    }

    fn delay(&self, attempt: u32) -> Duration {
        let base = self.base_delay(attempt);
        let jitter_ms = (base.as_millis() / 10) as u64;
        let jitter = if jitter_ms > 0 {
            rand::thread_rng().gen_range(0..=jitter_ms)
        } else {
            0
        };
        base + Duration::from_millis(jitter)
    }
}

/// A vendor's SFTP drop: where, as whom, which host key, and how hard to try.
#[derive(Debug, Clone)]
pub struct SftpTarget {
    pub host: String,
    pub port: u16,
    pub username: String,
    pub auth: SftpAuth,
    /// The pinned host key fingerprint, `SHA256:<base64>` (what `sftp-fingerprint` and
    /// `ssh-keygen -l -E sha256` print).
    pub host_key_sha256: String,
    /// Remote directory for the files; empty means the login directory.
    pub remote_dir: String,
    pub connect_timeout: Duration,
    /// Timeout of each blocking SSH operation (handshake, auth, each write).
    pub io_timeout: Duration,
    /// Attempts after the first one on connection or transfer errors.
    pub retries: u32,
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

    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    pub fn remote_dir(mut self, dir: impl Into<String>) -> Self {
        self.remote_dir = dir.into();
        self
    }

    pub fn timeouts(mut self, connect: Duration, io: Duration) -> Self {
        self.connect_timeout = connect;
        self.io_timeout = io;
        self
    }

    pub fn retries(mut self, retries: u32, backoff: Backoff) -> Self {
        self.retries = retries;
        self.backoff = backoff;
        self
    }

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

    /// Uploads the files in order over one connection (see the module docs).
    pub fn upload_blocking(&self, files: &[Upload]) -> Result<Vec<Uploaded>, SftpError> {
        self.upload_blocking_with_progress(files, &mut |_| {})
    }

    /// [`SftpTarget::upload_blocking`], calling `progress` after each block written.
    pub fn upload_blocking_with_progress(
        &self,
        files: &[Upload],
        progress: &mut dyn FnMut(&Progress<'_>),
    ) -> Result<Vec<Uploaded>, SftpError> {
        for f in files {
            check_name(&f.name)?;
        }
        parse_sha256(&self.host_key_sha256)?;
        let addr = self.addr();
        let mut done: Vec<Uploaded> = Vec::with_capacity(files.len());
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            match self.attempt(&files[done.len()..], attempt, progress, &mut done) {
                Ok(()) => return Ok(done),
                Err(e) if e.is_retryable() && attempt <= self.retries => {
                    let wait = self.backoff.delay(attempt);
                    tracing::warn!(%addr, attempt, retries = self.retries, error = %e,
                        wait_ms = wait.as_millis() as u64, "SFTP upload failed; retrying");
                    std::thread::sleep(wait);
                }
                Err(e) if e.is_retryable() => {
                    tracing::error!(%addr, attempts = attempt, error = %e, "SFTP upload failed; giving up");
                    return Err(SftpError::GaveUp {
                        addr,
                        attempts: attempt,
                        last: Box::new(e),
                    });
                }
                Err(e) => {
                    tracing::error!(%addr, error = %e, "SFTP upload failed");
                    return Err(e);
                }
            }
        }
    }

    /// Async [`SftpTarget::upload_blocking`]: runs on tokio's blocking pool.
    pub async fn upload(&self, files: Vec<Upload>) -> Result<Vec<Uploaded>, SftpError> {
        self.upload_with_progress(files, |_| {}).await
    }

    /// Async [`SftpTarget::upload_blocking_with_progress`].
    pub async fn upload_with_progress<F>(
        &self,
        files: Vec<Upload>,
        mut progress: F,
    ) -> Result<Vec<Uploaded>, SftpError>
    where
        F: FnMut(&Progress<'_>) + Send + 'static,
    {
        let target = self.clone();
        tokio::task::spawn_blocking(move || {
            target.upload_blocking_with_progress(&files, &mut progress)
        })
        .await
        .map_err(|e| SftpError::Task(e.to_string()))?
    }

    /// One connection: sends `files` in order, pushing a receipt to `done` for each.
    fn attempt(
        &self,
        files: &[Upload],
        attempt: u32,
        progress: &mut dyn FnMut(&Progress<'_>),
        done: &mut Vec<Uploaded>,
    ) -> Result<(), SftpError> {
        if files.is_empty() {
            return Ok(());
        }
        let conn = session::open(self)?;
        tracing::debug!(addr = %conn.addr, user = %self.username, attempt, "connected");
        for file in files {
            let bytes = self.send_one(&conn, file, attempt, progress)?;
            let remote_path = self.remote_path(&file.name);
            tracing::info!(addr = %conn.addr, path = %remote_path, bytes, attempt, "uploaded");
            let archived = match &self.local_archive_dir {
                Some(dir) => Some(archive(dir, file)?),
                None => None,
            };
            done.push(Uploaded {
                name: file.name.clone(),
                remote_path,
                bytes,
                attempts: attempt,
                archived,
            });
        }
        conn.close();
        Ok(())
    }

    fn send_one(
        &self,
        conn: &Connection,
        file: &Upload,
        attempt: u32,
        progress: &mut dyn FnMut(&Progress<'_>),
    ) -> Result<u64, SftpError> {
        let addr = conn.addr.as_str();
        let part = self.remote_path(&format!("{}.part", file.name));
        let fin = self.remote_path(&file.name);
        let (mut reader, total) = file.source.open()?;

        let mut remote = conn
            .sftp
            .open_mode(
                Path::new(&part),
                OpenFlags::WRITE | OpenFlags::CREATE | OpenFlags::TRUNCATE,
                0o644,
                OpenType::File,
            )
            .map_err(|e| sftp_error("create", &part, addr, e))?;

        let mut buf = vec![0u8; 128 * 1024];
        let mut sent = 0u64;
        progress(&Progress {
            name: &file.name,
            sent,
            total,
            attempt,
        });
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(source) => return Err(file.source.read_error(source)),
            };
            remote
                .write_all(&buf[..n])
                .map_err(|source| SftpError::Transfer {
                    what: format!("write {part}"),
                    addr: addr.to_string(),
                    source,
                })?;
            sent += n as u64;
            progress(&Progress {
                name: &file.name,
                sent,
                total,
                attempt,
            });
        }
        // fsync@openssh.com is an extension: not every server has it.
        if let Err(e) = remote.fsync() {
            tracing::debug!(%addr, path = %part, error = %e, "remote fsync not available");
        }
        remote
            .close()
            .map_err(|e| sftp_error("close", &part, addr, e))?;
        drop(remote);
        verify_size(conn, &part, sent)?;

        let flags = RenameFlags::OVERWRITE | RenameFlags::ATOMIC | RenameFlags::NATIVE;
        if let Err(first) = conn
            .sftp
            .rename(Path::new(&part), Path::new(&fin), Some(flags))
        {
            // SFTP v3 (OpenSSH) ignores the flags and refuses to replace an existing file.
            if conn.sftp.stat(Path::new(&fin)).is_ok() {
                conn.sftp
                    .unlink(Path::new(&fin))
                    .map_err(|e| sftp_error("remove", &fin, addr, e))?;
                conn.sftp
                    .rename(Path::new(&part), Path::new(&fin), Some(flags))
                    .map_err(|e| sftp_error("rename", &part, addr, e))?;
            } else {
                return Err(sftp_error("rename", &part, addr, first));
            }
        }
        verify_size(conn, &fin, sent)?;
        Ok(sent)
    }
}

fn verify_size(conn: &Connection, path: &str, local: u64) -> Result<(), SftpError> {
    let st = conn
        .sftp
        .stat(Path::new(path))
        .map_err(|e| sftp_error("stat", path, &conn.addr, e))?;
    match st.size {
        Some(remote) if remote == local => Ok(()),
        other => Err(SftpError::SizeMismatch {
            path: path.to_string(),
            addr: conn.addr.clone(),
            remote: other.unwrap_or(0),
            local,
        }),
    }
}

/// SFTP status codes that retrying cannot fix become [`SftpError::Remote`] with a hint; the
/// rest (a dropped connection, a timeout) become retryable [`SftpError::Transfer`].
fn sftp_error(op: &'static str, path: &str, addr: &str, e: ssh2::Error) -> SftpError {
    let hint = match e.code() {
        ErrorCode::SFTP(2) => " (does the remote directory exist?)",
        ErrorCode::SFTP(3) => " (can this user write there?)",
        ErrorCode::SFTP(8) => " (the server does not support this operation)",
        _ => {
            return SftpError::Transfer {
                what: format!("{op} {path}"),
                addr: addr.to_string(),
                source: e.into(),
            };
        }
    };
    SftpError::Remote {
        op,
        path: path.to_string(),
        addr: addr.to_string(),
        hint,
        source: e,
    }
}

fn check_name(name: &str) -> Result<(), SftpError> {
    let reason = if name.is_empty() {
        "empty"
    } else if name == "." || name == ".." {
        "not a file name"
    } else if name.contains('/') || name.contains('\\') {
        "contains a path separator; set remote_dir instead"
    } else if name.contains('\0') {
        "contains NUL"
    } else {
        return Ok(());
    };
    Err(SftpError::InvalidName {
        name: name.to_string(),
        reason,
    })
}

/// Copies a sent file to `dir/YYYY-MM-DD/HHMMSS-NAME` (UTC), adding `-2`, `-3`, … if that
/// name is taken.
fn archive(dir: &Path, file: &Upload) -> Result<PathBuf, SftpError> {
    let now = Utc::now();
    let day = dir.join(now.format("%Y-%m-%d").to_string());
    let err = |path: &Path, source| SftpError::Archive {
        name: file.name.clone(),
        path: path.to_path_buf(),
        source,
    };
    fs::create_dir_all(&day).map_err(|e| err(&day, e))?;
    let stamp = now.format("%H%M%S");
    let mut path = day.join(format!("{stamp}-{}", file.name));
    let mut n = 1;
    while path.exists() {
        n += 1;
        path = day.join(format!("{stamp}-{}-{n}", file.name));
    }
    match &file.source {
        UploadSource::Bytes(b) => fs::write(&path, &b[..]),
        UploadSource::File(src) => fs::copy(src, &path).map(|_| ()),
    }
    .map_err(|e| err(&path, e))?;
    tracing::debug!(path = %path.display(), "kept a local copy");
    Ok(path)
}

/// One file to upload: its remote name (no directory) and where its bytes come from.
#[derive(Debug, Clone)]
pub struct Upload {
    pub name: String,
    pub source: UploadSource,
}

#[derive(Clone)]
pub enum UploadSource {
    Bytes(Arc<[u8]>),
    File(PathBuf),
}

impl std::fmt::Debug for UploadSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UploadSource::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            UploadSource::File(p) => f.debug_tuple("File").field(p).finish(),
        }
    }
}

impl UploadSource {
    fn open(&self) -> Result<(Box<dyn Read + '_>, u64), SftpError> {
        match self {
            UploadSource::Bytes(b) => Ok((Box::new(&b[..]), b.len() as u64)),
            UploadSource::File(p) => {
                let f = fs::File::open(p).map_err(|e| self.read_error(e))?;
                let len = f.metadata().map_err(|e| self.read_error(e))?.len();
                Ok((Box::new(io::BufReader::new(f)), len))
            }
        }
    }

    fn read_error(&self, source: io::Error) -> SftpError {
        SftpError::LocalRead {
            path: match self {
                UploadSource::File(p) => p.clone(),
                UploadSource::Bytes(_) => PathBuf::from("<memory>"),
            },
            source,
        }
    }
}

impl Upload {
    /// Bytes in memory (a vendor export).
    pub fn bytes(name: impl Into<String>, bytes: impl Into<Arc<[u8]>>) -> Self {
        Upload {
            name: name.into(),
            source: UploadSource::Bytes(bytes.into()),
        }
    }

    /// A local file, uploaded under its own file name.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Upload {
            name,
            source: UploadSource::File(path),
        }
    }

    /// A local file, uploaded under another name.
    pub fn file_as(name: impl Into<String>, path: impl Into<PathBuf>) -> Self {
        Upload {
            name: name.into(),
            source: UploadSource::File(path.into()),
        }
    }
}

impl From<roster_core::ExportFile> for Upload {
    /// A vendor export's file, uploaded under its own name.
    fn from(f: roster_core::ExportFile) -> Self {
        Upload::bytes(f.name, f.bytes)
    }
}

/// A file delivered: where it went, its size (checked on the server), the attempt that
/// delivered it, and the local copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uploaded {
    pub name: String,
    pub remote_path: String,
    pub bytes: u64,
    pub attempts: u32,
    pub archived: Option<PathBuf>,
}

/// Progress of one file in one attempt.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    pub name: &'a str,
    pub sent: u64,
    pub total: u64,
    pub attempt: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> SftpTarget {
        SftpTarget::new(
            "sftp.example.org",
            "district",
            SftpAuth::Password(Secret::new("pa55-word-XYZ")),
            "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU",
        )
    }

    #[test]
    fn debug_output_hides_secrets() {
        let t = target();
        let dbg = format!("{t:?}");
        assert!(!dbg.contains("pa55-word-XYZ"), "{dbg}");
        assert!(dbg.contains("***"), "{dbg}");
        let k = SftpAuth::KeyFile {
            path: "/k".into(),
            passphrase: Some(Secret::new("open-sesame-123")),
        };
        assert!(!format!("{k:?}").contains("open-sesame-123"));
    }

    #[test]
    fn remote_paths() {
        let t = target();
        assert_eq!(t.remote_path("a.csv"), "a.csv");
        assert_eq!(
            t.clone().remote_dir("/home/").remote_path("a.csv"),
            "/home/a.csv"
        );
        assert_eq!(t.remote_dir("/").remote_path("a.csv"), "/a.csv");
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let b = Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_millis(350),
        };
        let got: Vec<_> = (1..=5).map(|a| b.base_delay(a).as_millis()).collect();
        assert_eq!(got, [100, 200, 350, 350, 350]);
        let d = b.delay(2);
        assert!(d >= Duration::from_millis(200) && d <= Duration::from_millis(220));
    }

    #[test]
    fn bad_names_and_pins_fail_before_connecting() {
        // Port 9 on a documentation address would hang or refuse; these must fail first.
        let t = target();
        let e = t
            .upload_blocking(&[Upload::bytes("../x", b"x".to_vec())])
            .unwrap_err();
        assert!(matches!(e, SftpError::InvalidName { .. }), "{e}");
        let mut t = target();
        t.host_key_sha256 = "MD5:12:34".into();
        let e = t
            .upload_blocking(&[Upload::bytes("x", b"x".to_vec())])
            .unwrap_err();
        assert!(matches!(e, SftpError::InvalidFingerprint { .. }), "{e}");
        assert!(!e.is_retryable());
    }

    #[test]
    fn archive_keeps_every_copy() {
        let dir = tempfile::tempdir().unwrap();
        let up = Upload::bytes("students.csv", b"a,b\n".to_vec());
        let p1 = archive(dir.path(), &up).unwrap();
        let p2 = archive(dir.path(), &up).unwrap();
        assert_ne!(p1, p2);
        let today = Utc::now().format("%Y-%m-%d").to_string();
        for p in [&p1, &p2] {
            assert_eq!(fs::read(p).unwrap(), b"a,b\n");
            assert_eq!(p.parent().unwrap().file_name().unwrap(), today.as_str());
            assert!(
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .contains("students.csv")
            );
        }
    }
}
