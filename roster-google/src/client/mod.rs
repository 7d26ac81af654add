//! A thin typed client for the Admin SDK Directory API
//! (`https://admin.googleapis.com/admin/directory/v1`), on `reqwest` + `serde`.
//!
//! Every HTTP request (retries included) takes a token from the client's rate limiter
//! ([`roster_core::RateLimiter`], Google's default per-user quota of 2,400 queries/minute =
//! 40/s unless configured otherwise) and a permit from a semaphore bounding the requests in
//! flight (enough for the rate when calls are slow: [`ClientConfig::in_flight_for_rate`]).
//!
//! **Retries.** Reads (`list`, `get`) are retried inside the client with exponential backoff
//! and full jitter ([`roster_core::Retry`]) on 429, 403 `userRateLimitExceeded` /
//! `rateLimitExceeded` / `quotaExceeded`, 5xx and dropped connections, never waiting less than
//! the server's `Retry-After`. Writes are sent once and a retryable failure is returned as
//! such (`DirectoryError::retryable`): roster-core's apply engine retries the whole change with
//! the same policy, so a write is never retried twice over. Set
//! [`ClientConfig::retry_writes`] to retry writes in the client too (for callers that do not
//! run the engine). A 401 from the API is answered once by forcing a fresh access token.

mod config;
mod error;
mod types;

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::Method;
use reqwest::header::{CONTENT_TYPE, RETRY_AFTER};
use roster_core::{RateLimiter, Retry};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::Semaphore;

pub use config::{ClientConfig, DEFAULT_RATE_PER_SECOND, SLOW_CALL};
pub use error::{DirectoryError, RATE_LIMIT_REASONS, is_retryable, parse_retry_after};
pub use types::{
    CustomSchemas, Group, ListUsers, OrgUnit, Password, Projection, Schema, SchemaField,
    USER_FIELDS, USER_LIST_FIELDS, User, UserExternalId, UserName, UserPage, ou_query,
};

use crate::auth::TokenSource;

/// Google's endpoint.
pub const GOOGLE_BASE_URL: &str = "https://admin.googleapis.com/admin/directory/v1";

/// The customer alias for the account the credentials belong to.
pub const MY_CUSTOMER: &str = "my_customer";
use types::{GroupPage, OrgUnitList, SchemaList};

tokio::task_local! {
    static TASK_CALLS: Cell<u32>;
}

/// Runs `fut` and returns its output with the number of HTTP requests the client made while
/// running it (in this task), for per-change call counts.
pub async fn count_calls<F: std::future::Future>(fut: F) -> (F::Output, u32) {
    TASK_CALLS
        .scope(Cell::new(0), async move {
            let out = fut.await;
            (out, TASK_CALLS.with(Cell::get))
        })
        .await
}

/// Characters kept as-is in a path segment (RFC 3986 unreserved, plus `@` for emails).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'@');

pub(crate) fn seg(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

/// The Directory API client. Cheap to share (`Arc<DirectoryClient>`); all methods take `&self`.
pub struct DirectoryClient {
    http: reqwest::Client,
    base: String,
    customer: String,
    auth: Arc<dyn TokenSource>,
    limiter: RateLimiter,
    in_flight: Semaphore,
    retry: Retry,
    retry_writes: bool,
    calls: AtomicU64,
    retries: AtomicU64,
}

impl std::fmt::Debug for DirectoryClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectoryClient")
            .field("base", &self.base)
            .field("customer", &self.customer)
            .field("auth", &self.auth)
            .field("rate_per_second", &self.limiter.rate())
            .field("api_calls", &self.api_calls())
            .finish_non_exhaustive()
    }
}

/// Whether a request may be retried inside the client.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Read,
    Write,
}

impl DirectoryClient {
    /// A client for `config`, taking tokens from `auth`.
    pub fn new(config: ClientConfig, auth: Arc<dyn TokenSource>) -> Result<Self, DirectoryError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(Duration::from_secs(10))
            .pool_max_idle_per_host(config.max_in_flight.max(1))
            .user_agent(concat!("roster/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| DirectoryError::new(0, "clientError", e.to_string()))?;
        Ok(DirectoryClient {
            http,
            base: config.base_url.trim_end_matches('/').to_string(),
            customer: config.customer,
            auth,
            limiter: RateLimiter::new(config.rate_per_second, config.burst)
                .map_err(|e| DirectoryError::new(0, "clientError", e.to_string()))?,
            in_flight: Semaphore::new(config.max_in_flight.max(1)),
            retry: config.retry,
            retry_writes: config.retry_writes,
            calls: AtomicU64::new(0),
            retries: AtomicU64::new(0),
        })
    }

    /// HTTP requests sent to the API so far (retries included; token requests excluded).
    pub fn api_calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// The client's sustained request rate (requests per second).
    pub fn rate_per_second(&self) -> f64 {
        self.limiter.rate()
    }

    /// Requests the client retried after a retryable failure.
    pub fn retries(&self) -> u64 {
        self.retries.load(Ordering::Relaxed)
    }

    /// The API root requests go to.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// The customer (`my_customer` by default).
    pub fn customer(&self) -> &str {
        &self.customer
    }

    // ----- users -----------------------------------------------------------------------

    /// One page of `users.list`.
    pub async fn list_users_page(
        &self,
        params: &ListUsers,
        page_token: Option<&str>,
    ) -> Result<UserPage, DirectoryError> {
        let mut q: Vec<(&str, String)> = Vec::new();
        match &params.domain {
            Some(d) => q.push(("domain", d.clone())),
            None => q.push(("customer", self.customer.clone())),
        }
        if let Some(query) = &params.query {
            q.push(("query", query.clone()));
        }
        q.extend(params.projection.params());
        q.push(("maxResults", params.max_results.clamp(1, 500).to_string()));
        if let Some(o) = &params.order_by {
            q.push(("orderBy", o.clone()));
        }
        if params.descending {
            q.push(("sortOrder", "DESCENDING".into()));
        }
        if let Some(f) = &params.fields {
            q.push(("fields", f.clone()));
        }
        if let Some(t) = page_token {
            q.push(("pageToken", t.to_string()));
        }
        let url = format!("{}/users", self.base);
        self.json(Method::GET, url, &q, None, Kind::Read).await
    }

    /// Every user matching `params`, following `nextPageToken` to the end.
    pub async fn list_users(&self, params: &ListUsers) -> Result<Vec<User>, DirectoryError> {
        self.list_users_into(params, Some).await
    }

    /// Every page of `users.list`, each user turned by `keep` into what the caller holds
    /// (or dropped) as its page arrives: a listing of 100,000 users never holds them all as
    /// [`User`]s.
    pub async fn list_users_into<T>(
        &self,
        params: &ListUsers,
        mut keep: impl FnMut(User) -> Option<T>,
    ) -> Result<Vec<T>, DirectoryError> {
        all_pages(
            "users.list",
            |token| async move {
                let page = self.list_users_page(params, token.as_deref()).await?;
                Ok((page.users, page.next_page_token))
            },
            &mut keep,
        )
        .await
    }

    /// `users.get` by primary email, alias or id.
    pub async fn get_user(
        &self,
        user_key: &str,
        projection: &Projection,
        fields: Option<&str>,
    ) -> Result<User, DirectoryError> {
        let mut q = projection.params();
        if let Some(f) = fields {
            q.push(("fields", f.to_string()));
        }
        let url = format!("{}/users/{}", self.base, seg(user_key));
        self.json(Method::GET, url, &q, None, Kind::Read).await
    }

    /// `users.insert` (needs `primaryEmail`, `name.givenName`, `name.familyName`, `password`).
    pub async fn insert_user(&self, user: &User) -> Result<User, DirectoryError> {
        let url = format!("{}/users", self.base);
        self.json(Method::POST, url, &[], Some(body(user)?), Kind::Write)
            .await
    }

    /// `users.update` (PUT). Google gives it patch semantics: absent fields are kept.
    pub async fn update_user(&self, user_key: &str, user: &User) -> Result<User, DirectoryError> {
        let url = format!("{}/users/{}", self.base, seg(user_key));
        self.json(Method::PUT, url, &[], Some(body(user)?), Kind::Write)
            .await
    }

    /// `users.patch`: only the fields present in `user` change.
    pub async fn patch_user(&self, user_key: &str, user: &User) -> Result<User, DirectoryError> {
        let url = format!("{}/users/{}", self.base, seg(user_key));
        self.json(Method::PATCH, url, &[], Some(body(user)?), Kind::Write)
            .await
    }

    // ----- org units -------------------------------------------------------------------

    /// `orgunits.list`: the OUs under `parent` (or the whole tree), `all` levels or only
    /// direct `children`.
    pub async fn list_org_units(
        &self,
        parent: Option<&str>,
        all: bool,
    ) -> Result<Vec<OrgUnit>, DirectoryError> {
        let mut q = vec![("type", if all { "all" } else { "children" }.to_string())];
        if let Some(p) = parent {
            q.push(("orgUnitPath", p.to_string()));
        }
        let url = format!("{}/customer/{}/orgunits", self.base, seg(&self.customer));
        let list: OrgUnitList = self.json(Method::GET, url, &q, None, Kind::Read).await?;
        Ok(list.organization_units)
    }

    /// `orgunits.get` by full path (`/A/B`) or `id:...`.
    pub async fn get_org_unit(&self, path: &str) -> Result<OrgUnit, DirectoryError> {
        let rel: Vec<String> = path.trim_start_matches('/').split('/').map(seg).collect();
        let url = format!(
            "{}/customer/{}/orgunits/{}",
            self.base,
            seg(&self.customer),
            rel.join("/")
        );
        self.json(Method::GET, url, &[], None, Kind::Read).await
    }

    /// `orgunits.insert` (needs `name` and `parentOrgUnitPath` or `parentOrgUnitId`).
    pub async fn insert_org_unit(&self, ou: &OrgUnit) -> Result<OrgUnit, DirectoryError> {
        let url = format!("{}/customer/{}/orgunits", self.base, seg(&self.customer));
        self.json(Method::POST, url, &[], Some(body(ou)?), Kind::Write)
            .await
    }

    // ----- schemas ---------------------------------------------------------------------

    /// `schemas.list`: the customer's custom schema definitions.
    pub async fn list_schemas(&self) -> Result<Vec<Schema>, DirectoryError> {
        let url = format!("{}/customer/{}/schemas", self.base, seg(&self.customer));
        let list: SchemaList = self.json(Method::GET, url, &[], None, Kind::Read).await?;
        Ok(list.schemas)
    }

    /// `schemas.get` by name or id.
    pub async fn get_schema(&self, schema_key: &str) -> Result<Schema, DirectoryError> {
        let url = format!(
            "{}/customer/{}/schemas/{}",
            self.base,
            seg(&self.customer),
            seg(schema_key)
        );
        self.json(Method::GET, url, &[], None, Kind::Read).await
    }

    // ----- groups ----------------------------------------------------------------------

    /// `groups.list?userKey=`: every group the user is a direct member of (all pages).
    pub async fn list_groups_of(&self, user_key: &str) -> Result<Vec<Group>, DirectoryError> {
        let url = format!("{}/groups", self.base);
        all_pages(
            "groups.list",
            |token| {
                let url = url.clone();
                async move {
                    let mut q = vec![
                        ("userKey", user_key.to_string()),
                        ("maxResults", "200".to_string()),
                    ];
                    if let Some(t) = token {
                        q.push(("pageToken", t));
                    }
                    let page: GroupPage = self.json(Method::GET, url, &q, None, Kind::Read).await?;
                    Ok((page.groups, page.next_page_token))
                }
            },
            Some,
        )
        .await
    }

    /// `members.delete`.
    pub async fn delete_member(
        &self,
        group_key: &str,
        member_key: &str,
    ) -> Result<(), DirectoryError> {
        let url = format!(
            "{}/groups/{}/members/{}",
            self.base,
            seg(group_key),
            seg(member_key)
        );
        self.send(Method::DELETE, url, &[], None, Kind::Write)
            .await
            .map(|_| ())
    }

    // ----- transport -------------------------------------------------------------------

    pub(crate) async fn json<T: DeserializeOwned>(
        &self,
        method: Method,
        url: String,
        query: &[(&str, String)],
        body: Option<Vec<u8>>,
        kind: Kind,
    ) -> Result<T, DirectoryError> {
        let (status, bytes) = self.send(method, url, query, body, kind).await?;
        let bytes = if bytes.is_empty() { &b"{}"[..] } else { &bytes };
        serde_json::from_slice(bytes).map_err(|e| {
            DirectoryError::invalid_response(status, format!("unexpected response body: {e}"))
        })
    }

    /// Sends a request with rate limiting, bounded concurrency and (per `kind`) retries.
    pub(crate) async fn send(
        &self,
        method: Method,
        url: String,
        query: &[(&str, String)],
        body: Option<Vec<u8>>,
        kind: Kind,
    ) -> Result<(u16, Vec<u8>), DirectoryError> {
        let may_retry = kind == Kind::Read || self.retry_writes;
        let mut attempt = 0u32;
        let mut fresh_token = false;
        let mut reauthorized = false;
        loop {
            attempt += 1;
            let result = self
                .attempt(&method, &url, query, body.as_deref(), fresh_token)
                .await;
            fresh_token = false;
            match result {
                Ok(ok) => return Ok(ok),
                // The API refused the token (revoked, expired early): get a new one, once.
                Err(e) if e.status == 401 && e.reason != "tokenError" && !reauthorized => {
                    tracing::debug!(%method, url = %url, "401 from the API; refreshing the token");
                    reauthorized = true;
                    fresh_token = true;
                    attempt -= 1;
                }
                Err(e) if may_retry && e.retryable && attempt < self.retry.max_attempts => {
                    let wait = self.retry.delay(attempt, e.retry_after);
                    tracing::debug!(%method, url = %url, error = %e, attempt, ?wait, "retrying");
                    self.retries.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(wait).await;
                }
                Err(mut e) => {
                    if e.reason == "tokenError" {
                        e.reason = "authError".into();
                    }
                    return Err(e);
                }
            }
        }
    }

    async fn attempt(
        &self,
        method: &Method,
        url: &str,
        query: &[(&str, String)],
        body: Option<&[u8]>,
        fresh_token: bool,
    ) -> Result<(u16, Vec<u8>), DirectoryError> {
        let _permit = self
            .in_flight
            .acquire()
            .await
            .map_err(|_| DirectoryError::new(0, "clientError", "the client is shut down"))?;
        let token = if fresh_token {
            self.auth.refresh().await
        } else {
            self.auth.token().await
        }
        .map_err(|e| {
            // `tokenError` marks a failure of the token source (not an API 401), so it is
            // not answered by yet another refresh; it is reported as `authError`.
            let mut err = DirectoryError::auth(e.to_string(), e.is_retryable());
            err.reason = "tokenError".into();
            err
        })?;
        self.limiter.acquire().await;
        self.calls.fetch_add(1, Ordering::Relaxed);
        let _ = TASK_CALLS.try_with(|c| c.set(c.get() + 1));
        let started = Instant::now();
        let mut req = self
            .http
            .request(method.clone(), url)
            .bearer_auth(token.expose());
        if !query.is_empty() {
            req = req.query(query);
        }
        if let Some(b) = body {
            req = req
                .header(CONTENT_TYPE, "application/json")
                .body(b.to_vec());
        }
        let resp = req.send().await.map_err(|e| {
            let err = DirectoryError::transport(&e);
            tracing::debug!(%method, url, error = %err, "request failed");
            err
        })?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| DirectoryError::transport(&e))?;
        tracing::debug!(%method, url, status, ms = started.elapsed().as_millis() as u64, "directory api");
        if (200..300).contains(&status) {
            Ok((status, bytes.to_vec()))
        } else {
            Err(DirectoryError::from_response(status, &bytes, retry_after))
        }
    }
}

fn body<T: Serialize>(v: &T) -> Result<Vec<u8>, DirectoryError> {
    serde_json::to_vec(v).map_err(|e| DirectoryError::new(0, "clientError", e.to_string()))
}

/// Fetches page after page, following `nextPageToken` to the end. A server that hands back
/// the token it was given would loop forever: that is an error instead.
pub(crate) async fn all_pages<U, T, F, Fut>(
    method: &str,
    mut fetch: F,
    keep: impl FnMut(U) -> Option<T>,
) -> Result<Vec<T>, DirectoryError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = Result<(Vec<U>, Option<String>), DirectoryError>>,
{
    let mut keep = keep;
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let (items, next) = fetch(token.clone()).await?;
        out.extend(items.into_iter().filter_map(&mut keep));
        match next.filter(|t| !t.is_empty()) {
            Some(next) if Some(&next) == token.as_ref() => {
                return Err(DirectoryError::invalid_response(
                    200,
                    format!("{method} returned the same page token twice"),
                ));
            }
            Some(next) => token = Some(next),
            None => return Ok(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(seg("a.b-c_d~e@x.org"), "a.b-c_d~e@x.org");
        assert_eq!(seg("HHS Students"), "HHS%20Students");
        assert_eq!(seg("a/b?c#d"), "a%2Fb%3Fc%23d");
    }

    #[tokio::test]
    async fn counts_calls_per_task() {
        let ((), n) = count_calls(async {
            let _ = TASK_CALLS.try_with(|c| c.set(c.get() + 2));
        })
        .await;
        assert_eq!(n, 2);
    }
}
