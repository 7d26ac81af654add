//! The HTTP side (served by `roster-emulator-server`, which also really drops connections): the request
//! pipeline (counters, auth, quota, concurrency, latency, faults, validation), which hands a
//! recognised call to [`routing`] and from there to the handlers of each resource.

mod batch;
mod control;
mod fields;
mod groups;
mod licenses;
mod orgunits;
mod request;
mod response;
mod routing;
mod schemas;
mod shared;
mod token;
mod users;

use std::sync::Arc;
use std::time::Instant;

use http_body_util::BodyExt;
use hyper::Request;
use hyper::body::Incoming;
use rand::Rng;

use crate::error::ApiError;
use crate::{Auth, OverQuota};
use response::{api_error, empty, json_response};

pub(crate) use shared::{Counters, Shared, lock};

pub(super) use roster_emulator_server::Outcome;

/// Serves one request (handed over by [`roster_emulator_server::Server`]).
pub(crate) async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Outcome {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query = parse_query(req.uri().query());
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let auth_header = header("authorization");
    let content_type = header("content-type");
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return Outcome::Respond(empty(400)),
    };

    if path == "/token" {
        return Outcome::Respond(token::token_endpoint(&shared, &method, &body));
    }
    if let Some(rest) = path.strip_prefix("/emulator/") {
        return Outcome::Respond(control::control(&shared, &method, rest, &body));
    }
    if batch::is_batch_path(&path) && method == hyper::Method::POST {
        let ct = content_type.unwrap_or_default();
        return Outcome::Respond(batch::batch(&shared, &ct, auth_header.as_deref(), &body).await);
    }
    api_call(
        &shared,
        &method,
        &path,
        &query,
        auth_header.as_deref(),
        &body,
    )
    .await
}

/// Query parameters of a URL, decoded.
pub(super) fn parse_query(query: Option<&str>) -> Vec<(String, String)> {
    query
        .map(|q| {
            form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// One Directory API call (on its own, or one part of a batch): counted, authenticated,
/// limited, delayed, maybe faulted, validated, then handled.
pub(super) async fn api_call(
    shared: &Arc<Shared>,
    method: &hyper::Method,
    path: &str,
    query: &[(String, String)],
    auth_header: Option<&str>,
    body: &bytes::Bytes,
) -> Outcome {
    let route = if let Some(rest) = path.strip_prefix("/apps/licensing/v1/") {
        licenses::route(method, rest.trim_end_matches('/')).map(routing::Route::Licensing)
    } else if let Some(rest) = path.strip_prefix("/admin/directory/v1/") {
        routing::route(method, rest.trim_end_matches('/'))
    } else {
        None
    };
    let Some(route) = route else {
        return Outcome::Respond(api_error(&ApiError::new(404, "notFound", "Not Found")));
    };
    let (resource, name) = route.id();
    {
        let mut c = lock(&shared.counters);
        *c.methods.entry(format!("{resource}.{name}")).or_default() += 1;
        if route.is_write() {
            c.writes += 1;
        }
    }
    let knobs = lock(&shared.knobs).clone();

    // Authentication and authorisation.
    let user = match knobs.auth {
        Auth::Open => "anonymous".to_string(),
        Auth::Required => {
            let token = auth_header
                .and_then(|h| {
                    h.strip_prefix("Bearer ")
                        .or_else(|| h.strip_prefix("bearer "))
                })
                .map(|t| t.trim().to_string())
                .or_else(|| {
                    query
                        .iter()
                        .find(|(k, _)| k == "access_token" || k == "oauth_token")
                        .map(|(_, v)| v.clone())
                });
            let info = token.and_then(|t| lock(&shared.tokens).get(&t).cloned());
            let Some(info) = info.filter(|i| i.expires > Instant::now()) else {
                shared.event("unauthorized");
                return Outcome::Respond(api_error(&ApiError::unauthorized()));
            };
            if !info.admin {
                shared.event("forbidden");
                return Outcome::Respond(api_error(&ApiError::forbidden()));
            }
            let allowed = route.scopes();
            if !info.scopes.iter().any(|s| allowed.contains(&s.as_str())) {
                shared.event("insufficientScopes");
                return Outcome::Respond(api_error(&ApiError::insufficient_scopes()));
            }
            info.subject
        }
    };

    // Quota.
    if let Some(quota) = &knobs.quota
        && !shared.take_quota(&user, quota)
    {
        shared.event("overQuota");
        let e = ApiError::rate_limited(quota.over_quota == OverQuota::TooManyRequests);
        return Outcome::Respond(api_error(&e));
    }

    // Concurrency limit, then the added latency (spent while the request is in flight).
    let Some(_in_flight) = shared.enter(&user, knobs.max_concurrent) else {
        shared.event("concurrencyExceeded");
        return Outcome::Respond(api_error(&ApiError::concurrency_exceeded()));
    };
    // One jitter draw per call (from its own seeded generator), used for both parts of the
    // delay so a call has one factor.
    let draw: f64 = if knobs.latency.jitter_pct > 0 {
        lock(&shared.latency_rng).r#gen()
    } else {
        0.5
    };
    let delay = knobs.latency.call_delay(route.is_write(), draw);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }

    // Injected faults (one draw from the seeded generator per call).
    let f = knobs.faults;
    if f.drop_connection + f.backend_error + f.too_many_requests > 0.0 {
        let r: f64 = lock(&shared.rng).r#gen();
        if r < f.drop_connection {
            shared.event("dropped");
            return Outcome::Drop;
        } else if r < f.drop_connection + f.backend_error {
            shared.event("backendError");
            return Outcome::Respond(api_error(&ApiError::backend_error()));
        } else if r < f.drop_connection + f.backend_error + f.too_many_requests {
            shared.event("tooManyRequests");
            return Outcome::Respond(api_error(&ApiError::rate_limited(true)));
        }
    }

    let result = route
        .params(query)
        .and_then(|params| routing::dispatch(shared, &route, &params, body));
    // The per-user cost of a list call, paid after the handler has read the state (the answer
    // is a snapshot of the time the call started to be served, like Google's).
    if let Ok((_, Some(v))) = &result {
        let delay = knobs.latency.per_user_delay(listed_items(v), draw);
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
    }
    Outcome::Respond(match result {
        Ok((status, Some(mut v))) => {
            if let Some(fields) = query.iter().rev().find(|(k, _)| k == "fields") {
                v = fields::apply_fields(&v, &fields.1);
            }
            json_response(status, &v)
        }
        Ok((status, None)) => empty(status),
        Err(e) => {
            tracing::debug!(method = %format!("{resource}.{name}"), error = %e, "emulator: API error");
            api_error(&e)
        }
    })
}

/// How many users, members or groups a list call's answer holds (0 for any other answer).
fn listed_items(v: &serde_json::Value) -> usize {
    ["users", "members", "groups"]
        .iter()
        .find_map(|k| v.get(*k).and_then(serde_json::Value::as_array))
        .map_or(0, Vec::len)
}
