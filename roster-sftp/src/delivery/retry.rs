//! The retry loop: each attempt is one connection that sends the files not yet delivered;
//! retryable errors wait an exponential backoff, the others end the upload at once.

use std::time::Duration;

use rand::Rng;

use super::archive::archive;
use super::session;
use super::upload::check_name;
use super::{Delivery, Progress, SftpError, SftpTarget, Upload, Uploaded, parse_sha256};

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

    pub(crate) fn delay(&self, attempt: u32) -> Duration {
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

impl SftpTarget {
    /// Uploads the files in order over one connection (see [`crate::delivery`]).
    pub fn upload_blocking(&self, files: &[Upload]) -> Result<Vec<Uploaded>, SftpError> {
        self.upload_blocking_with_progress(files, &mut |_| {})
    }

    /// [`SftpTarget::upload_blocking`], calling `progress` after each block written.
    pub fn upload_blocking_with_progress(
        &self,
        files: &[Upload],
        progress: &mut dyn FnMut(&Progress<'_>),
    ) -> Result<Vec<Uploaded>, SftpError> {
        self.deliver_blocking(files, progress).into_result()
    }

    /// Uploads the files in order and says what happened to each, even when it stops part
    /// way (a [`Delivery`] with the files delivered, the files not, the true retry count and
    /// the error).
    pub fn deliver_blocking(
        &self,
        files: &[Upload],
        progress: &mut dyn FnMut(&Progress<'_>),
    ) -> Delivery {
        let mut done: Vec<Uploaded> = Vec::with_capacity(files.len());
        let mut attempt = 0u32;
        let error = self
            .retry_loop(files, progress, &mut done, &mut attempt)
            .err();
        Delivery {
            not_delivered: files[done.len()..].iter().map(|f| f.name.clone()).collect(),
            delivered: done,
            retries: attempt.saturating_sub(1),
            error,
        }
    }

    fn retry_loop(
        &self,
        files: &[Upload],
        progress: &mut dyn FnMut(&Progress<'_>),
        done: &mut Vec<Uploaded>,
        attempt: &mut u32,
    ) -> Result<(), SftpError> {
        for f in files {
            check_name(&f.name)?;
        }
        parse_sha256(&self.host_key_sha256)?;
        let addr = self.addr();
        loop {
            *attempt += 1;
            let attempt = *attempt;
            match self.attempt(&files[done.len()..], attempt, progress, done) {
                Ok(()) => return Ok(()),
                Err(e) if e.is_timeout() => {
                    tracing::error!(%addr, attempts = attempt, error = %e, "SFTP server timed out; giving up");
                    return Err(SftpError::TimedOut {
                        addr,
                        secs: self.io_timeout.as_secs(),
                        last: Box::new(e),
                    });
                }
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

    /// Async [`SftpTarget::deliver_blocking`]: runs on tokio's blocking pool.
    pub async fn deliver(&self, files: Vec<Upload>) -> Delivery {
        let target = self.clone();
        let names: Vec<String> = files.iter().map(|f| f.name.clone()).collect();
        tokio::task::spawn_blocking(move || target.deliver_blocking(&files, &mut |_| {}))
            .await
            .unwrap_or_else(|e| Delivery {
                delivered: Vec::new(),
                not_delivered: names,
                retries: 0,
                error: Some(SftpError::Task(e.to_string())),
            })
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
            let bytes = match self.send_one(&conn, file, attempt, progress) {
                Ok(b) => b,
                Err(e) => {
                    if e.is_timeout() {
                        // A hung server: dropping the channel must not wait again.
                        conn.sess.set_timeout(1);
                    }
                    return Err(e);
                }
            };
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
}
