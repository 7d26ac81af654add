//! Progress: a bar for applies when stderr is a terminal; otherwise (cron, CI, pipes) lines
//! through `tracing`, so a long run leaves a trace in its log.
//!
//! Off a TTY, the apply logs `apply: 120/1200 changes (10%), 0 failed` every 10% or every
//! [`DEFAULT_INTERVAL`], whichever comes first; the SIS read and the directory listing (whose
//! size is unknown until they end) log `still running` lines every interval
//! ([`with_heartbeat`]). The interval is [`crate::RunOptions::progress_interval`].

use std::future::Future;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use roster_core::Change;
use roster_core::apply::Progress;

/// How often a long phase logs a progress line off a TTY, at most.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(10);

/// Is stderr a terminal (a person watching), rather than a log file or a pipe?
pub fn stderr_is_tty() -> bool {
    std::io::stderr().is_terminal()
}

/// A terminal progress bar for an apply.
pub struct Bar(ProgressBar);

impl Bar {
    /// A bar for `len` changes, or `None` when stderr is not a TTY (cron, CI, pipes).
    pub fn for_tty(len: usize) -> Option<Bar> {
        if !stderr_is_tty() || len == 0 {
            return None;
        }
        let bar = ProgressBar::new(len as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} changes  {per_sec}  eta {eta}")
                .expect("a valid template"),
        );
        Some(Bar(bar))
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}

impl Progress for Bar {
    fn change_done(&self, _change: &Change, _ok: bool) {
        self.0.inc(1);
    }
}

/// Apply progress as log lines: every 10% of the changes or every `interval`, whichever
/// comes first.
pub struct LogLines {
    total: usize,
    interval: Duration,
    done: AtomicUsize,
    failed: AtomicUsize,
    /// When the last line was written, and the tenth it reported.
    last: Mutex<(Instant, usize)>,
}

impl LogLines {
    /// Progress lines for an apply of `total` changes.
    pub fn new(total: usize, interval: Duration) -> LogLines {
        LogLines {
            total,
            interval,
            done: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
            last: Mutex::new((Instant::now(), 0)),
        }
    }
}

impl Progress for LogLines {
    fn change_done(&self, _change: &Change, ok: bool) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if !ok {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
        let total = self.total.max(1);
        let tenth = done * 10 / total;
        let Ok(mut last) = self.last.lock() else {
            return;
        };
        if done < total && (tenth > last.1 || last.0.elapsed() >= self.interval) {
            *last = (Instant::now(), tenth);
            tracing::info!(
                "apply: {done}/{} changes ({}%), {} failed",
                self.total,
                done * 100 / total,
                self.failed.load(Ordering::Relaxed)
            );
        }
    }
}

/// Runs `work`, logging `{phase}: still running after 20 s{status}` every `interval` until
/// it ends (`status()` adds what is known so far, e.g. API calls made).
pub async fn with_heartbeat<F: Future>(
    phase: &str,
    interval: Duration,
    status: impl Fn() -> String,
    work: F,
) -> F::Output {
    let started = Instant::now();
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let work = std::pin::pin!(work);
    let mut work = work;
    loop {
        tokio::select! {
            biased;
            out = &mut work => return out,
            _ = tick.tick() => tracing::info!(
                "{phase}: still running after {:.1} s{}",
                started.elapsed().as_secs_f64(),
                status()
            ),
        }
    }
}
