//! One run at a time: an exclusive OS file lock per job, next to its audit log.
//!
//! `<dir>/<job>.lock` is locked with [`std::fs::File::try_lock`] (`flock` on Unix,
//! `LockFileEx` on Windows). The operating system releases the lock when the process ends,
//! however it ends (a crash, `kill -9`, a reboot), so a lock is never left held by a dead run.
//! Who holds it is written next to it, in `<job>.lock.holder` (JSON: pid, start time, job):
//! a second run that finds the lock taken exits 2 naming that holder; a run that gets the lock
//! and finds a holder record left behind (a run that was killed before it could clear it)
//! reports the stale record and takes over.
//!
//! The holder record is a separate file because Windows locks are mandatory: while a process
//! holds a `LockFileEx` lock, other processes cannot read the locked file, so a record inside
//! it could not be read by the run that is refused. The lock file itself is never deleted (a
//! run that deleted it could race a newcomer that had just opened it and let two runs in).

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Who holds (or held) a job's lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub pid: u32,
    pub started_at: DateTime<Utc>,
    pub job: String,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "pid {} ({}), started {}",
            self.pid,
            self.job,
            self.started_at.format("%Y-%m-%d %H:%M:%S UTC")
        )
    }
}

/// A holder record left by a run that ended without clearing it (killed, crashed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale {
    pub holder: Holder,
    /// Whether that pid is still a live process (pid reuse): on Linux from `/proc`.
    pub pid_alive: Option<bool>,
}

impl std::fmt::Display for Stale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let alive = match self.pid_alive {
            Some(true) => "pid now reused by another process",
            Some(false) => "pid not alive",
            None => "pid state unknown",
        };
        write!(
            f,
            "took over a stale lock from a run that did not finish: {} ({alive})",
            self.holder
        )
    }
}

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another run of this job is in progress ({}); lock {}",
        holder.as_ref().map(ToString::to_string).unwrap_or_else(|| "holder unknown".into()),
        path.display()
    )]
    Held {
        path: PathBuf,
        holder: Option<Holder>,
    },
    #[error("cannot lock {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The lock file for `job`, in the directory of its audit log.
pub fn lock_path(audit_log: &Path, job: &str) -> PathBuf {
    let dir = audit_log
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let safe: String = job
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    dir.join(format!("{safe}.lock"))
}

/// A held lock; dropping it clears the holder record and releases the lock.
#[derive(Debug)]
pub struct RunLock {
    file: File,
    holder_path: PathBuf,
    /// Set when this run took over from one that did not finish.
    pub took_over: Option<Stale>,
}

impl RunLock {
    /// Takes the lock at once or fails naming the holder; never waits.
    pub fn acquire(path: &Path, job: &str) -> Result<RunLock, LockError> {
        let io = |source| LockError::Io {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(path)
            .map_err(io)?;
        let holder_path = holder_path(path);
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(LockError::Held {
                    path: path.to_path_buf(),
                    holder: read_holder(&holder_path),
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        let took_over = read_holder(&holder_path).map(|holder| Stale {
            pid_alive: pid_alive(holder.pid),
            holder,
        });
        if let Some(stale) = &took_over {
            tracing::warn!(lock = %path.display(), "{stale}");
        }
        let me = Holder {
            pid: std::process::id(),
            started_at: Utc::now(),
            job: job.to_string(),
        };
        let json = serde_json::to_vec(&me).expect("a holder always serialises");
        std::fs::write(&holder_path, json).map_err(|source| LockError::Io {
            path: holder_path.clone(),
            source,
        })?;
        Ok(RunLock {
            file,
            holder_path,
            took_over,
        })
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        // Clear the record before releasing, so the next run does not report it as stale.
        if let Err(e) = std::fs::remove_file(&self.holder_path) {
            tracing::warn!(path = %self.holder_path.display(), error = %e, "cannot clear the lock holder");
        }
        let _ = self.file.unlock();
    }
}

/// Where the holder of the lock at `lock` is recorded.
pub fn holder_path(lock: &Path) -> PathBuf {
    let mut name = lock.as_os_str().to_os_string();
    name.push(".holder");
    PathBuf::from(name)
}

fn read_holder(path: &Path) -> Option<Holder> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn pid_alive(pid: u32) -> Option<bool> {
    if cfg!(target_os = "linux") {
        Some(Path::new(&format!("/proc/{pid}")).exists())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_job_is_refused_naming_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = lock_path(&dir.path().join("audit.jsonl"), "students");
        let first = RunLock::acquire(&path, "students").unwrap();
        assert!(first.took_over.is_none());
        let err = RunLock::acquire(&path, "students").unwrap_err();
        let LockError::Held {
            holder: Some(h), ..
        } = &err
        else {
            panic!("{err}")
        };
        assert_eq!(h.pid, std::process::id());
        assert!(
            err.to_string()
                .contains(&format!("pid {}", std::process::id()))
        );
        drop(first);
        let again = RunLock::acquire(&path, "students").unwrap();
        assert!(
            again.took_over.is_none(),
            "a clean release leaves no stale record"
        );
    }

    #[test]
    fn job_names_become_safe_file_names() {
        let p = lock_path(Path::new("roster-audit.jsonl"), "a/b c");
        assert_eq!(p, Path::new("./a_b_c.lock"));
    }
}
