//! The HTTP side: the OAuth token, PowerQuery calls with retries, and records -> [`Rows`].

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt, stream};
use rand::Rng;
use reqwest::StatusCode;
use roster_core::{RowError, SourceError};
use serde_json::{Map, Value as Json};

use super::{ApiConfig, ApiError, ENV_URL};
use crate::powerschool::backend::{Bind, Rows, SqlBackend, Value, check_binds};
use crate::powerschool::plugin::{self, PowerQuery};

/// Runs the plugin's PowerQueries; a [`SqlBackend`] for [`super::PowerSchoolApi`].
///
/// [`SqlBackend::query`] blocks on the current tokio runtime, so it must run where blocking is
/// allowed (the source calls it through `spawn_blocking`).
pub struct ApiBackend {
    http: reqwest::Client,
    config: ApiConfig,
    queries: Vec<PowerQuery>,
    token: tokio::sync::Mutex<Option<Token>>,
    counters: Counters,
}

impl std::fmt::Debug for ApiBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiBackend")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

#[derive(Clone)]
struct Token {
    value: String,
    refresh_at: Instant,
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    pages: AtomicU64,
    retries: AtomicU64,
    token_requests: AtomicU64,
    unauthorized: AtomicU64,
    waiting_us: AtomicU64,
}

/// What the backend did so far (for logs, tests and the bench).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiStats {
    /// HTTP requests sent (token requests included).
    pub requests: u64,
    /// Pages read.
    pub pages: u64,
    /// Requests repeated after a 429, a 5xx or a dropped connection.
    pub retries: u64,
    /// Tokens requested.
    pub token_requests: u64,
    /// 401 answers (each followed by one token refresh).
    pub unauthorized: u64,
    /// Total time requests were in flight, summed over concurrent requests.
    pub waiting: Duration,
}

impl ApiBackend {
    /// A backend with this configuration (no request is sent yet).
    pub fn new(config: ApiConfig) -> Result<Self, ApiError> {
        check_base_url(&config.base_url)?;
        if config.page_size == 0 || config.concurrency == 0 || config.max_attempts == 0 {
            return Err(ApiError::Config(
                "page size, concurrency and attempts must be at least 1".into(),
            ));
        }
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| ApiError::Config(format!("HTTP client: {e}")))?;
        Ok(ApiBackend {
            http,
            config,
            queries: plugin::queries(),
            token: tokio::sync::Mutex::new(None),
            counters: Counters::default(),
        })
    }

    /// The backend running the PowerQueries of the plugin a district with `options`
    /// installs ([`plugin::queries_for`]): the core ones and the district's own statements.
    pub fn for_district(mut self, options: &super::super::PowerSchoolOptions) -> Self {
        self.queries = plugin::queries_for(options);
        self
    }

    /// The configuration.
    pub fn config(&self) -> &ApiConfig {
        &self.config
    }

    /// The counters so far.
    pub fn stats(&self) -> ApiStats {
        let c = &self.counters;
        ApiStats {
            requests: c.requests.load(Ordering::Relaxed),
            pages: c.pages.load(Ordering::Relaxed),
            retries: c.retries.load(Ordering::Relaxed),
            token_requests: c.token_requests.load(Ordering::Relaxed),
            unauthorized: c.unauthorized.load(Ordering::Relaxed),
            waiting: Duration::from_micros(c.waiting_us.load(Ordering::Relaxed)),
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let base = self.config.backoff.as_millis() as u64;
        let exp = base.saturating_mul(1 << attempt.min(6));
        let jitter = rand::thread_rng().gen_range(0..=exp / 2 + 1);
        Duration::from_millis((exp + jitter).min(10_000))
    }

    /// The cached token, or a new one when there is none or it is about to expire.
    async fn token(&self) -> Result<String, ApiError> {
        let mut slot = self.token.lock().await;
        if let Some(t) = slot.as_ref().filter(|t| Instant::now() < t.refresh_at) {
            return Ok(t.value.clone());
        }
        let t = self.fetch_token().await?;
        let value = t.value.clone();
        *slot = Some(t);
        Ok(value)
    }

    /// Forgets `stale` (after a 401), unless another request already replaced it.
    async fn invalidate(&self, stale: &str) {
        let mut slot = self.token.lock().await;
        if slot.as_ref().is_some_and(|t| t.value == stale) {
            *slot = None;
        }
    }

    async fn fetch_token(&self) -> Result<Token, ApiError> {
        let what = "token request".to_string();
        let url = format!("{}/oauth/access_token", self.config.base_url);
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.counters.token_requests.fetch_add(1, Ordering::Relaxed);
            self.counters.requests.fetch_add(1, Ordering::Relaxed);
            let sent = self
                .http
                .post(&url)
                .basic_auth(
                    &self.config.client_id,
                    Some(self.config.client_secret.expose()),
                )
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded;charset=UTF-8",
                )
                .body("grant_type=client_credentials")
                .send()
                .await;
            let wait = match read(sent).await {
                Ok((s, _, body)) if s.is_success() => return parse_token(&what, &body),
                Ok((s, _, _))
                    if matches!(
                        s,
                        StatusCode::BAD_REQUEST | StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
                    ) =>
                {
                    return Err(ApiError::Credentials { status: s.as_u16() });
                }
                Ok((s, after, body)) => {
                    if !retryable(s) || attempt >= self.config.max_attempts {
                        return Err(status_error(&what, s, &body));
                    }
                    after.unwrap_or_else(|| self.backoff(attempt))
                }
                Err(e) if attempt < self.config.max_attempts => {
                    tracing::debug!(error = %e, "PowerSchool token request failed; retrying");
                    self.backoff(attempt)
                }
                Err(e) => return Err(transport_error(&what, e)),
            };
            self.counters.retries.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(wait).await;
        }
    }

    /// POSTs a JSON body with the bearer token: 401 refreshes the token once, 429/5xx and
    /// dropped connections are retried with backoff.
    async fn post_json(&self, what: &str, url: &str, body: &Json) -> Result<Json, ApiError> {
        let mut refreshed = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let token = self.token().await?;
            let started = Instant::now();
            self.counters.requests.fetch_add(1, Ordering::Relaxed);
            let sent = self
                .http
                .post(url)
                .bearer_auth(&token)
                .header(reqwest::header::ACCEPT, "application/json")
                .json(body)
                .send()
                .await;
            let outcome = read(sent).await;
            self.counters
                .waiting_us
                .fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
            let wait = match outcome {
                Ok((s, _, bytes)) if s.is_success() => {
                    return serde_json::from_slice(&bytes).map_err(|e| ApiError::Protocol {
                        what: what.to_string(),
                        message: format!("not JSON: {e}"),
                    });
                }
                Ok((StatusCode::UNAUTHORIZED, _, _)) if !refreshed => {
                    refreshed = true;
                    attempt -= 1;
                    self.counters.unauthorized.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(
                        call = what,
                        "PowerSchool answered 401; refreshing the token"
                    );
                    self.invalidate(&token).await;
                    continue;
                }
                Ok((s, after, bytes)) => {
                    if !retryable(s) || attempt >= self.config.max_attempts {
                        return Err(status_error(what, s, &bytes));
                    }
                    after.unwrap_or_else(|| self.backoff(attempt))
                }
                Err(e) if attempt < self.config.max_attempts => {
                    tracing::debug!(call = what, error = %e, "PowerSchool request failed; retrying");
                    self.backoff(attempt)
                }
                Err(e) => return Err(transport_error(what, e)),
            };
            self.counters.retries.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(
                call = what,
                attempt,
                wait_ms = wait.as_millis() as u64,
                "retrying"
            );
            tokio::time::sleep(wait).await;
        }
    }

    /// Runs one PowerQuery: `/count`, then every page, `concurrency` at a time.
    pub async fn run_query(&self, q: &PowerQuery, binds: &[Bind]) -> Result<Rows, ApiError> {
        let args: Map<String, Json> = binds
            .iter()
            .map(|(n, v)| (n.to_string(), bind_json(v)))
            .collect();
        let body = Json::Object(args);
        let base = format!("{}/ws/schema/query/{}", self.config.base_url, q.name);
        let what = format!("count {}", q.name);
        let counted = self
            .post_json(&what, &format!("{base}/count"), &body)
            .await?;
        let count = counted
            .get("count")
            .and_then(|c| {
                c.as_u64()
                    .or_else(|| c.as_str().and_then(|s| s.parse().ok()))
            })
            .ok_or_else(|| ApiError::Protocol {
                what: what.clone(),
                message: "no \"count\" number".into(),
            })?;
        let size = u64::from(self.config.page_size);
        let pages = count.div_ceil(size);
        let rows = Rows {
            columns: q.columns.iter().map(|c| c.name.clone()).collect(),
            rows: Vec::with_capacity(usize::try_from(count).unwrap_or(0).min(1 << 20)),
            errors: Vec::new(),
        };
        // Pages arrive in order and are read as they arrive: no more than `concurrency`
        // pages of JSON are held at once. An empty page ends the read: the count was high
        // (rows deleted since, or a broken server saying 10^12), and the pages after it are
        // empty too; at most `concurrency` requests were already sent past it.
        let ended = AtomicBool::new(false);
        let rows = stream::iter(1..=pages)
            .take_while(|_| std::future::ready(!ended.load(Ordering::Relaxed)))
            .map(|page| {
                let url = format!("{base}?page={page}&pagesize={size}");
                let body = &body;
                async move {
                    let what = format!("page {page} of {}", q.name);
                    let v = self.post_json(&what, &url, body).await?;
                    self.counters.pages.fetch_add(1, Ordering::Relaxed);
                    Ok::<_, ApiError>((page, v))
                }
            })
            .buffered(self.config.concurrency)
            .try_fold(rows, |mut rows, (page, v)| {
                let ended = &ended;
                async move {
                    if read_page(q, page, &v, &mut rows)? == 0 {
                        ended.store(true, Ordering::Relaxed);
                    }
                    Ok(rows)
                }
            })
            .await?;
        let read = (rows.rows.len() + rows.errors.len()) as u64;
        if read != count {
            tracing::warn!(
                query = %q.name,
                count,
                read,
                "PowerSchool's count and its pages disagree (rows changed during the read?); the rows the pages held are used"
            );
        }
        tracing::debug!(
            query = %q.name,
            count,
            pages,
            malformed = rows.errors.len(),
            "PowerQuery read"
        );
        Ok(rows)
    }
}

impl SqlBackend for ApiBackend {
    fn name(&self) -> &'static str {
        "powerschool-api"
    }

    fn runs_any_sql(&self) -> bool {
        false
    }

    fn query(&self, sql: &str, binds: &[Bind]) -> Result<Rows, SourceError> {
        check_binds(sql, binds)?;
        let q = self
            .queries
            .iter()
            .find(|q| q.sql == sql)
            .ok_or_else(|| ApiError::NoQuery(sql.lines().next().unwrap_or("").to_string()))?;
        let handle = tokio::runtime::Handle::try_current().map_err(|e| {
            SourceError::Other(format!("the PowerSchool API needs a tokio runtime: {e}"))
        })?;
        Ok(handle.block_on(self.run_query(q, binds))?)
    }
}

/// The base URL must be `https://`: the client secret and every student record cross it.
/// Plain `http://` is allowed only to this machine (the emulator, a local tunnel). The URL is
/// never echoed whole (it could carry a password before `@`).
fn check_base_url(url: &str) -> Result<(), ApiError> {
    let bad = |why: String| Err(ApiError::Config(format!("{ENV_URL}: {why}")));
    let parsed = match reqwest::Url::parse(url) {
        Ok(u) => u,
        Err(e) => {
            return bad(format!(
                "not a URL ({e}); give https://<your PowerSchool server>"
            ));
        }
    };
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return bad(
            "has credentials before '@': the client id and secret go in their own variables".into(),
        );
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return bad("has a '?' or '#' part: give the server's address alone".into());
    }
    let local = match parsed.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return bad("has no host".into()),
    };
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if local => Ok(()),
        "http" => bad(format!(
            "http://{} would send the client secret and student records unencrypted: use https:// (plain http is only for this machine)",
            parsed.host_str().unwrap_or_default()
        )),
        other => bad(format!("the scheme must be https, not {other:?}")),
    }
}

type Read = (StatusCode, Option<Duration>, bytes::Bytes);

/// The status, `Retry-After` and body; a connection that drops mid-body is an error.
async fn read(sent: Result<reqwest::Response, reqwest::Error>) -> Result<Read, reqwest::Error> {
    let resp = sent?;
    let status = resp.status();
    let after = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|h| h.to_str().ok())
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map(|s| Duration::from_secs(s.min(60)));
    Ok((status, after, resp.bytes().await?))
}

fn retryable(s: StatusCode) -> bool {
    s == StatusCode::TOO_MANY_REQUESTS || s.is_server_error()
}

fn status_error(what: &str, s: StatusCode, body: &[u8]) -> ApiError {
    let message = serde_json::from_slice::<Json>(body)
        .ok()
        .and_then(|v| v.get("message").and_then(Json::as_str).map(str::to_string))
        .unwrap_or_else(|| {
            String::from_utf8_lossy(body)
                .chars()
                .filter(|c| !c.is_control())
                .take(200)
                .collect()
        });
    let message = if s == StatusCode::NOT_FOUND {
        format!(
            "{message} (is the district's plugin installed? `DISTRICT-BINARY plugin DIR` writes \
             it: the core queries and the district's own)"
        )
    } else {
        message
    };
    ApiError::Status {
        what: what.to_string(),
        status: s.as_u16(),
        message,
    }
}

fn transport_error(what: &str, e: reqwest::Error) -> ApiError {
    ApiError::Transport {
        what: what.to_string(),
        message: e.without_url().to_string(),
    }
}

fn parse_token(what: &str, body: &[u8]) -> Result<Token, ApiError> {
    let protocol = |message: &str| ApiError::Protocol {
        what: what.to_string(),
        message: message.to_string(),
    };
    let v: Json = serde_json::from_slice(body).map_err(|_| protocol("token answer is not JSON"))?;
    let value = v
        .get("access_token")
        .and_then(Json::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| protocol("no access_token"))?
        .to_string();
    // PowerSchool sends `expires_in` as a string of seconds.
    let secs = v
        .get("expires_in")
        .and_then(|e| {
            e.as_u64()
                .or_else(|| e.as_str().and_then(|s| s.trim().parse().ok()))
        })
        .ok_or_else(|| protocol("no expires_in"))?;
    let ttl = Duration::from_secs(secs);
    let margin = (ttl / 10).min(Duration::from_secs(60));
    Ok(Token {
        value,
        refresh_at: Instant::now() + ttl - margin,
    })
}

fn bind_json(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Int(n) => Json::from(*n),
        Value::Float(x) => Json::from(*x),
        Value::Text(s) => Json::from(s.as_str()),
        Value::Date(d) => Json::from(d.format("%Y-%m-%d").to_string()),
    }
}

/// Appends a page's records to `rows`; a malformed record becomes a located row error.
/// Reads one page's records into `rows`; the number of records the page held.
fn read_page(q: &PowerQuery, page: u64, v: &Json, rows: &mut Rows) -> Result<usize, ApiError> {
    let records = match v.get("record") {
        None | Some(Json::Null) => return Ok(0),
        Some(Json::Array(a)) => a,
        Some(_) => {
            return Err(ApiError::Protocol {
                what: format!("page {page} of {}", q.name),
                message: "\"record\" is not a list".into(),
            });
        }
    };
    for (i, record) in records.iter().enumerate() {
        let at = format!("PowerQuery {} page {page} record {}", q.name, i + 1);
        let Some(obj) = record.as_object() else {
            rows.errors
                .push(RowError::new(at, "record", "is not a JSON object"));
            continue;
        };
        let mut row = Vec::with_capacity(q.columns.len());
        let mut bad = None;
        for c in &q.columns {
            row.push(match obj.get(&c.key()) {
                None | Some(Json::Null) => Value::Null,
                Some(Json::String(s)) => Value::Text(s.clone()),
                Some(Json::Number(n)) => match n.as_i64() {
                    Some(i) => Value::Int(i),
                    None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
                },
                Some(other) => {
                    let kind = match other {
                        Json::Bool(_) => "true/false",
                        Json::Array(_) => "a list",
                        _ => "an object",
                    };
                    bad.get_or_insert((c.name.clone(), format!("is {kind}, expected a value")));
                    Value::Null
                }
            });
        }
        match bad {
            Some((field, reason)) => rows.errors.push(RowError::new(at, field, reason)),
            None => rows.rows.push(row),
        }
    }
    Ok(records.len())
}
