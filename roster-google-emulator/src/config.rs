//! Configuration: start-up settings and the knobs that can also change at run time (latency,
//! faults, quota, concurrency, authentication).

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::LatencyModel;

/// Fault injection rates, each a probability in `0.0..=1.0` per API call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// 503 `backendError`.
    pub backend_error: f64,
    /// 429 `rateLimitExceeded`.
    pub too_many_requests: f64,
    /// Close the TCP connection without a response.
    pub drop_connection: f64,
}

/// What an over-quota call answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverQuota {
    /// 403 `userRateLimitExceeded` (Google's usual answer).
    #[default]
    Forbidden,
    /// 429 `rateLimitExceeded`.
    TooManyRequests,
}

/// Per-user token bucket.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Quota {
    /// Sustained rate.
    pub per_minute: u32,
    /// Bucket size (calls allowed back to back).
    pub burst: u32,
    /// Answer when exceeded.
    #[serde(default)]
    pub over_quota: OverQuota,
}

impl Quota {
    /// `per_minute` with a burst of one second's worth (at least 1), answering 403.
    pub fn per_minute(per_minute: u32) -> Self {
        Self {
            per_minute,
            burst: (per_minute / 60).max(1),
            over_quota: OverQuota::Forbidden,
        }
    }
}

/// Whether API calls need a bearer token.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Auth {
    /// A valid access token from `/token` (or [`RunningEmulator::issue_access_token`](crate::RunningEmulator::issue_access_token)).
    #[default]
    Required,
    /// No authentication; every call acts as `anonymous`.
    Open,
}

/// Opt-in eventual consistency, modelled on what Google shows right after writes. Both are
/// zero (off) by default: the emulator is then immediately consistent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Consistency {
    /// How long a user created or changed through the API stays out of `users.list` results
    /// (`users.get` finds it at once, as at Google).
    pub list_lag: Duration,
    /// How long after users.insert a users.update/patch/makeAdmin of that user answers 412
    /// `conditionNotMet` "User creation is not complete." (Google's answer while its backends
    /// are still creating the account).
    pub settle: Duration,
}

impl Consistency {
    /// Whether either lag is switched on.
    pub fn is_on(&self) -> bool {
        !self.list_lag.is_zero() || !self.settle.is_zero()
    }
}

/// Start-up configuration.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// The customer's domains (default `example.edu`).
    pub domains: Vec<String>,
    /// The customer id (`my_customer` is accepted as an alias).
    pub customer_id: String,
    /// Address to bind (default 127.0.0.1).
    pub bind: IpAddr,
    /// Port (0 = any free port).
    pub port: u16,
    /// Added latency per API call (a [`LatencyModel::constant`]; see `latency_model`).
    pub latency: Duration,
    /// The full latency model (per-user cost of list calls, write latency, jitter); when set,
    /// it replaces `latency`.
    pub latency_model: Option<LatencyModel>,
    /// Fault rates.
    pub faults: Faults,
    /// Quota (None = unlimited).
    pub quota: Option<Quota>,
    /// Requests one user may have in flight at once; more answer 403 `quotaExceeded`
    /// (None = unlimited).
    pub max_concurrent_per_user: Option<u32>,
    /// Authentication mode.
    pub auth: Auth,
    /// Seed of the fault generator.
    pub seed: u64,
    /// Eventual consistency (off by default).
    pub consistency: Consistency,
}

impl EmulatorConfig {
    /// The latency model in effect: `latency_model`, else a constant `latency`.
    pub fn effective_latency(&self) -> LatencyModel {
        self.latency_model
            .unwrap_or_else(|| LatencyModel::constant(self.latency))
    }
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            domains: vec!["example.edu".into()],
            customer_id: "C03emu1at0r".into(),
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            latency: Duration::ZERO,
            latency_model: None,
            faults: Faults::default(),
            quota: None,
            max_concurrent_per_user: None,
            auth: Auth::Required,
            seed: 0,
            consistency: Consistency::default(),
        }
    }
}
