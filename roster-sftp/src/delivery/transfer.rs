//! The upload-and-replace protocol for one file: write `NAME.part`, check its size, replace
//! `NAME` with it, check the size of `NAME`. A reader of `NAME` never sees a half-written file.

use std::io::{self, Read, Write};
use std::path::Path;

use ssh2::{ErrorCode, OpenFlags, OpenType, RenameFlags};

use super::session::Connection;
use super::{Progress, SftpError, SftpTarget, Upload};

impl SftpTarget {
    pub(crate) fn send_one(
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
            self.write_block(conn, &mut remote, &buf[..n], &part)?;
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

impl SftpTarget {
    /// Writes one block; the whole block must be accepted within [`SftpTarget::io_timeout`]
    /// (libssh2 counts a partial write as progress, so a stalled server would otherwise cost
    /// one timeout per partial write).
    fn write_block(
        &self,
        conn: &Connection,
        remote: &mut ssh2::File,
        mut block: &[u8],
        part: &str,
    ) -> Result<(), SftpError> {
        let started = std::time::Instant::now();
        let fail = |source: io::Error| {
            if source.kind() == io::ErrorKind::TimedOut {
                // Hung: closing the handle (ssh2 closes in blocking mode) must not wait again.
                conn.sess.set_timeout(1);
            }
            SftpError::Transfer {
                what: format!("write {part}"),
                addr: conn.addr.clone(),
                source,
            }
        };
        while !block.is_empty() {
            match remote.write(block) {
                Ok(0) => return Err(fail(io::ErrorKind::WriteZero.into())),
                Ok(k) => block = &block[k..],
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(fail(e)),
            }
            if !block.is_empty() && started.elapsed() >= self.io_timeout {
                return Err(fail(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the server stopped accepting data",
                )));
            }
        }
        Ok(())
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
