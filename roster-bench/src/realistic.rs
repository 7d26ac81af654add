//! Section 5: the no-change sync's read at Google's observed speed
//! ([`LatencyModel::realistic`]: 300 ms per call + 2 ms per returned user, writes 250 ms,
//! ±20% seeded jitter) and Google's default quota (2,400 calls/min = 40/s, burst 40), on the
//! synced directory of section 1.
//!
//! - *roster:* `GoogleDirectory::list_accounts` (both roots at once; a root whose first page
//!   is slow is read as concurrent email-prefix partitions), client at 40 calls/s with the
//!   client's default requests in flight (what a district gets).
//! - *GAM-style baseline:* the same roots one after the other, one page at a time,
//!   `maxResults=500`, `projection=full` (how `gam print users` and GCDS read), same client.
//! - *floor:* `ceil(N/500)` calls at 40 calls/s.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use roster_core::DirectoryTarget;
use roster_core::policy::Policy;
use roster_google::client::{ListUsers, Projection, USER_LIST_FIELDS, ou_query};
use roster_google::{ClientConfig, DirectoryClient, GoogleDirectory};
use roster_google_emulator::{LatencyModel, Quota, RunningEmulator};
use serde::Serialize;

use crate::google::BenchError;

/// Google's default quota per user, calls per minute.
pub const GOOGLE_QUOTA_PER_MINUTE: u32 = 2_400;
/// roster's wall time may be at most this many times the quota floor.
pub const FLOOR_FACTOR_MAX: f64 = 2.0;
/// roster must be at least this many times faster than the GAM-style read.
pub const GAM_RATIO_MIN: f64 = 10.0;

/// What section 5 measured.
#[derive(Debug, Clone, Serialize)]
pub struct RealisticResult {
    /// The latency model, as the emulator reports it.
    pub latency: String,
    /// Accounts roster listed (each once).
    pub roster_accounts: usize,
    /// `users.list` calls roster made (the emulator's count).
    pub roster_calls: u64,
    /// roster's wall time for the listing.
    pub roster_s: f64,
    /// Over-quota answers the emulator gave during roster's listing.
    pub roster_over_quota: u64,
    /// Accounts the GAM-style read found.
    pub gam_accounts: usize,
    /// Its calls.
    pub gam_calls: u64,
    /// Its wall time.
    pub gam_s: f64,
    /// `ceil(N/500)` calls.
    pub floor_calls: u64,
    /// Those calls at 40/s.
    pub floor_s: f64,
    /// One full page's time in the latency model (no jitter).
    pub page_s: f64,
}

impl RealisticResult {
    /// roster's wall time over the floor's.
    pub fn floor_factor(&self) -> f64 {
        self.roster_s / self.floor_s.max(f64::EPSILON)
    }
    /// The GAM-style read's wall time over roster's.
    pub fn gam_ratio(&self) -> f64 {
        self.gam_s / self.roster_s.max(f64::EPSILON)
    }
    /// Whether the speed targets apply: the floor must be longer than a few pages' latency,
    /// which no listing can beat (at `--quick` size, 5,000 students, it is a fifth of one).
    pub fn judged(&self) -> bool {
        self.floor_s >= 3.0 * self.page_s
    }
    /// One line per missed target.
    pub fn missed(&self) -> Vec<String> {
        let mut m = Vec::new();
        if self.judged() && self.floor_factor() > FLOOR_FACTOR_MAX {
            m.push(format!(
                "realistic: roster {:.1} s = {:.2}x the quota floor > {FLOOR_FACTOR_MAX}x",
                self.roster_s,
                self.floor_factor()
            ));
        }
        if self.judged() && self.gam_ratio() < GAM_RATIO_MIN {
            m.push(format!(
                "realistic: {:.1}x faster than the GAM-style read < {GAM_RATIO_MIN}x",
                self.gam_ratio()
            ));
        }
        if self.roster_accounts != self.gam_accounts {
            m.push(format!(
                "realistic: roster listed {} accounts, the GAM-style read {}",
                self.roster_accounts, self.gam_accounts
            ));
        }
        m
    }
}

/// A client at Google's default quota with the client's default requests in flight (what a
/// district runs with).
fn client(emu: &RunningEmulator, token: &str) -> Result<Arc<DirectoryClient>, BenchError> {
    let rate = f64::from(GOOGLE_QUOTA_PER_MINUTE) / 60.0;
    let in_flight = ClientConfig::default().max_in_flight;
    crate::google::client(emu, token, rate, 10, in_flight)
}

/// Run section 5 on the synced emulator (its latency and quota are restored to none after).
pub async fn run(
    emu: &RunningEmulator,
    token: &str,
    policy: &Policy,
) -> Result<RealisticResult, BenchError> {
    let model = LatencyModel::realistic();
    emu.set_latency_model(model);
    emu.set_quota(Some(Quota {
        burst: GOOGLE_QUOTA_PER_MINUTE / 60,
        ..Quota::per_minute(GOOGLE_QUOTA_PER_MINUTE)
    }));

    emu.reset_counters();
    let target = GoogleDirectory::new(client(emu, token)?);
    let t = Instant::now();
    let listed = target
        .list_accounts(&policy.managed_roots)
        .await
        .map_err(|e| BenchError::Setup("list_accounts", e.to_string()))?;
    let roster_s = t.elapsed().as_secs_f64();
    let roster_calls = emu.counters().get("users.list").copied().unwrap_or(0);
    let roster_over_quota = emu.events().get("overQuota").copied().unwrap_or(0);
    tracing::info!(roster_s, roster_calls, "section 5: roster listed");

    emu.reset_counters();
    let c = client(emu, token)?;
    let t = Instant::now();
    let mut gam_ids: HashSet<String> = HashSet::new();
    for root in &policy.managed_roots {
        let params = ListUsers {
            query: Some(ou_query(root.as_str())),
            projection: Projection::Full,
            max_results: 500,
            fields: Some(USER_LIST_FIELDS.into()),
            ..ListUsers::default()
        };
        for u in c.list_users(&params).await? {
            gam_ids.extend(u.id);
        }
    }
    let gam_s = t.elapsed().as_secs_f64();
    let gam_calls = emu.counters().get("users.list").copied().unwrap_or(0);
    tracing::info!(gam_s, gam_calls, "section 5: GAM-style read done");

    emu.set_latency_model(LatencyModel::default());
    emu.set_quota(None);
    let floor_calls = listed.len().div_ceil(500) as u64;
    Ok(RealisticResult {
        latency: format!(
            "{} ms per call + {} ms per returned user, writes {} ms, ±{}% jitter",
            model.base.as_millis(),
            model.per_user.as_secs_f64() * 1000.0,
            model.write.unwrap_or(model.base).as_millis(),
            model.jitter_pct
        ),
        roster_accounts: listed.len(),
        roster_calls,
        roster_s,
        roster_over_quota,
        gam_accounts: gam_ids.len(),
        gam_calls,
        gam_s,
        floor_calls,
        floor_s: floor_calls as f64 * 60.0 / f64::from(GOOGLE_QUOTA_PER_MINUTE),
        page_s: (model.base + model.per_user * 500).as_secs_f64(),
    })
}

/// The table's rows for section 5.
pub fn rows(r: &RealisticResult, row: &mut dyn FnMut([&str; 7])) {
    row([
        "5",
        &format!(
            "No-change sync read of {} accounts at the realistic profile ({}), quota 2,400/min: wall time",
            r.roster_accounts, r.latency
        ),
        &format!(
            "{:.1} s ({} `users.list` calls, 2 roots, email-prefix partitions, {} in flight (the client's default); {} over-quota answers)",
            r.roster_s,
            r.roster_calls,
            ClientConfig::default().max_in_flight,
            r.roster_over_quota
        ),
        &format!(
            "{:.1} s GAM-style ({} calls, roots one after the other, one page at a time, 500 per page; {} accounts)",
            r.gam_s, r.gam_calls, r.gam_accounts
        ),
        &format!("{:.1}x faster", r.gam_ratio()),
        &format!(">= {GAM_RATIO_MIN}x"),
        met(r, r.gam_ratio() >= GAM_RATIO_MIN),
    ]);
    row([
        "5",
        "... against the quota floor (ceil(N/500) calls at 40/s)",
        &format!("{:.2}x the floor", r.floor_factor()),
        &format!("floor {:.1} s ({} calls)", r.floor_s, r.floor_calls),
        "",
        &format!("<= {FLOOR_FACTOR_MAX}x"),
        met(r, r.floor_factor() <= FLOOR_FACTOR_MAX),
    ]);
}

fn met(r: &RealisticResult, ok: bool) -> &'static str {
    match (r.judged(), ok) {
        (false, _) => "not judged (the floor is under 3 pages' latency: full size only)",
        (true, true) => "yes",
        (true, false) => "no",
    }
}
