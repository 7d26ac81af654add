//! PowerSchool through its API, for districts PowerSchool hosts (no Oracle access): the
//! plugin's PowerQueries ([`super::plugin`]) over OAuth client credentials.
//!
//! [`ApiBackend`] is a [`SqlBackend`](super::SqlBackend): given a statement of [`super::sql`]
//! it runs the PowerQuery with the same SQL, and hands back the same [`Rows`](super::Rows)
//! (the flattened record keys upper-cased), so [`PowerSchoolApi`] shares the SQL source's
//! scopes, mapping and row errors. A malformed record becomes a row error located by query,
//! page and record index; the rest loads.
//!
//! ```no_run
//! # async fn demo() -> Result<(), roster_core::SourceError> {
//! use roster_core::{Scope, SisSource};
//! use roster_sis::powerschool::{PowerSchoolApi, PowerSchoolOptions};
//! // POWERSCHOOL_API_URL, POWERSCHOOL_CLIENT_ID, POWERSCHOOL_CLIENT_SECRET
//! let sis = PowerSchoolApi::from_env(PowerSchoolOptions::default())?;
//! let students = sis.students(&Scope::All).await?;
//! # Ok(()) }
//! ```

mod client;

use std::time::Duration;

use roster_core::{Secret, SourceError};

pub use self::client::{ApiBackend, ApiStats};
use super::{PowerSchoolOptions, PowerSchoolSource};

/// The base URL of the district's PowerSchool (`https://district.powerschool.com`).
pub const ENV_URL: &str = "POWERSCHOOL_API_URL";
/// The plugin's client id.
pub const ENV_CLIENT_ID: &str = "POWERSCHOOL_CLIENT_ID";
/// The plugin's client secret.
pub const ENV_CLIENT_SECRET: &str = "POWERSCHOOL_CLIENT_SECRET";

/// PowerSchool read through the plugin's PowerQueries.
pub type PowerSchoolApi = PowerSchoolSource<ApiBackend>;

/// Where and how to call the API.
#[derive(Clone)]
pub struct ApiConfig {
    /// Base URL, without a trailing slash.
    pub base_url: String,
    /// The plugin's client id.
    pub client_id: String,
    /// The plugin's client secret (never logged, never in an error).
    pub client_secret: Secret,
    /// Records per page; PowerSchool's default limit is 100, a plugin may allow more
    /// ("Maximum Page Size").
    pub page_size: u32,
    /// Pages in flight at once for one query.
    pub concurrency: usize,
    /// Attempts per request (429, 5xx and dropped connections are retried).
    pub max_attempts: u32,
    /// The first backoff; doubled after each failed attempt (with jitter), at most 10 s.
    pub backoff: Duration,
    /// Timeout of one request.
    pub timeout: Duration,
}

impl std::fmt::Debug for ApiConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiConfig")
            .field("base_url", &self.base_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("page_size", &self.page_size)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

impl ApiConfig {
    /// A configuration with the defaults: 100 records per page, 4 pages in flight, 5 attempts.
    pub fn new(
        base_url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: Secret,
    ) -> Self {
        ApiConfig {
            base_url: base_url.into().trim_end_matches('/').to_string(),
            client_id: client_id.into(),
            client_secret,
            page_size: 100,
            concurrency: 4,
            max_attempts: 5,
            backoff: Duration::from_millis(200),
            timeout: Duration::from_secs(120),
        }
    }

    /// From `POWERSCHOOL_API_URL`, `POWERSCHOOL_CLIENT_ID` and `POWERSCHOOL_CLIENT_SECRET`;
    /// a missing or empty one is an error naming it.
    pub fn from_env() -> Result<Self, ApiError> {
        let var = |name: &'static str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .ok_or(ApiError::MissingEnv(name))
        };
        let url = var(ENV_URL)?;
        let id = var(ENV_CLIENT_ID)?;
        let secret = Secret::from_env(ENV_CLIENT_SECRET)
            .filter(|s| !s.is_empty())
            .ok_or(ApiError::MissingEnv(ENV_CLIENT_SECRET))?;
        Ok(ApiConfig::new(url, id, secret))
    }
}

/// What can go wrong calling the API. No variant holds the client secret or a token.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A required environment variable is not set.
    #[error("environment variable {0} is not set")]
    MissingEnv(&'static str),
    /// A setting is out of range.
    #[error("invalid PowerSchool API setting: {0}")]
    Config(String),
    /// The token endpoint refused the client id and secret.
    #[error(
        "PowerSchool refused the client credentials (HTTP {status}): check {ENV_CLIENT_ID} and \
         {ENV_CLIENT_SECRET} against the plugin's OAuth settings (System > System Settings > \
         Plugin Management Configuration > roster > Data Configuration)"
    )]
    Credentials {
        /// The HTTP status.
        status: u16,
    },
    /// A request failed for good (after the retries, or a status that is not retried).
    #[error("PowerSchool API {what}: HTTP {status}: {message}")]
    Status {
        /// The call (`count org.roster.sync.students.all`).
        what: String,
        /// The HTTP status.
        status: u16,
        /// The server's message.
        message: String,
    },
    /// The server could not be reached (after the retries).
    #[error("PowerSchool API {what}: {message}")]
    Transport {
        /// The call.
        what: String,
        /// What happened.
        message: String,
    },
    /// A response that is not what PowerSchool sends.
    #[error("PowerSchool API {what}: unexpected response: {message}")]
    Protocol {
        /// The call.
        what: String,
        /// What is wrong.
        message: String,
    },
    /// The statement has no PowerQuery in the plugin.
    #[error("the PowerSchool plugin has no PowerQuery for this statement: {0}")]
    NoQuery(String),
}

impl From<ApiError> for SourceError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::MissingEnv(_) | ApiError::Config(_) | ApiError::Credentials { .. } => {
                SourceError::connect(e)
            }
            _ => SourceError::query(e),
        }
    }
}

impl PowerSchoolSource<ApiBackend> {
    /// The API with credentials from `POWERSCHOOL_API_URL`, `POWERSCHOOL_CLIENT_ID` and
    /// `POWERSCHOOL_CLIENT_SECRET`.
    pub fn from_env(options: PowerSchoolOptions) -> Result<Self, SourceError> {
        Self::api(ApiConfig::from_env()?, options)
    }

    /// The API with this configuration, running the PowerQueries of the plugin a district
    /// with `options` installs (the core ones and the district's own statements,
    /// [`super::plugin::queries_for`]).
    pub fn api(config: ApiConfig, options: PowerSchoolOptions) -> Result<Self, SourceError> {
        let backend = ApiBackend::new(config)?.for_district(&options);
        Ok(Self::new(backend, options))
    }
}
