//! # Directory API emulator
//!
//! A local, faithful-where-it-matters stand-in for Google's Admin SDK Directory API
//! (`https://admin.googleapis.com/admin/directory/v1`) and its OAuth token endpoint, for tests,
//! the quickstart and benchmarks. It is an HTTP/1.1 server (hyper) on 127.0.0.1 running on its
//! own thread and tokio runtime, so it can be started from sync code and from any async test.
//!
//! ```
//! use roster_google_emulator::{Emulator, EmulatorConfig, test_keys};
//! let emu = Emulator::start(EmulatorConfig { domains: vec!["d118.org".into()], ..Default::default() })?;
//! emu.add_org_unit("/Students/HS")?;
//! emu.add_user(&serde_json::json!({"primaryEmail": "ann@d118.org", "orgUnitPath": "/Students/HS",
//!     "name": {"givenName": "Ann", "familyName": "Lee"}}))?;
//! let base = emu.base_url(); // http://127.0.0.1:PORT/admin/directory/v1
//! assert!(base.ends_with("/admin/directory/v1"));
//! // Credentials for a client: a service-account key file whose token_uri is the emulator's,
//! // or simply a minted bearer token.
//! let (key_file_json, public_pem) =
//!     test_keys::service_account_key("sync@p.iam.gserviceaccount.com", &emu.token_url());
//! emu.register_service_account("sync@p.iam.gserviceaccount.com", &public_pem, &["admin@d118.org"])?;
//! let bearer = emu.issue_access_token("admin@d118.org");
//! # let _ = (key_file_json, bearer);
//! assert_eq!(emu.users().len(), 1);
//! # Ok::<(), roster_google_emulator::EmulatorError>(())
//! ```
//!
//! ## What it emulates
//!
//! * **Endpoints** (paths as in the discovery document, under `/admin/directory/v1`):
//!   `users.list` (`GET /users`: `customer=my_customer` or `domain=`, `maxResults` 1..=500
//!   (default 100), opaque `pageToken`/`nextPageToken`, `query`, `projection=basic|full|custom`
//!   with `customFieldMask`, `orderBy=email|givenName|familyName`, `sortOrder`), `users.get`
//!   (`GET /users/{userKey}`, key = primary email case-insensitively or id), `users.insert`
//!   (`POST /users`), `users.update` (`PUT`, with patch semantics like Google: absent fields are
//!   kept), `users.patch` (`PATCH`), `orgunits.list` (`type=all|children|allIncludingParent`,
//!   `orgUnitPath=`), `orgunits.get` (`/customer/{c}/orgunits/{path}`, slashes raw or `%2F`, or
//!   `id:...`), `orgunits.insert`, `schemas.list`/`schemas.get`, `groups.list` (by `userKey`,
//!   `customer` or `domain`, paginated, max 200), `members.list` (paginated, `roles=`) and
//!   `members.delete` (204).
//! * **Validation from the discovery document** (`admin-directory-v1.json`, embedded): request
//!   bodies may only contain properties the schema defines (`User`, `UserName`,
//!   `UserExternalId` for `externalIds` items, `OrgUnit`), scalar types must match, and query
//!   parameters must be defined for the method (or global, like `fields`), with enum values and
//!   integer ranges enforced (`maxResults=501` is a 400 `invalidParameter`).
//! * **Google's semantics and errors**, always shaped
//!   `{"error":{"code":N,"message":M,"errors":[{"domain":"global","reason":R,"message":M}]}}`:
//!   404 `notFound` "Resource Not Found: userKey" (also `groupKey`, `memberKey`, `schemaKey`;
//!   "Org unit not found" for org units); 409 `duplicate` "Entity already exists."; 400
//!   `invalid` for an unknown OU ("Invalid Input: INVALID_OU_ID"), a missing/empty or over-60-char
//!   given/family name ("Invalid Given/Family Name: GivenName"), a password under 8 characters
//!   ("Invalid Password"), a primary email outside the customer's domains ("Invalid Input:
//!   primary_user_email"), an undefined custom schema or field or a value of the wrong type, or a
//!   body field the discovery document does not define ("Invalid JSON payload received. Unknown
//!   name \"x\" at 'user': Cannot find field."); 401 `authError` "Invalid Credentials"; 403
//!   `forbidden` for a token that is not an admin's (service account without `sub`); 403
//!   `insufficientPermissions` when the token lacks every scope the discovery document lists for
//!   the method; 403 `userRateLimitExceeded` or 429 `rateLimitExceeded` over quota; 503
//!   `backendError` for injected faults.
//! * **Query subset** (clauses separated by spaces are ANDed; values may be quoted with `'`):
//!   `orgUnitPath='/A B'` (that OU and every OU under it, as Google does), `email:prefix`
//!   (trailing `*` allowed), `email=exact`, `isSuspended=true|false`, `isAdmin=`,
//!   `givenName=`/`familyName=` (`:` = prefix), `externalId=value`, and `Schema.Field=value`
//!   (exact; case-insensitive for text, numeric for numbers; the field must be indexed).
//! * **Users as Google returns them**: `kind`, stable 21-digit numeric `id`, `etag`,
//!   `primaryEmail`, `name{givenName,familyName,fullName}`, `orgUnitPath`, `suspended`
//!   (+`suspensionReason`), `isAdmin`, `creationTime`, `customerId`, `emails`, `externalIds`
//!   and any other writable field given, `customSchemas` only for `projection=full|custom` and
//!   omitted when empty. The password is never stored or returned. Single-valued custom fields
//!   are plain `"Field": value`; multi-valued ones `[{"value":..,"type":..}]`.
//!   **Custom schema value choice**: INT64 and DOUBLE values are stored and returned as JSON
//!   numbers (numeric strings such as `"42"` are converted), BOOL as JSON booleans (`"true"` /
//!   `"false"` accepted), STRING/EMAIL/PHONE as strings (numbers are converted to strings),
//!   DATE as `YYYY-MM-DD` strings.
//! * **Partial responses**: the `fields` parameter is honoured on every method
//!   (`fields=nextPageToken,users(id,primaryEmail,name/fullName)`); `prettyPrint` is accepted
//!   and ignored (responses are compact).
//! * **Update merge rules** (users.update and users.patch alike): absent fields are kept,
//!   nested objects (`name`, `customSchemas`, each schema) are merged key by key, arrays
//!   (`externalIds`, multi-valued fields) are replaced, `null` clears a field. Output-only
//!   fields (`kind`, `etag`, `id`, `isAdmin`, `creationTime`, ...) sent back by a client are
//!   ignored. A primary email change renames the user (and its group memberships).
//! * **OAuth** (`POST /token`, form-encoded): the JWT-bearer grant (RS256 signature checked
//!   against the registered service account's public key looked up by `iss`; `aud` must be the
//!   token URL (`127.0.0.1` or `localhost` form); `exp` in the future and at most an hour after
//!   `iat`; `scope` must contain a directory scope (and, if the account was registered with
//!   delegated scopes, only those); `sub` must be one of the account's admin subjects) and the
//!   refresh-token grant of a registered installed-app client. Success:
//!   `{"access_token","token_type":"Bearer","expires_in":3600,"scope"}`; errors as Google's
//!   (`{"error":"invalid_grant","error_description":"Invalid JWT Signature."}`, 400; 401 for
//!   `invalid_client`). API calls need `Authorization: Bearer` (or `access_token=`) unless the
//!   emulator runs with [`Auth::Open`].
//! * **Quota**: token bucket per user (the token's subject; `anonymous` when open) refilled at
//!   `per_minute/60` per second up to `burst`; over quota answers 403 `userRateLimitExceeded`
//!   (default) or 429 `rateLimitExceeded`. Unlimited unless configured.
//! * **Knobs**: added latency per API call; fault rates for 503, 429 and dropped connections
//!   (the TCP connection is closed without any response bytes), drawn from a generator seeded
//!   with [`EmulatorConfig::seed`] (one draw per API call, so a sequential client sees the same
//!   faults on every run); all changeable at run time ([`RunningEmulator::set_faults`], ...,
//!   or `POST /emulator/config`).
//! * **Counters**: per method (`users.list`, `users.insert`, `members.delete`, ...,
//!   `oauth2.token`), total writes, and events (`backendError`, `tooManyRequests`, `dropped`,
//!   `overQuota`, `unauthorized`, `tokenRejected`, ...). Every API call that reaches a known
//!   method counts, including calls then rejected by auth, quota or an injected fault (Google
//!   counts those against quota too). Readable via [`RunningEmulator::counters`] and
//!   `GET /emulator/counters`; reset with `POST /emulator/counters/reset`.
//! * **State**: org units, schemas, users, groups, service accounts and installed clients are
//!   saved/loaded as JSON ([`RunningEmulator::save_state`], `GET`/`PUT /emulator/state`).
//!
//! * **Concurrency**: optionally at most N requests in flight per user; more answer 403
//!   `quotaExceeded` (Google's "limit of concurrent requests for a certain operation").
//!
//! Order of checks for an API call: count, authentication, quota, concurrency limit, added
//! latency (spent in flight), injected fault, parameter validation, handler. The token endpoint and the control endpoints below get no
//! latency, quota or faults.
//!
//! ## Control endpoints (no auth, not counted)
//!
//! * `GET /emulator/health` → `{"ok":true}`
//! * `GET /emulator/counters` → `{"methods":{"users.list":N,..},"writes":N,"total":N,"events":{..}}`;
//!   `POST /emulator/counters/reset` → 204
//! * `GET /emulator/config`; `POST /emulator/config` with any of `{"latency_ms":20,
//!   "faults":{"backend_error":0.01,"too_many_requests":0,"drop_connection":0},
//!   "quota":{"per_minute":2400,"burst":40,"over_quota":"forbidden"|"too_many_requests"}|null,
//!   "max_concurrent_per_user":N|null, "auth":"open"|"required"}` (a given `faults` object replaces all three rates)
//! * `GET /emulator/state` (the saved-state JSON); `PUT /emulator/state` replaces it (seeding
//!   over HTTP: users, org units, schemas, groups, service accounts, installed clients)
//!
//! ## Binary
//!
//! `directory-emulator --port P --state FILE --domain D (repeatable) --customer-id C
//! --latency-ms N --quota-per-minute N [--burst N] [--quota-429] [--max-concurrent N] --fault-503 RATE
//! --fault-429 RATE --fault-drop RATE --seed N --open` prints `base_url ...` and
//! `token_url ...` on stdout, serves until Ctrl-C (SIGINT), then saves the state to `--state`
//! (which is also loaded at start when it exists).
//!
//! ## How it differs from Google (honestly)
//!
//! * Only the endpoints above exist; anything else is a JSON 404. No users.delete, groups
//!   insert, aliases, photos, makeAdmin, watch/push, batch requests, ETag preconditions
//!   (`If-Match`) or `alt=proto`.
//! * The query language is a subset (no `name:`, `orgName`, `manager`, range operators on
//!   numeric fields, `orgUnitPath` with `:`); unsupported clauses are 400 "Invalid Input".
//! * Error messages for the cases above follow Google's wording where known; the less common
//!   ones (custom schema errors, page tokens, `customFieldMask`) are approximations with the
//!   right code and reason. Google's newer responses also carry `"status"`; this one does not.
//! * Consistency is immediate: Google's list results lag writes by seconds, this does not.
//! * `users.list` without `orderBy` is ordered by email (Google's order is unspecified);
//!   paging is keyset-based and stable under concurrent writes. Page tokens do not expire.
//! * `viewType=domain_public` returns the admin view; `showDeleted=true` returns no users.
//! * Quota is one token bucket per user plus an optional per-user concurrency cap; Google's
//!   per-project limits and per-operation concurrency accounting are not modelled. Latency is
//!   a constant added delay.
//! * Tokens live in memory (not in saved state); a restarted emulator invalidates them.
//! * The JWT check does not verify `kid`, certificates or key rotation; `aud` is this
//!   emulator's token URL, not `https://oauth2.googleapis.com/token`.
//! * Group membership is flat (no nested groups or derived membership); groups are seeded
//!   through the Rust API or state file only.

mod auth;
mod discovery;
mod error;
mod server;
mod state;
pub mod test_keys;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::oneshot;

pub use error::{ApiError, EmulatorError, OAuthError};
pub use state::{
    FieldDef, Group, GroupMember, InstalledClient, OrgUnit, Projection, SchemaDef, ServiceAccount,
    State, StoredUser,
};

use server::{Shared, lock};

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
    /// A valid access token from `/token` (or [`RunningEmulator::issue_access_token`]).
    #[default]
    Required,
    /// No authentication; every call acts as `anonymous`.
    Open,
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
    /// Added latency per API call.
    pub latency: Duration,
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
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            domains: vec!["example.edu".into()],
            customer_id: "C03emu1at0r".into(),
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            latency: Duration::ZERO,
            faults: Faults::default(),
            quota: None,
            max_concurrent_per_user: None,
            auth: Auth::Required,
            seed: 0,
        }
    }
}

/// Entry point: [`Emulator::start`].
pub struct Emulator;

impl Emulator {
    /// Bind the configured address and serve on a dedicated thread with its own tokio runtime.
    pub fn start(config: EmulatorConfig) -> std::io::Result<RunningEmulator> {
        let listener = std::net::TcpListener::bind(SocketAddr::new(config.bind, config.port))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let token_url = format!("http://{addr}/token");
        let alt = format!("http://localhost:{}/token", addr.port());
        let shared = Arc::new(Shared::new(&config, token_url, alt));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("directory-emulator-worker")
            .enable_all()
            .build()?;
        let (tx, rx) = oneshot::channel();
        let serving = shared.clone();
        let thread = std::thread::Builder::new()
            .name("directory-emulator".into())
            .spawn(move || {
                runtime.block_on(async move {
                    match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => server::serve(l, serving, rx).await,
                        Err(e) => tracing::error!(error = %e, "emulator: cannot listen"),
                    }
                });
            })?;
        tracing::info!(%addr, "directory emulator listening");
        Ok(RunningEmulator {
            addr,
            shared,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }
}

/// A running emulator; stops when dropped (or with [`RunningEmulator::shutdown`]).
pub struct RunningEmulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for RunningEmulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningEmulator")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// All directory scopes the emulated methods accept (for tokens minted by
/// [`RunningEmulator::issue_access_token`]).
pub const DIRECTORY_SCOPES: &[&str] = &[
    "https://www.googleapis.com/auth/admin.directory.user",
    "https://www.googleapis.com/auth/admin.directory.orgunit",
    "https://www.googleapis.com/auth/admin.directory.userschema",
    "https://www.googleapis.com/auth/admin.directory.group",
    "https://www.googleapis.com/auth/admin.directory.group.member",
];

impl RunningEmulator {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn root_url(&self) -> String {
        format!("http://{}", self.addr)
    }
    /// `http://127.0.0.1:PORT/admin/directory/v1` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("http://{}/admin/directory/v1", self.addr)
    }
    /// `http://127.0.0.1:PORT/token` (use as `token_uri` and JWT `aud`).
    pub fn token_url(&self) -> String {
        format!("http://{}/token", self.addr)
    }
    /// The customer id (`my_customer` also works).
    pub fn customer_id(&self) -> String {
        lock(&self.shared.state).customer_id.clone()
    }

    // ----- seeding -----

    /// Create an org unit and any missing ancestors; returns the unit as the API renders it.
    pub fn add_org_unit(&self, path: &str) -> Result<Value, EmulatorError> {
        let mut st = lock(&self.shared.state);
        let ou = st.ensure_ou_path(path)?;
        Ok(st.ou_json(&ou))
    }
    /// Add a custom schema in Google's JSON form
    /// (`{"schemaName":"S","fields":[{"fieldName":"F","fieldType":"INT64"}]}`).
    pub fn add_schema(&self, schema: &Value) -> Result<Value, EmulatorError> {
        let def = lock(&self.shared.state).add_schema(schema)?;
        Ok(State::schema_json(&def))
    }
    /// Add a user with users.insert validation (the password may be omitted); returns it with
    /// `projection=full`.
    pub fn add_user(&self, user: &Value) -> Result<Value, EmulatorError> {
        let mut st = lock(&self.shared.state);
        let u = st.insert_user(user, false)?;
        Ok(st.user_json(&u, &Projection::Full))
    }
    /// Mark an existing user as super admin (`isAdmin`).
    pub fn set_admin(&self, user_key: &str, admin: bool) -> Result<(), EmulatorError> {
        let mut st = lock(&self.shared.state);
        let k = st
            .user_key(user_key)
            .ok_or_else(|| EmulatorError::NotFound(user_key.to_string()))?;
        if let Some(u) = st.users.get_mut(&k) {
            u.is_admin = admin;
            u.version += 1;
        }
        Ok(())
    }
    /// Add (or replace) a group with member emails.
    pub fn add_group(&self, email: &str, members: &[&str]) -> Group {
        let name = email.split('@').next().unwrap_or(email).to_string();
        lock(&self.shared.state).add_group(email, &name, members)
    }
    /// Register a service account: its client email, the public half of its key (PEM), and the
    /// admins it may impersonate via `sub`.
    pub fn register_service_account(
        &self,
        client_email: &str,
        public_key_pem: &str,
        admin_subjects: &[&str],
    ) -> Result<(), EmulatorError> {
        self.register_service_account_with_scopes(client_email, public_key_pem, admin_subjects, &[])
    }
    /// Like [`Self::register_service_account`], restricting domain-wide delegation to `scopes`.
    pub fn register_service_account_with_scopes(
        &self,
        client_email: &str,
        public_key_pem: &str,
        admin_subjects: &[&str],
        scopes: &[&str],
    ) -> Result<(), EmulatorError> {
        auth::parse_public_key(public_key_pem)?;
        lock(&self.shared.state).service_accounts.insert(
            client_email.to_string(),
            ServiceAccount {
                client_email: client_email.to_string(),
                public_key_pem: public_key_pem.to_string(),
                admin_subjects: admin_subjects.iter().map(|s| s.to_string()).collect(),
                scopes: scopes.iter().map(|s| s.to_string()).collect(),
            },
        );
        Ok(())
    }
    /// Register an installed-app client and the refresh token it holds.
    pub fn register_installed_client(&self, client: InstalledClient) {
        lock(&self.shared.state)
            .installed_clients
            .insert(client.client_id.clone(), client);
    }
    /// Mint an access token directly (admin `subject`, all directory scopes).
    pub fn issue_access_token(&self, subject: &str) -> String {
        self.shared.issue(auth::TokenInfo {
            subject: subject.to_lowercase(),
            admin: true,
            scopes: DIRECTORY_SCOPES.iter().map(|s| s.to_string()).collect(),
            expires: Instant::now() + auth::TOKEN_LIFETIME,
        })
    }

    /// Invalidate every access token issued so far (as if they had expired): the next API call
    /// with one answers 401 and a client has to get a new token from `/token`.
    pub fn revoke_access_tokens(&self) {
        lock(&self.shared.tokens).clear();
    }

    // ----- inspection -----

    /// Every user as the API renders it with `projection=full`, ordered by email.
    pub fn users(&self) -> Vec<Value> {
        let st = lock(&self.shared.state);
        st.users
            .values()
            .map(|u| st.user_json(u, &Projection::Full))
            .collect()
    }
    /// One user (by email or id) with `projection=full`.
    pub fn user(&self, key: &str) -> Option<Value> {
        let st = lock(&self.shared.state);
        st.user(key).map(|u| st.user_json(u, &Projection::Full))
    }
    /// Member emails of a group.
    pub fn group_members(&self, group: &str) -> Option<Vec<String>> {
        let st = lock(&self.shared.state);
        let k = st.group_key(group)?;
        Some(
            st.groups[&k]
                .members
                .iter()
                .map(|m| m.email.clone())
                .collect(),
        )
    }
    /// A copy of the whole state.
    pub fn state(&self) -> State {
        lock(&self.shared.state).clone()
    }

    // ----- counters -----

    /// Calls per method (`users.list`, ..., `oauth2.token`).
    pub fn counters(&self) -> std::collections::BTreeMap<String, u64> {
        lock(&self.shared.counters).methods.clone()
    }
    /// Calls to write methods (users.insert/update/patch, orgunits.insert, members.delete).
    pub fn write_calls(&self) -> u64 {
        lock(&self.shared.counters).writes
    }
    /// API calls (all methods except `oauth2.token`).
    pub fn total_calls(&self) -> u64 {
        lock(&self.shared.counters)
            .methods
            .iter()
            .filter(|(k, _)| k.as_str() != "oauth2.token")
            .map(|(_, v)| v)
            .sum()
    }
    /// Event counts (`backendError`, `tooManyRequests`, `dropped`, `overQuota`,
    /// `unauthorized`, `forbidden`, `insufficientScopes`, `tokenRejected`).
    pub fn events(&self) -> std::collections::BTreeMap<String, u64> {
        lock(&self.shared.counters).events.clone()
    }
    /// Zero all counters.
    pub fn reset_counters(&self) {
        *lock(&self.shared.counters) = server::Counters::default();
    }

    // ----- knobs -----

    /// Change fault rates.
    pub fn set_faults(&self, faults: Faults) {
        lock(&self.shared.knobs).faults = faults;
    }
    /// Change the added latency.
    pub fn set_latency(&self, latency: Duration) {
        lock(&self.shared.knobs).latency = latency;
    }
    /// Change the quota (buckets restart full).
    pub fn set_quota(&self, quota: Option<Quota>) {
        lock(&self.shared.knobs).quota = quota;
        self.shared.reset_quota();
    }
    /// Change the per-user concurrency limit.
    pub fn set_max_concurrent(&self, max: Option<u32>) {
        lock(&self.shared.knobs).max_concurrent = max;
    }
    /// Change the authentication mode.
    pub fn set_auth(&self, auth: Auth) {
        lock(&self.shared.knobs).auth = auth;
    }

    // ----- persistence -----

    /// Write the state as pretty JSON.
    pub fn save_state(&self, path: impl AsRef<Path>) -> Result<(), EmulatorError> {
        let json = serde_json::to_vec_pretty(&*lock(&self.shared.state))?;
        std::fs::write(path, json)?;
        Ok(())
    }
    /// Replace the state with one saved by [`Self::save_state`]; the configured domains are
    /// kept in addition to the file's.
    pub fn load_state(&self, path: impl AsRef<Path>) -> Result<(), EmulatorError> {
        let bytes = std::fs::read(path)?;
        let mut loaded: State = serde_json::from_slice(&bytes)?;
        loaded.reindex();
        let mut st = lock(&self.shared.state);
        let domains = st.domains.clone();
        loaded.add_domains(&domains);
        if loaded.customer_id.is_empty() {
            loaded.customer_id = st.customer_id.clone();
        }
        *st = loaded;
        Ok(())
    }

    /// Stop serving and join the server thread (open connections are closed).
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        self.stop();
    }
}
