//! State shared by the server tasks and the Rust API: the directory, the run-time knobs, issued
//! tokens, counters, and the per-user quota buckets and in-flight counts.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::auth::TokenInfo;
use crate::state::State;
use crate::{Auth, Consistency, EmulatorConfig, Faults, LatencyModel, Quota};

/// Lock a mutex, recovering from poisoning (a panicking handler must not wedge the emulator).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Mixed into the seed of the jitter generator.
const LATENCY_SEED_SALT: u64 = 0x6c61_7465_6e63_7921;

/// Runtime-changeable behaviour.
#[derive(Debug, Clone)]
pub(crate) struct Knobs {
    pub latency: LatencyModel,
    pub faults: Faults,
    pub quota: Option<Quota>,
    pub max_concurrent: Option<u32>,
    pub auth: Auth,
    pub consistency: Consistency,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct Counters {
    pub methods: BTreeMap<String, u64>,
    pub writes: u64,
    pub events: BTreeMap<String, u64>,
}

struct Bucket {
    tokens: f64,
    last: Instant,
}

/// State shared by the server tasks and the Rust API.
pub(crate) struct Shared {
    pub state: Mutex<State>,
    pub knobs: Mutex<Knobs>,
    pub tokens: Mutex<HashMap<String, TokenInfo>>,
    buckets: Mutex<HashMap<String, Bucket>>,
    in_flight: Mutex<HashMap<String, u32>>,
    pub(super) rng: Mutex<StdRng>,
    /// Jitter draws (apart from the fault draws, so switching jitter on changes no fault).
    pub(super) latency_rng: Mutex<StdRng>,
    pub counters: Mutex<Counters>,
    pub audiences: Vec<String>,
}

impl Shared {
    pub fn new(config: &EmulatorConfig, token_url: String, alt_token_url: String) -> Self {
        Self {
            state: Mutex::new(State::new(&config.customer_id, &config.domains)),
            knobs: Mutex::new(Knobs {
                latency: config.effective_latency(),
                faults: config.faults,
                quota: config.quota,
                max_concurrent: config.max_concurrent_per_user,
                auth: config.auth,
                consistency: config.consistency,
            }),
            tokens: Mutex::new(HashMap::new()),
            buckets: Mutex::new(HashMap::new()),
            in_flight: Mutex::new(HashMap::new()),
            rng: Mutex::new(StdRng::seed_from_u64(config.seed)),
            latency_rng: Mutex::new(StdRng::seed_from_u64(config.seed ^ LATENCY_SEED_SALT)),
            counters: Mutex::new(Counters::default()),
            audiences: vec![
                token_url,
                alt_token_url,
                crate::GOOGLE_TOKEN_AUDIENCE.to_string(),
            ],
        }
    }

    /// Mint an access token for `info`.
    pub fn issue(&self, info: TokenInfo) -> String {
        let mut rng = rand::thread_rng();
        let token: String = (0..48)
            .map(|_| {
                let c = rng.gen_range(0..62u8);
                char::from(match c {
                    0..=9 => b'0' + c,
                    10..=35 => b'a' + c - 10,
                    _ => b'A' + c - 36,
                })
            })
            .collect();
        let token = format!("ya29.emu.{token}");
        lock(&self.tokens).insert(token.clone(), info);
        token
    }

    pub(super) fn event(&self, name: &str) {
        *lock(&self.counters)
            .events
            .entry(name.to_string())
            .or_default() += 1;
    }

    /// Take one quota token for `user`; false when over quota.
    pub(super) fn take_quota(&self, user: &str, quota: &Quota) -> bool {
        let rate = f64::from(quota.per_minute) / 60.0;
        let burst = f64::from(quota.burst.max(1));
        let now = Instant::now();
        let mut buckets = lock(&self.buckets);
        let b = buckets.entry(user.to_string()).or_insert(Bucket {
            tokens: burst,
            last: now,
        });
        b.tokens = (b.tokens + now.duration_since(b.last).as_secs_f64() * rate).min(burst);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Count a request of `user` as in flight unless `max` are already; the guard ends it.
    pub(super) fn enter(self: &Arc<Self>, user: &str, max: Option<u32>) -> Option<InFlight> {
        let mut map = lock(&self.in_flight);
        let n = map.entry(user.to_string()).or_default();
        if max.is_some_and(|m| *n >= m) {
            return None;
        }
        *n += 1;
        Some(InFlight {
            shared: self.clone(),
            user: user.to_string(),
        })
    }

    pub fn reset_quota(&self) {
        lock(&self.buckets).clear();
    }
}

/// A request in flight (for the per-user concurrency limit); dropping it ends the request,
/// also when a dropped connection cancels the handler.
pub(super) struct InFlight {
    shared: Arc<Shared>,
    user: String,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut map = lock(&self.shared.in_flight);
        if let Some(n) = map.get_mut(&self.user) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                map.remove(&self.user);
            }
        }
    }
}
