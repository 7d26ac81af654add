//! The HTTP side: connection handling (including really dropping connections), the request
//! pipeline (counters, auth, quota, concurrency, latency, faults, validation) and the endpoint
//! handlers.

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::ops::Bound;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Method, Request, Response};
use hyper_util::rt::TokioIo;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value, json};
use tokio::sync::{Notify, oneshot};

use super::auth::{self, TokenInfo};
use super::discovery;
use super::error::{ApiError, OAuthError};
use super::state::{self, Projection, State};
use super::{Auth, EmulatorConfig, Faults, OverQuota, Quota};

/// Lock a mutex, recovering from poisoning (a panicking handler must not wedge the emulator).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runtime-changeable behaviour.
#[derive(Debug, Clone)]
pub(crate) struct Knobs {
    pub latency: Duration,
    pub faults: Faults,
    pub quota: Option<Quota>,
    pub max_concurrent: Option<u32>,
    pub auth: Auth,
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
    rng: Mutex<StdRng>,
    pub counters: Mutex<Counters>,
    pub audiences: Vec<String>,
}

impl Shared {
    pub fn new(config: &EmulatorConfig, token_url: String, alt_token_url: String) -> Self {
        Self {
            state: Mutex::new(State::new(&config.customer_id, &config.domains)),
            knobs: Mutex::new(Knobs {
                latency: config.latency,
                faults: config.faults,
                quota: config.quota,
                max_concurrent: config.max_concurrent_per_user,
                auth: config.auth,
            }),
            tokens: Mutex::new(HashMap::new()),
            buckets: Mutex::new(HashMap::new()),
            in_flight: Mutex::new(HashMap::new()),
            rng: Mutex::new(StdRng::seed_from_u64(config.seed)),
            counters: Mutex::new(Counters::default()),
            audiences: vec![token_url, alt_token_url],
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

    fn event(&self, name: &str) {
        *lock(&self.counters)
            .events
            .entry(name.to_string())
            .or_default() += 1;
    }

    /// Take one quota token for `user`; false when over quota.
    fn take_quota(&self, user: &str, quota: &Quota) -> bool {
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
    fn enter(self: &Arc<Self>, user: &str, max: Option<u32>) -> Option<InFlight> {
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
struct InFlight {
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

/// What a request ends in.
enum Outcome {
    Respond(Response<Full<Bytes>>),
    Drop,
}

/// Accept connections until `shutdown` fires. Each connection is served by hyper; a handler
/// that decides to drop the connection signals the connection task, which then drops the
/// connection (and its socket) without writing a response.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    mut shutdown: oneshot::Receiver<()>,
) {
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                tokio::spawn(async move {
                    let drop_signal = Arc::new(Notify::new());
                    let signal = drop_signal.clone();
                    let svc = service_fn(move |req| {
                        let shared = shared.clone();
                        let signal = signal.clone();
                        async move {
                            match handle(shared, req).await {
                                Outcome::Respond(r) => Ok::<_, Infallible>(r),
                                Outcome::Drop => {
                                    signal.notify_one();
                                    std::future::pending().await
                                }
                            }
                        }
                    });
                    let conn = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc);
                    tokio::select! {
                        _ = conn => {}
                        _ = drop_signal.notified() => {
                            tracing::debug!("emulator: dropping connection (injected fault)");
                        }
                    }
                });
            }
        }
    }
}

fn json_response(status: u16, body: &Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json; charset=UTF-8")
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("valid response")
}

fn api_error(e: &ApiError) -> Response<Full<Bytes>> {
    let mut r = json_response(e.code, &e.to_json());
    if e.code == 401 {
        r.headers_mut().insert(
            "www-authenticate",
            "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\""
                .parse()
                .expect("header"),
        );
    }
    r
}

fn oauth_error(e: &OAuthError) -> Response<Full<Bytes>> {
    json_response(e.status, &e.to_json())
}

fn empty(status: u16) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .body(Full::new(Bytes::new()))
        .expect("valid response")
}

/// A recognised API method with its path parameters.
#[derive(Debug)]
enum Route {
    UsersList,
    UsersInsert,
    UsersGet(String),
    UsersUpdate(String),
    UsersPatch(String),
    OrgunitsList(String),
    OrgunitsInsert(String),
    OrgunitsGet(String, String),
    SchemasList(String),
    SchemasGet(String, String),
    GroupsList,
    MembersList(String),
    MembersDelete(String, String),
}

impl Route {
    fn id(&self) -> (&'static str, &'static str) {
        match self {
            Route::UsersList => ("users", "list"),
            Route::UsersInsert => ("users", "insert"),
            Route::UsersGet(_) => ("users", "get"),
            Route::UsersUpdate(_) => ("users", "update"),
            Route::UsersPatch(_) => ("users", "patch"),
            Route::OrgunitsList(_) => ("orgunits", "list"),
            Route::OrgunitsInsert(_) => ("orgunits", "insert"),
            Route::OrgunitsGet(..) => ("orgunits", "get"),
            Route::SchemasList(_) => ("schemas", "list"),
            Route::SchemasGet(..) => ("schemas", "get"),
            Route::GroupsList => ("groups", "list"),
            Route::MembersList(_) => ("members", "list"),
            Route::MembersDelete(..) => ("members", "delete"),
        }
    }

    fn is_write(&self) -> bool {
        matches!(
            self,
            Route::UsersInsert
                | Route::UsersUpdate(_)
                | Route::UsersPatch(_)
                | Route::OrgunitsInsert(_)
                | Route::MembersDelete(..)
        )
    }
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

fn route(method: &Method, rest: &str) -> Option<Route> {
    let raw: Vec<&str> = rest.split('/').collect();
    let seg: Vec<String> = raw.iter().map(|s| decode(s)).collect();
    let s: Vec<&str> = seg.iter().map(String::as_str).collect();
    Some(match (method.as_str(), s.as_slice()) {
        ("GET", ["users"]) => Route::UsersList,
        ("POST", ["users"]) => Route::UsersInsert,
        ("GET", ["users", k]) => Route::UsersGet(k.to_string()),
        ("PUT", ["users", k]) => Route::UsersUpdate(k.to_string()),
        ("PATCH", ["users", k]) => Route::UsersPatch(k.to_string()),
        ("GET", ["customer", c, "orgunits"]) => Route::OrgunitsList(c.to_string()),
        ("POST", ["customer", c, "orgunits"]) => Route::OrgunitsInsert(c.to_string()),
        ("GET", ["customer", c, "orgunits", _, ..]) => {
            // {+orgUnitPath}: the rest of the path, slashes included (raw or %2F-encoded).
            Route::OrgunitsGet(c.to_string(), decode(&raw[3..].join("/")))
        }
        ("GET", ["customer", c, "schemas"]) => Route::SchemasList(c.to_string()),
        ("GET", ["customer", c, "schemas", k]) => Route::SchemasGet(c.to_string(), k.to_string()),
        ("GET", ["groups"]) => Route::GroupsList,
        ("GET", ["groups", g, "members"]) => Route::MembersList(g.to_string()),
        ("DELETE", ["groups", g, "members", m]) => {
            Route::MembersDelete(g.to_string(), m.to_string())
        }
        _ => return None,
    })
}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Outcome {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query: Vec<(String, String)> = req
        .uri()
        .query()
        .map(|q| {
            form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    let auth_header = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return Outcome::Respond(empty(400)),
    };

    if path == "/token" {
        return Outcome::Respond(token_endpoint(&shared, &method, &body));
    }
    if let Some(rest) = path.strip_prefix("/emulator/") {
        return Outcome::Respond(control(&shared, &method, rest, &body));
    }
    let Some(rest) = path.strip_prefix("/admin/directory/v1/") else {
        return Outcome::Respond(api_error(&ApiError::new(404, "notFound", "Not Found")));
    };
    let Some(route) = route(&method, rest.trim_end_matches('/')) else {
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
                .as_deref()
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
            let allowed = discovery::method_scopes(resource, name);
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
    if !knobs.latency.is_zero() {
        tokio::time::sleep(knobs.latency).await;
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

    let result = discovery::validate_params(resource, name, &query)
        .and_then(|params| dispatch(&shared, &route, &params, &body));
    Outcome::Respond(match result {
        Ok((status, Some(mut v))) => {
            if let Some(fields) = query.iter().rev().find(|(k, _)| k == "fields") {
                v = apply_fields(&v, &fields.1);
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

type Handled = Result<(u16, Option<Value>), ApiError>;

fn parse_body(body: &Bytes) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            400,
            "parseError",
            format!("Invalid JSON payload received. {e}"),
        )
    })
}

fn param<'a>(p: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    p.get(k).and_then(Value::as_str)
}

fn projection(p: &Map<String, Value>) -> Result<Projection, ApiError> {
    Ok(match param(p, "projection").unwrap_or("basic") {
        "full" => Projection::Full,
        "custom" => {
            let mask = param(p, "customFieldMask")
                .filter(|m| !m.trim().is_empty())
                .ok_or_else(|| ApiError::invalid("Invalid Input: customFieldMask"))?;
            Projection::Custom(mask.split(',').map(|s| s.trim().to_string()).collect())
        }
        _ => Projection::Basic,
    })
}

fn check_customer(state: &State, customer: &str) -> Result<(), ApiError> {
    if state.is_customer(customer) {
        Ok(())
    } else {
        Err(ApiError::bad_request())
    }
}

fn list_body(kind: &str, key: &str, items: Vec<Value>, next: Option<String>) -> Value {
    let mut v = json!({"kind": kind});
    if !items.is_empty() {
        v[key] = Value::Array(items);
    }
    v["etag"] = json!(state::etag(&v));
    if let Some(n) = next {
        v["nextPageToken"] = json!(n);
    }
    v
}

fn dispatch(shared: &Shared, route: &Route, p: &Map<String, Value>, body: &Bytes) -> Handled {
    let mut st = lock(&shared.state);
    match route {
        Route::UsersList => {
            // Select under the lock, render (the expensive part) after releasing it.
            let (users, proj, next) = users_list(&st, p)?;
            let customer_id = st.customer_id.clone();
            drop(st);
            let users = users
                .iter()
                .map(|u| state::render_user(&customer_id, u, &proj))
                .collect();
            Ok((
                200,
                Some(list_body("admin#directory#users", "users", users, next)),
            ))
        }
        Route::UsersGet(key) => {
            let proj = projection(p)?;
            let u = st.user(key).ok_or_else(|| ApiError::not_found("userKey"))?;
            Ok((200, Some(st.user_json(u, &proj))))
        }
        Route::UsersInsert => {
            let body = parse_body(body)?;
            let u = st.insert_user(&body, true)?;
            Ok((200, Some(st.user_json(&u, &Projection::Full))))
        }
        Route::UsersUpdate(key) | Route::UsersPatch(key) => {
            let body = parse_body(body)?;
            let u = st.update_user(key, &body)?;
            Ok((200, Some(st.user_json(&u, &Projection::Full))))
        }
        Route::OrgunitsList(c) => {
            check_customer(&st, c)?;
            let base_key = param(p, "orgUnitPath").unwrap_or("");
            let base = st
                .find_ou(if base_key.is_empty() { "/" } else { base_key })
                .ok_or_else(ApiError::invalid_ou)?;
            let kind = param(p, "type").unwrap_or("children");
            let prefix = if base.path == "/" {
                "/".to_string()
            } else {
                format!("{}/", base.path.to_lowercase())
            };
            let mut items: Vec<Value> = Vec::new();
            if kind == "allIncludingParent" && base.path != "/" {
                items.push(st.ou_json(&base));
            }
            for (k, ou) in &st.org_units {
                let selected = match kind {
                    "children" => ou.parent_path.eq_ignore_ascii_case(&base.path),
                    _ => k.starts_with(&prefix),
                };
                if selected {
                    items.push(st.ou_json(ou));
                }
            }
            Ok((
                200,
                Some(list_body(
                    "admin#directory#orgUnits",
                    "organizationUnits",
                    items,
                    None,
                )),
            ))
        }
        Route::OrgunitsGet(c, path) => {
            check_customer(&st, c)?;
            let ou = st
                .find_ou(path)
                .ok_or_else(|| ApiError::new(404, "notFound", "Org unit not found"))?;
            Ok((200, Some(st.ou_json(&ou))))
        }
        Route::OrgunitsInsert(c) => {
            check_customer(&st, c)?;
            let body = parse_body(body)?;
            discovery::validate_body("OrgUnit", &body)?;
            let name = body
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| ApiError::invalid("Invalid Ou Name"))?;
            let parent = body
                .get("parentOrgUnitPath")
                .or_else(|| body.get("parentOrgUnitId"))
                .and_then(Value::as_str)
                .unwrap_or("/")
                .to_string();
            let description = body
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or("");
            let ou = st.insert_ou(name, &parent, description)?;
            Ok((200, Some(st.ou_json(&ou))))
        }
        Route::SchemasList(c) => {
            check_customer(&st, c)?;
            let items = st.schemas.values().map(State::schema_json).collect();
            Ok((
                200,
                Some(list_body("admin#directory#schemas", "schemas", items, None)),
            ))
        }
        Route::SchemasGet(c, key) => {
            check_customer(&st, c)?;
            let s = st
                .find_schema(key)
                .ok_or_else(|| ApiError::not_found("schemaKey"))?;
            Ok((200, Some(State::schema_json(s))))
        }
        Route::GroupsList => groups_list(&st, p),
        Route::MembersList(g) => {
            let gk = st
                .group_key(g)
                .ok_or_else(|| ApiError::not_found("groupKey"))?;
            let group = &st.groups[&gk];
            let max = p
                .get("maxResults")
                .and_then(Value::as_i64)
                .unwrap_or(200)
                .min(200) as usize;
            let roles: Option<Vec<String>> =
                param(p, "roles").map(|r| r.split(',').map(|s| s.trim().to_uppercase()).collect());
            let fp = state::fingerprint(&[&gk, param(p, "roles").unwrap_or("")]);
            let start = match param(p, "pageToken").filter(|t| !t.is_empty()) {
                Some(t) => state::decode_page_token(t, &fp)?
                    .first()
                    .and_then(|s| s.parse::<usize>().ok())
                    .unwrap_or(0),
                None => 0,
            };
            let selected: Vec<&state::GroupMember> = group
                .members
                .iter()
                .filter(|m| roles.as_ref().is_none_or(|r| r.contains(&m.role)))
                .collect();
            let page: Vec<Value> = selected
                .iter()
                .skip(start)
                .take(max)
                .map(|m| st.member_json(m))
                .collect();
            let next = (start + max < selected.len())
                .then(|| state::encode_page_token(&[(start + max).to_string()], &fp));
            Ok((
                200,
                Some(list_body("admin#directory#members", "members", page, next)),
            ))
        }
        Route::MembersDelete(g, m) => {
            let gk = st
                .group_key(g)
                .ok_or_else(|| ApiError::not_found("groupKey"))?;
            let user_email = st
                .user(m)
                .and_then(|u| u.data.get("primaryEmail").and_then(Value::as_str))
                .map(str::to_lowercase);
            let group = st.groups.get_mut(&gk).expect("key from lookup");
            let before = group.members.len();
            group.members.retain(|x| {
                !(x.id == *m
                    || x.email.eq_ignore_ascii_case(m)
                    || user_email.as_deref() == Some(x.email.to_lowercase().as_str()))
            });
            if group.members.len() == before {
                return Err(ApiError::not_found("memberKey"));
            }
            Ok((204, None))
        }
    }
}

type UserPage = (Vec<state::StoredUser>, Projection, Option<String>);

fn users_list(st: &State, p: &Map<String, Value>) -> Result<UserPage, ApiError> {
    let customer = param(p, "customer");
    let domain = param(p, "domain").map(str::to_lowercase);
    match (customer, &domain) {
        (None, None) => return Err(ApiError::bad_request()),
        (Some(c), _) => check_customer(st, c)?,
        _ => {}
    }
    if let Some(d) = &domain
        && !st.domains.contains(d)
    {
        return Err(ApiError::forbidden());
    }
    let proj = projection(p)?;
    let query = param(p, "query").unwrap_or("");
    let clauses = state::parse_query(st, query)?;
    let max = p.get("maxResults").and_then(Value::as_i64).unwrap_or(100) as usize;
    let order = param(p, "orderBy").unwrap_or("email");
    let descending = param(p, "sortOrder") == Some("DESCENDING");
    let fp = state::fingerprint(&[
        customer.unwrap_or(""),
        domain.as_deref().unwrap_or(""),
        query,
        order,
        if descending { "d" } else { "a" },
    ]);
    let after = param(p, "pageToken")
        .filter(|t| !t.is_empty())
        .map(|t| state::decode_page_token(t, &fp))
        .transpose()?;
    if p.get("showDeleted").and_then(Value::as_str) == Some("true") {
        return Ok((Vec::new(), proj, None));
    }
    let wanted = |u: &state::StoredUser, email_key: &str| {
        domain
            .as_ref()
            .is_none_or(|d| email_key.rsplit_once('@').is_some_and(|(_, ud)| ud == d))
            && state::matches(u, &clauses)
    };
    // (sort key, user) for max+1 matches after the token position.
    let mut page: Vec<(Vec<String>, &state::StoredUser)> = Vec::with_capacity(max + 1);
    if order == "email" {
        let start = after.as_ref().and_then(|k| k.first().cloned());
        // `email=` names at most one user: Google answers it from an index, and so do we
        // (the map is keyed by the lower-cased email), instead of walking every user.
        let exact = clauses.iter().find_map(|c| match c {
            state::Clause::EmailExact(e) => Some(e.clone()),
            _ => None,
        });
        let iter: Box<dyn Iterator<Item = (&String, &state::StoredUser)>> = match exact {
            Some(e) => Box::new(st.users.range(e.clone()..=e).filter(|(k, _)| match &start {
                None => true,
                Some(s) if descending => *k < s,
                Some(s) => *k > s,
            })),
            None => match (&start, descending) {
                (None, false) => Box::new(st.users.iter()),
                (None, true) => Box::new(st.users.iter().rev()),
                (Some(s), false) => Box::new(
                    st.users
                        .range::<String, _>((Bound::Excluded(s), Bound::Unbounded)),
                ),
                (Some(s), true) => Box::new(st.users.range::<String, _>(..s).rev()),
            },
        };
        for (k, u) in iter {
            if wanted(u, k) {
                page.push((vec![k.clone()], u));
                if page.len() > max {
                    break;
                }
            }
        }
    } else {
        let field = if order == "givenName" {
            "givenName"
        } else {
            "familyName"
        };
        let mut all: Vec<(Vec<String>, &state::StoredUser)> = st
            .users
            .iter()
            .filter(|(k, u)| wanted(u, k))
            .map(|(k, u)| {
                let n = u
                    .data
                    .get("name")
                    .and_then(|n| n.get(field))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_lowercase();
                (vec![n, k.clone()], u)
            })
            .collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        if descending {
            all.reverse();
        }
        page = all
            .into_iter()
            .filter(|(k, _)| match &after {
                None => true,
                Some(a) if descending => k < a,
                Some(a) => k > a,
            })
            .take(max + 1)
            .collect();
    }
    let next = if page.len() > max {
        page.truncate(max);
        page.last().map(|(k, _)| state::encode_page_token(k, &fp))
    } else {
        None
    };
    let users = page.into_iter().map(|(_, u)| u.clone()).collect();
    Ok((users, proj, next))
}

fn groups_list(st: &State, p: &Map<String, Value>) -> Handled {
    let customer = param(p, "customer");
    let domain = param(p, "domain").map(str::to_lowercase);
    let user_key = param(p, "userKey");
    if customer.is_none() && domain.is_none() && user_key.is_none() {
        return Err(ApiError::bad_request());
    }
    if let Some(c) = customer {
        check_customer(st, c)?;
    }
    let member_email = user_key.map(|k| {
        st.user(k)
            .and_then(|u| u.data.get("primaryEmail").and_then(Value::as_str))
            .unwrap_or(k)
            .to_lowercase()
    });
    let max = p
        .get("maxResults")
        .and_then(Value::as_i64)
        .unwrap_or(200)
        .min(200) as usize;
    let fp = state::fingerprint(&[
        customer.unwrap_or(""),
        domain.as_deref().unwrap_or(""),
        user_key.unwrap_or(""),
    ]);
    let after = param(p, "pageToken")
        .filter(|t| !t.is_empty())
        .map(|t| state::decode_page_token(t, &fp))
        .transpose()?
        .and_then(|k| k.first().cloned());
    let mut page: Vec<(&String, &state::Group)> = st
        .groups
        .iter()
        .filter(|(k, _)| after.as_ref().is_none_or(|a| *k > a))
        .filter(|(k, g)| {
            domain
                .as_ref()
                .is_none_or(|d| k.rsplit_once('@').is_some_and(|(_, gd)| gd == d))
                && member_email
                    .as_ref()
                    .is_none_or(|e| g.members.iter().any(|m| m.email.eq_ignore_ascii_case(e)))
        })
        .take(max + 1)
        .collect();
    let next = if page.len() > max {
        page.truncate(max);
        page.last()
            .map(|(k, _)| state::encode_page_token(&[k.to_string()], &fp))
    } else {
        None
    };
    let groups = page.iter().map(|(_, g)| State::group_json(g)).collect();
    Ok((
        200,
        Some(list_body("admin#directory#groups", "groups", groups, next)),
    ))
}

// ---------- partial responses (`fields=`) ----------

/// A parsed `fields` selector: name -> sub-selection (empty = everything).
#[derive(Debug, Default)]
struct Selector(BTreeMap<String, Selector>);

impl Selector {
    fn new() -> Self {
        Self::default()
    }
}

impl std::ops::Deref for Selector {
    type Target = BTreeMap<String, Selector>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for Selector {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl IntoIterator for Selector {
    type Item = (String, Selector);
    type IntoIter = std::collections::btree_map::IntoIter<String, Selector>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

fn parse_fields(s: &str) -> Selector {
    fn parse_list(chars: &[char], i: &mut usize) -> Selector {
        let mut out = Selector::new();
        loop {
            // one path a/b/c, optionally followed by (sub)
            let mut path: Vec<String> = vec![String::new()];
            while *i < chars.len() && !matches!(chars[*i], ',' | '(' | ')') {
                if chars[*i] == '/' {
                    path.push(String::new());
                } else if !chars[*i].is_whitespace() {
                    path.last_mut().expect("non-empty").push(chars[*i]);
                }
                *i += 1;
            }
            let mut sub = Selector::new();
            if *i < chars.len() && chars[*i] == '(' {
                *i += 1;
                sub = parse_list(chars, i);
                if *i < chars.len() && chars[*i] == ')' {
                    *i += 1;
                }
            }
            let mut node = sub;
            for name in path.into_iter().rev() {
                if name.is_empty() {
                    continue;
                }
                let mut m = Selector::new();
                m.insert(name, node);
                node = m;
            }
            for (k, v) in node {
                match out.get_mut(&k) {
                    Some(existing) => merge_sel(existing, v),
                    None => {
                        out.insert(k, v);
                    }
                }
            }
            if *i < chars.len() && chars[*i] == ',' {
                *i += 1;
                continue;
            }
            return out;
        }
    }
    fn merge_sel(into: &mut Selector, from: Selector) {
        if into.is_empty() || from.is_empty() {
            into.clear();
            return;
        }
        for (k, v) in from {
            match into.get_mut(&k) {
                Some(existing) => merge_sel(existing, v),
                None => {
                    into.insert(k, v);
                }
            }
        }
    }
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    parse_list(&chars, &mut i)
}

fn select(v: &Value, sel: &Selector) -> Value {
    if sel.is_empty() {
        return v.clone();
    }
    match v {
        Value::Object(o) => Value::Object(
            sel.iter()
                .filter_map(|(k, sub)| o.get(k).map(|x| (k.clone(), select(x, sub))))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|x| select(x, sel)).collect()),
        other => other.clone(),
    }
}

/// Apply Google's partial-response `fields` parameter (e.g.
/// `nextPageToken,users(id,primaryEmail,name/fullName)`).
pub(crate) fn apply_fields(v: &Value, fields: &str) -> Value {
    if fields.trim().is_empty() || fields.trim() == "*" {
        return v.clone();
    }
    select(v, &parse_fields(fields))
}

// ---------- token endpoint ----------

fn token_endpoint(shared: &Shared, method: &Method, body: &Bytes) -> Response<Full<Bytes>> {
    *lock(&shared.counters)
        .methods
        .entry("oauth2.token".into())
        .or_default() += 1;
    if method != Method::POST {
        return oauth_error(&OAuthError::new(
            405,
            "invalid_request",
            "Method not allowed",
        ));
    }
    let form: HashMap<String, String> = form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    let grant = {
        let st = lock(&shared.state);
        match get("grant_type") {
            auth::JWT_BEARER => auth::verify_assertion(
                &st,
                get("assertion"),
                &shared.audiences,
                chrono::Utc::now().timestamp(),
            ),
            "refresh_token" => auth::refresh_grant(
                &st,
                get("client_id"),
                get("client_secret"),
                get("refresh_token"),
            ),
            "" => Err(OAuthError::new(
                400,
                "unsupported_grant_type",
                "Invalid grant_type: ",
            )),
            other => Err(OAuthError::new(
                400,
                "unsupported_grant_type",
                format!("Invalid grant_type: {other}"),
            )),
        }
    };
    match grant {
        Ok(info) => {
            let scope = info.scopes.join(" ");
            tracing::debug!(subject = %info.subject, "emulator: issued access token");
            let token = shared.issue(info);
            json_response(
                200,
                &json!({
                    "access_token": token,
                    "token_type": "Bearer",
                    "expires_in": auth::TOKEN_LIFETIME.as_secs(),
                    "scope": scope,
                }),
            )
        }
        Err(e) => {
            shared.event("tokenRejected");
            tracing::debug!(error = e.error, description = %e.description, "emulator: token request rejected");
            oauth_error(&e)
        }
    }
}

// ---------- control endpoints ----------

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
        "latency_ms": k.latency.as_millis() as u64,
        "faults": k.faults,
        "quota": k.quota,
        "max_concurrent_per_user": k.max_concurrent,
        "auth": match k.auth { Auth::Open => "open", Auth::Required => "required" },
    })
}

fn control(shared: &Shared, method: &Method, rest: &str, body: &Bytes) -> Response<Full<Bytes>> {
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
            if let Some(ms) = v.get("latency_ms").and_then(Value::as_u64) {
                k.latency = Duration::from_millis(ms);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_selector() {
        let v = json!({"kind": "k", "nextPageToken": "t", "users": [
            {"id": "1", "primaryEmail": "a@x", "name": {"fullName": "A B", "givenName": "A"}}]});
        assert_eq!(
            apply_fields(&v, "nextPageToken,users(id,name/fullName)"),
            json!({"nextPageToken": "t", "users": [{"id": "1", "name": {"fullName": "A B"}}]})
        );
        assert_eq!(apply_fields(&v, "kind"), json!({"kind": "k"}));
    }

    #[test]
    fn routes() {
        let r = route(&Method::GET, "customer/my_customer/orgunits/Students%2FHS").unwrap();
        assert!(matches!(r, Route::OrgunitsGet(c, p) if c == "my_customer" && p == "Students/HS"));
        let r = route(&Method::GET, "customer/my_customer/orgunits/Students/HS").unwrap();
        assert!(matches!(r, Route::OrgunitsGet(_, p) if p == "Students/HS"));
        assert!(route(&Method::DELETE, "users/x").is_none());
        assert!(matches!(
            route(&Method::DELETE, "groups/g%40x.edu/members/m@x.edu"),
            Some(Route::MembersDelete(g, _)) if g == "g@x.edu"
        ));
    }
}
