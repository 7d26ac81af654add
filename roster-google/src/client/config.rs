//! How the client talks to the API: endpoint, customer, rate, requests in flight, retries.

use std::time::Duration;

use roster_core::Retry;

use super::{GOOGLE_BASE_URL, MY_CUSTOMER};

/// Google's documented default quota for the Directory API: 2,400 queries per minute per user.
pub const DEFAULT_RATE_PER_SECOND: f64 = 40.0;

/// How long a slow Directory API call takes, for sizing the requests in flight: a full
/// `users.list` page of 500 users with `projection=full` takes a second or more at Google
/// (the emulator's realistic profile: ~1.3 s, ±20%), a write a few hundred ms.
pub const SLOW_CALL: Duration = Duration::from_millis(1_500);

/// Requests in flight a client keeps at least (and the most it asks for).
const IN_FLIGHT_RANGE: (usize, usize) = (10, 1_000);

/// How the client talks to the API.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The API root including `/admin/directory/v1` ([`GOOGLE_BASE_URL`], or an emulator's).
    pub base_url: String,
    /// `customer` / `customerId` for list and OU calls.
    pub customer: String,
    /// Requests per second across the client (every HTTP request takes one token).
    pub rate_per_second: f64,
    /// Tokens the bucket holds when idle (the burst allowed after a pause).
    pub burst: u32,
    /// Requests in flight at once. The default ([`ClientConfig::in_flight_for_rate`] of the
    /// rate) keeps the rate limiter busy when calls are slow: with 10 in flight, pages of
    /// ~1.3 s would cap a partitioned listing at ~7.7 calls/s, a fifth of Google's quota.
    pub max_in_flight: usize,
    /// Backoff for retried requests (reads always; writes when `retry_writes`).
    pub retry: Retry,
    /// Also retry writes inside the client (off: the apply engine retries them).
    pub retry_writes: bool,
    /// Per-request timeout.
    pub timeout: Duration,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            base_url: GOOGLE_BASE_URL.into(),
            customer: MY_CUSTOMER.into(),
            rate_per_second: DEFAULT_RATE_PER_SECOND,
            burst: 10,
            max_in_flight: ClientConfig::in_flight_for_rate(DEFAULT_RATE_PER_SECOND),
            retry: Retry::default(),
            retry_writes: false,
            timeout: Duration::from_secs(60),
        }
    }
}

impl ClientConfig {
    /// The requests in flight that let `rate_per_second` be reached when every call takes
    /// [`SLOW_CALL`] (rate x 1.5 s: 60 at Google's default 40/s), within 10 and 1,000. More
    /// in flight does not send more: the rate limiter paces every request.
    pub fn in_flight_for_rate(rate_per_second: f64) -> usize {
        let n = (rate_per_second.max(0.0) * SLOW_CALL.as_secs_f64()).ceil();
        let (lo, hi) = IN_FLIGHT_RANGE;
        if n.is_finite() {
            (n as usize).clamp(lo, hi)
        } else {
            hi
        }
    }

    /// The defaults at another rate (requests per second), with the requests in flight that
    /// rate needs ([`ClientConfig::in_flight_for_rate`]).
    pub fn with_rate(self, rate_per_second: f64) -> Self {
        ClientConfig {
            rate_per_second,
            max_in_flight: ClientConfig::in_flight_for_rate(rate_per_second),
            ..self
        }
    }

    /// The defaults with another API root (an emulator's `.../admin/directory/v1`).
    pub fn with_base_url(base_url: impl Into<String>) -> Self {
        ClientConfig {
            base_url: base_url.into(),
            ..ClientConfig::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_flight_follows_the_rate_at_slow_calls() {
        assert_eq!(ClientConfig::default().max_in_flight, 60);
        assert_eq!(ClientConfig::in_flight_for_rate(40.0), 60);
        assert_eq!(ClientConfig::in_flight_for_rate(500.0), 750);
        // Never fewer than 10 or more than 1,000, whatever the rate.
        for rate in [0.0, 1.0, -5.0, f64::NAN] {
            assert_eq!(ClientConfig::in_flight_for_rate(rate), 10, "{rate}");
        }
        assert_eq!(ClientConfig::in_flight_for_rate(f64::INFINITY), 1_000);
        assert_eq!(ClientConfig::in_flight_for_rate(1e12), 1_000);
        let c = ClientConfig::default().with_rate(100.0);
        assert_eq!((c.rate_per_second, c.max_in_flight), (100.0, 150));
    }
}
