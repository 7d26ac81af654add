//! Control endpoints under `/emulator/` (no auth, not counted): health, counters, run-time
//! knobs and the whole state.

use std::time::Duration;

use bytes::Bytes;
use hyper::{Method, Response};
use serde_json::{Value, json};

use super::response::{Body, api_error, empty, json_response};
use super::shared::Knobs;
use super::{Counters, Shared, lock};
use crate::error::ApiError;
use crate::state::State;
use crate::{Auth, Faults, LatencyModel, MAX_JITTER_PCT, Quota};

/// Counters as JSON (also served at `GET /emulator/counters`).
pub(crate) fn counters_json(shared: &Shared) -> Value {
    let c = lock(&shared.counters).clone();
    let total: u64 = c
        .methods
        .iter()
        .filter(|(k, _)| k.as_str() != "oauth2.token")
        .map(|(_, v)| v)
        .sum();
    json!({"methods": c.methods, "writes": c.writes, "total": total, "events": c.events})
}

fn knobs_json(k: &Knobs) -> Value {
    json!({
        "latency_ms": k.latency.base.as_millis() as u64,
        "latency_per_user_us": k.latency.per_user.as_micros() as u64,
        "write_latency_ms": k.latency.write.map(|w| w.as_millis() as u64),
        "jitter_pct": k.latency.jitter_pct,
        "faults": k.faults,
        "quota": k.quota,
        "max_concurrent_per_user": k.max_concurrent,
        "auth": match k.auth { Auth::Open => "open", Auth::Required => "required" },
        "list_lag_ms": k.consistency.list_lag.as_millis() as u64,
        "settle_ms": k.consistency.settle.as_millis() as u64,
    })
}

pub(super) fn control(
    shared: &Shared,
    method: &Method,
    rest: &str,
    body: &Bytes,
) -> Response<Body> {
    let bad = |m: String| api_error(&ApiError::invalid(m));
    match (method.as_str(), rest.trim_end_matches('/')) {
        ("GET", "health") => json_response(200, &json!({"ok": true})),
        ("GET", "counters") => json_response(200, &counters_json(shared)),
        ("POST", "counters/reset") => {
            *lock(&shared.counters) = Counters::default();
            empty(204)
        }
        ("GET", "config") => json_response(200, &knobs_json(&lock(&shared.knobs))),
        ("POST", "config") => {
            let v: Value = match serde_json::from_slice(body) {
                Ok(v) => v,
                Err(e) => return bad(e.to_string()),
            };
            let mut k = lock(&shared.knobs);
            if let Err(m) = set_latency(&mut k.latency, &v) {
                return bad(m);
            }
            if let Some(ms) = v.get("list_lag_ms").and_then(Value::as_u64) {
                k.consistency.list_lag = Duration::from_millis(ms);
            }
            if let Some(ms) = v.get("settle_ms").and_then(Value::as_u64) {
                k.consistency.settle = Duration::from_millis(ms);
            }
            if let Some(f) = v.get("faults") {
                match serde_json::from_value::<Faults>(f.clone()) {
                    Ok(f) => k.faults = f,
                    Err(e) => return bad(e.to_string()),
                }
            }
            if let Some(q) = v.get("quota") {
                match serde_json::from_value::<Option<Quota>>(q.clone()) {
                    Ok(q) => {
                        k.quota = q;
                        shared.reset_quota();
                    }
                    Err(e) => return bad(e.to_string()),
                }
            }
            if let Some(m) = v.get("max_concurrent_per_user") {
                k.max_concurrent = m.as_u64().map(|n| n.min(u64::from(u32::MAX)) as u32);
            }
            match v.get("auth").and_then(Value::as_str) {
                Some("open") => k.auth = Auth::Open,
                Some("required") => k.auth = Auth::Required,
                Some(other) => return bad(format!("unknown auth mode {other}")),
                None => {}
            }
            json_response(200, &knobs_json(&k))
        }
        ("GET", "state") => json_response(
            200,
            &serde_json::to_value(&*lock(&shared.state)).unwrap_or(Value::Null),
        ),
        ("PUT", "state") => match serde_json::from_slice::<State>(body) {
            Ok(mut s) => {
                s.reindex();
                *lock(&shared.state) = s;
                empty(204)
            }
            Err(e) => bad(e.to_string()),
        },
        _ => api_error(&ApiError::new(404, "notFound", "Not Found")),
    }
}

/// Apply the latency keys of a `POST /emulator/config` body (`latency_ms`,
/// `latency_per_user_us`, `write_latency_ms` (null = same as `latency_ms`), `jitter_pct`);
/// nothing changes when one is out of range.
fn set_latency(model: &mut LatencyModel, v: &Value) -> Result<(), String> {
    let mut m = *model;
    let num = |key: &str| -> Result<Option<u64>, String> {
        match v.get(key) {
            None => Ok(None),
            Some(x) => x
                .as_u64()
                .map(Some)
                .ok_or_else(|| format!("{key} must be a non-negative integer, got {x}")),
        }
    };
    if let Some(ms) = num("latency_ms")? {
        m.base = Duration::from_millis(ms);
    }
    if let Some(us) = num("latency_per_user_us")? {
        m.per_user = Duration::from_micros(us);
    }
    match v.get("write_latency_ms") {
        Some(Value::Null) => m.write = None,
        Some(_) => m.write = num("write_latency_ms")?.map(Duration::from_millis),
        None => {}
    }
    if let Some(p) = num("jitter_pct")? {
        if p > u64::from(MAX_JITTER_PCT) {
            return Err(format!("jitter_pct must be 0-{MAX_JITTER_PCT}, got {p}"));
        }
        m.jitter_pct = p as u8;
    }
    *model = m;
    Ok(())
}
