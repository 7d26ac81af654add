//! The latency model: how long an API call takes, as a function of the kind of call and of how
//! many users (or members, groups) it returns, with seeded jitter.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How long the emulator takes to answer an API call.
///
/// A read takes `base`; a write (insert, update, patch, delete, move, ...) takes `write` when it
/// is set, else `base`; a list call adds `per_user` for every user, member or group it returns.
/// The sum is then scaled by a factor drawn uniformly from `1 ± jitter_pct/100` with the
/// emulator's seeded generator, so a sequential client sees the same delays on every run.
///
/// [`LatencyModel::constant`] is the emulator's historic behaviour (`--latency-ms`): one fixed
/// delay for every call. [`LatencyModel::realistic`] is the profile `roster-bench` uses for
/// Google's observed speed; `docs/PERFORMANCE.md` gives the sources of its numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LatencyModel {
    /// Delay of every call (of reads; of writes too unless `write` is set).
    pub base: Duration,
    /// Added per user, member or group in a list call's answer.
    pub per_user: Duration,
    /// Delay of a write method instead of `base` (None = `base`).
    pub write: Option<Duration>,
    /// Jitter, in percent of the delay (0-100): each delay is scaled by a factor drawn
    /// uniformly from `[1 - jitter_pct/100, 1 + jitter_pct/100]`.
    pub jitter_pct: u8,
}

/// The largest jitter accepted (a delay never goes below zero).
pub const MAX_JITTER_PCT: u8 = 100;

impl LatencyModel {
    /// One fixed delay for every call, no per-user cost, no jitter (`--latency-ms`).
    pub fn constant(base: Duration) -> Self {
        Self {
            base,
            ..Self::default()
        }
    }

    /// Google's observed speed, as estimated in `docs/PERFORMANCE.md`: 300 ms per call plus
    /// 2 ms per returned user (a full `users.list` page of 500 with `projection=full`: ~1.3 s),
    /// 250 ms per write, ±20% jitter.
    pub fn realistic() -> Self {
        Self {
            base: Duration::from_millis(300),
            per_user: Duration::from_millis(2),
            write: Some(Duration::from_millis(250)),
            jitter_pct: 20,
        }
    }

    /// Whether every call is answered at once.
    pub fn is_zero(&self) -> bool {
        self.base.is_zero() && self.per_user.is_zero() && self.write.is_none_or(|w| w.is_zero())
    }

    /// The jitter clamped to `0..=100`.
    fn jitter(&self) -> f64 {
        f64::from(self.jitter_pct.min(MAX_JITTER_PCT)) / 100.0
    }

    /// The delay before a call is handled: `write` or `base`, scaled by the jitter factor
    /// drawn from `draw` (a number in `0.0..1.0`).
    pub fn call_delay(&self, is_write: bool, draw: f64) -> Duration {
        let d = if is_write {
            self.write.unwrap_or(self.base)
        } else {
            self.base
        };
        self.scale(d, draw)
    }

    /// The delay added after a list call for the `users` items it returns, scaled by the jitter
    /// factor drawn from `draw` (the same draw as the call's, so one call has one factor).
    pub fn per_user_delay(&self, users: usize, draw: f64) -> Duration {
        let n = u32::try_from(users).unwrap_or(u32::MAX);
        self.scale(self.per_user.saturating_mul(n), draw)
    }

    /// The expected (jitter-free) delay of a read returning `users` items.
    pub fn expected_read(&self, users: usize) -> Duration {
        self.call_delay(false, 0.5) + self.per_user_delay(users, 0.5)
    }

    fn scale(&self, d: Duration, draw: f64) -> Duration {
        let j = self.jitter();
        if d.is_zero() || j == 0.0 {
            return d;
        }
        let factor = 1.0 - j + 2.0 * j * draw.clamp(0.0, 1.0);
        d.mul_f64(factor.max(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn realistic_full_page_is_about_1_3_s_and_jitter_stays_in_band() {
        let m = LatencyModel::realistic();
        assert_eq!(m.expected_read(500), Duration::from_millis(1300));
        assert_eq!(m.call_delay(true, 0.5), Duration::from_millis(250));
        assert_eq!(m.call_delay(false, 0.0), Duration::from_millis(240));
        assert_eq!(m.call_delay(false, 1.0), Duration::from_millis(360));
        let c = LatencyModel::constant(Duration::from_millis(20));
        assert_eq!(c.call_delay(true, 0.9), Duration::from_millis(20));
        assert_eq!(c.per_user_delay(500, 0.9), Duration::ZERO);
    }
}
