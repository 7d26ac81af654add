//! The HTTP side: connections (including really dropping one), tokens, faults, and the
//! query endpoints.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use rand::Rng;
use rusqlite::types::ValueRef;
use serde_json::{Map, Value as Json, json};

use crate::queries::{self, NamedQuery};
use crate::{EmulatorConfig, EmulatorError, Faults};

type Records = Arc<Vec<Json>>;

/// A poisoned lock still holds usable state (counters, scripts): take it.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[derive(Default)]
pub(crate) struct Script {
    pub(crate) fail: VecDeque<u16>,
    pub(crate) drops: u32,
    pub(crate) corrupt: Vec<(String, usize)>,
    /// Added to every `/count` answer.
    pub(crate) overcount: u64,
}

#[derive(Default)]
pub(crate) struct Atomics {
    pub(crate) requests: AtomicU64,
    pub(crate) tokens_issued: AtomicU64,
    pub(crate) tokens_refused: AtomicU64,
    pub(crate) unauthorized: AtomicU64,
    pub(crate) pages: AtomicU64,
    pub(crate) counts: AtomicU64,
    pub(crate) faults: AtomicU64,
}

pub(crate) struct Shared {
    pub(crate) queries: HashMap<String, NamedQuery>,
    db: Mutex<rusqlite::Connection>,
    cache: Mutex<HashMap<String, Records>>,
    pub(crate) tokens: Mutex<HashMap<String, Instant>>,
    pub(crate) script: Mutex<Script>,
    pub(crate) latency: Mutex<Duration>,
    pub(crate) counters: Atomics,
    client_id: String,
    client_secret: String,
    token_ttl: Duration,
    max_page_size: u32,
    faults: Faults,
}

impl Shared {
    pub(crate) fn new(config: &EmulatorConfig) -> Result<Self, EmulatorError> {
        let queries = queries::load_dir(&config.queries_root)?;
        let db = rusqlite::Connection::open_with_flags(
            &config.database,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .map_err(|e| EmulatorError::Database(format!("{}: {e}", config.database.display())))?;
        for q in queries.values() {
            let stmt = db
                .prepare(&q.sql)
                .map_err(|e| EmulatorError::Database(format!("query {}: {e}", q.name)))?;
            if stmt.column_count() != q.columns.len() {
                return Err(EmulatorError::Plugin(format!(
                    "query {} declares {} columns, its SQL returns {}",
                    q.name,
                    q.columns.len(),
                    stmt.column_count()
                )));
            }
        }
        Ok(Shared {
            queries,
            db: Mutex::new(db),
            cache: Mutex::new(HashMap::new()),
            tokens: Mutex::new(HashMap::new()),
            script: Mutex::new(Script::default()),
            latency: Mutex::new(config.latency),
            counters: Atomics::default(),
            client_id: config.client_id.clone(),
            client_secret: config.client_secret.clone(),
            token_ttl: config.token_ttl,
            max_page_size: config.max_page_size.max(1),
            faults: config.faults,
        })
    }

    /// The query's records for these arguments (computed once, then cached: the database is
    /// read-only).
    fn records(&self, q: &NamedQuery, args: &Map<String, Json>) -> Result<Records, String> {
        let key = format!("{}?{}", q.name, Json::Object(args.clone()));
        if let Some(r) = lock(&self.cache).get(&key) {
            return Ok(r.clone());
        }
        let db = lock(&self.db);
        let mut stmt = db.prepare_cached(&q.sql).map_err(|e| e.to_string())?;
        for name in &q.args {
            let i = stmt
                .parameter_index(&format!(":{name}"))
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("the SQL has no :{name}"))?;
            match args.get(name) {
                Some(Json::Number(n)) if n.is_i64() => stmt.raw_bind_parameter(i, n.as_i64()),
                Some(Json::Number(n)) => stmt.raw_bind_parameter(i, n.as_f64()),
                Some(Json::String(s)) => stmt.raw_bind_parameter(i, s.as_str()),
                _ => return Err(format!("argument {name} is missing or not a value")),
            }
            .map_err(|e| e.to_string())?;
        }
        let mut out = Vec::new();
        let mut rows = stmt.raw_query();
        while let Some(row) = rows.next().map_err(|e| e.to_string())? {
            let mut rec = Map::new();
            for (i, col) in q.columns.iter().enumerate() {
                let v = match row.get_ref(i).map_err(|e| e.to_string())? {
                    ValueRef::Integer(n) => n.to_string(),
                    ValueRef::Real(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => {
                        (x as i64).to_string()
                    }
                    ValueRef::Real(x) => x.to_string(),
                    ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    ValueRef::Null | ValueRef::Blob(_) => continue,
                };
                rec.insert(col.clone(), Json::String(v));
            }
            out.push(Json::Object(rec));
        }
        let records = Arc::new(out);
        lock(&self.cache).insert(key, records.clone());
        Ok(records)
    }
}
use roster_emulator_server::Outcome;

fn respond(status: StatusCode, body: &Json) -> Outcome {
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    Outcome::Respond(r)
}

fn message(status: StatusCode, text: impl Into<String>) -> Outcome {
    respond(status, &json!({ "message": text.into() }))
}

/// Serves one request (handed over by [`roster_emulator_server::Server`]).
pub(crate) async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Outcome {
    shared.counters.requests.fetch_add(1, Ordering::Relaxed);
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    if req.method() != Method::POST {
        return message(StatusCode::METHOD_NOT_ALLOWED, "use POST");
    }
    if path == "/oauth/access_token" {
        return token(&shared, req).await;
    }
    let Some(rest) = path.strip_prefix("/ws/schema/query/") else {
        return message(StatusCode::NOT_FOUND, format!("no resource {path}"));
    };
    if !authorized(&shared, &req) {
        shared.counters.unauthorized.fetch_add(1, Ordering::Relaxed);
        return message(StatusCode::UNAUTHORIZED, "Invalid or expired access token");
    }
    if let Some(fault) = fault(&shared) {
        return fault;
    }
    let latency = *lock(&shared.latency);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let (name, count) = match rest.strip_suffix("/count") {
        Some(n) => (n.to_string(), true),
        None => (rest.to_string(), false),
    };
    let Some(q) = shared.queries.get(&name).cloned() else {
        return message(
            StatusCode::NOT_FOUND,
            format!("Named query {name} not found"),
        );
    };
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return Outcome::Drop,
    };
    let args = if body.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else {
        match serde_json::from_slice::<Json>(&body) {
            Ok(Json::Object(m)) => m,
            _ => return message(StatusCode::BAD_REQUEST, "the body must be a JSON object"),
        }
    };
    let sh = shared.clone();
    let qq = q.clone();
    let records = match tokio::task::spawn_blocking(move || sh.records(&qq, &args)).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return message(StatusCode::BAD_REQUEST, format!("query {name}: {e}")),
        Err(_) => return message(StatusCode::INTERNAL_SERVER_ERROR, "query task failed"),
    };
    if count {
        shared.counters.counts.fetch_add(1, Ordering::Relaxed);
        let over = lock(&shared.script).overcount;
        let n = (records.len() as u64).saturating_add(over);
        return respond(StatusCode::OK, &json!({ "count": n }));
    }
    page(&shared, &q, &records, &query)
}

fn page(shared: &Shared, q: &NamedQuery, records: &[Json], query: &str) -> Outcome {
    let mut page = 1u64;
    let mut size = u64::from(shared.max_page_size);
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        let n = match v.parse::<u64>() {
            Ok(n) if n >= 1 => n,
            _ => {
                return message(
                    StatusCode::BAD_REQUEST,
                    format!("{k} must be a whole number of at least 1"),
                );
            }
        };
        match k.as_ref() {
            "page" => page = n,
            "pagesize" => size = n,
            _ => {}
        }
    }
    if size > u64::from(shared.max_page_size) {
        return message(
            StatusCode::BAD_REQUEST,
            format!(
                "pagesize {size} exceeds the maximum page size {}",
                shared.max_page_size
            ),
        );
    }
    let start = (page - 1).saturating_mul(size);
    let corrupt: Vec<usize> = lock(&shared.script)
        .corrupt
        .iter()
        .filter(|(n, _)| *n == q.name)
        .map(|(_, i)| *i)
        .collect();
    let slice: Vec<Json> = records
        .iter()
        .enumerate()
        .skip(start.min(records.len() as u64) as usize)
        .take(size as usize)
        .map(|(i, r)| {
            let mut r = r.clone();
            if corrupt.contains(&i)
                && let (Some(obj), Some(first)) = (r.as_object_mut(), q.columns.first())
            {
                obj.insert(first.clone(), json!({ "unexpected": true }));
            }
            r
        })
        .collect();
    shared.counters.pages.fetch_add(1, Ordering::Relaxed);
    respond(StatusCode::OK, &json!({ "name": q.name, "record": slice }))
}

/// A scripted fault first, then a random one.
fn fault(shared: &Shared) -> Option<Outcome> {
    let scripted = {
        let mut s = lock(&shared.script);
        if s.drops > 0 {
            s.drops -= 1;
            Some(None)
        } else {
            s.fail.pop_front().map(Some)
        }
    };
    let chosen = scripted.or_else(|| {
        let f = shared.faults;
        let mut rng = rand::thread_rng();
        if f.drop > 0.0 && rng.gen_bool(f.drop.min(1.0)) {
            Some(None)
        } else if f.p429 > 0.0 && rng.gen_bool(f.p429.min(1.0)) {
            Some(Some(429))
        } else if f.p503 > 0.0 && rng.gen_bool(f.p503.min(1.0)) {
            Some(Some(503))
        } else {
            None
        }
    })?;
    shared.counters.faults.fetch_add(1, Ordering::Relaxed);
    Some(match chosen {
        None => Outcome::Drop,
        Some(status) => {
            let s = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            message(
                s,
                format!("{} (injected)", s.canonical_reason().unwrap_or("error")),
            )
        }
    })
}

fn authorized(shared: &Shared, req: &Request<Incoming>) -> bool {
    let Some(token) = req
        .headers()
        .get(hyper::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
    else {
        return false;
    };
    lock(&shared.tokens)
        .get(token.trim())
        .is_some_and(|expires| Instant::now() < *expires)
}

async fn token(shared: &Shared, req: Request<Incoming>) -> Outcome {
    let basic = req
        .headers()
        .get(hyper::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Basic "))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok());
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return Outcome::Drop,
    };
    let grant = form_urlencoded::parse(&body)
        .find(|(k, _)| k == "grant_type")
        .map(|(_, v)| v.into_owned());
    if grant.as_deref() != Some("client_credentials") {
        return respond(
            StatusCode::BAD_REQUEST,
            &json!({ "error": "unsupported_grant_type", "error_description": "grant_type must be client_credentials" }),
        );
    }
    let expected = format!("{}:{}", shared.client_id, shared.client_secret);
    if basic.as_deref() != Some(expected.as_str()) {
        shared
            .counters
            .tokens_refused
            .fetch_add(1, Ordering::Relaxed);
        return respond(
            StatusCode::UNAUTHORIZED,
            &json!({ "error": "invalid_client", "error_description": "Bad client credentials" }),
        );
    }
    let value: String = {
        let mut rng = rand::thread_rng();
        (0..32)
            .map(|_| char::from(b"0123456789abcdef"[rng.gen_range(0..16)]))
            .collect()
    };
    let ttl = shared.token_ttl;
    lock(&shared.tokens).insert(value.clone(), Instant::now() + ttl);
    shared
        .counters
        .tokens_issued
        .fetch_add(1, Ordering::Relaxed);
    respond(
        StatusCode::OK,
        &json!({
            "access_token": value,
            "token_type": "Bearer",
            "expires_in": ttl.as_secs().to_string(),
        }),
    )
}
