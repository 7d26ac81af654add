//! A progress bar for applies, shown only when stderr is a terminal.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};
use roster_core::Change;
use roster_core::apply::Progress;

pub struct Bar(ProgressBar);

impl Bar {
    /// A bar for `len` changes, or `None` when stderr is not a TTY (cron, CI, pipes).
    pub fn for_tty(len: usize) -> Option<Bar> {
        if !std::io::stderr().is_terminal() || len == 0 {
            return None;
        }
        let bar = ProgressBar::new(len as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} changes  {per_sec}  eta {eta}")
                .expect("a valid template"),
        );
        Some(Bar(bar))
    }

    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}

impl Progress for Bar {
    fn change_done(&self, _change: &Change, _ok: bool) {
        self.0.inc(1);
    }
}
