//! A login check for `doctor`: connect, compare the host key with the pin, authenticate, and
//! look at the remote directory, without uploading, renaming or listing anything. One
//! attempt, no retries: a setup check reports what the first night would meet.

use std::path::Path;

use super::session::open;
use super::{SftpError, SftpTarget};

/// What a successful [`SftpTarget::check_login`] saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginCheck {
    /// `host:port`.
    pub addr: String,
    /// The remote directory files would go to (`.` for the login directory).
    pub remote_dir: String,
}

impl SftpTarget {
    /// Connects, checks the pinned host key (before any credential is sent), logs in, and
    /// checks that the remote directory exists and is a directory (one `stat`): what a
    /// delivery needs before its first byte. Writes nothing on the server.
    pub fn check_login_blocking(&self) -> Result<LoginCheck, SftpError> {
        let conn = open(self)?;
        let dir = if self.remote_dir.is_empty() {
            ".".to_string()
        } else {
            self.remote_dir.clone()
        };
        let stat = conn.sftp.stat(Path::new(&dir));
        let addr = conn.addr.clone();
        conn.close();
        match stat {
            Ok(s) if s.is_dir() => Ok(LoginCheck {
                addr,
                remote_dir: dir,
            }),
            Ok(_) => Err(SftpError::Transfer {
                what: format!("checking the remote directory {dir}: it is not a directory"),
                addr,
                source: std::io::Error::other("not a directory"),
            }),
            Err(e) => Err(SftpError::Transfer {
                what: format!("checking the remote directory {dir}"),
                addr,
                source: e.into(),
            }),
        }
    }

    /// [`Self::check_login_blocking`] off the async runtime.
    pub async fn check_login(&self) -> Result<LoginCheck, SftpError> {
        let target = self.clone();
        tokio::task::spawn_blocking(move || target.check_login_blocking())
            .await
            .map_err(|e| SftpError::Task(e.to_string()))?
    }
}
