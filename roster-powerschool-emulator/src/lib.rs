//! A local emulator of PowerSchool's plugin API, for tests and benchmarks: the OAuth
//! client-credentials token endpoint and the plugin's PowerQueries, served from a
//! PowerSchool-shaped SQLite database with the SQL of the plugin's own
//! `queries_root/*.named_queries.xml` (so running it tests the plugin too).
//!
//! - `POST /oauth/access_token`: HTTP Basic `id:secret`, body `grant_type=client_credentials`;
//!   answers `{"access_token", "token_type": "Bearer", "expires_in": "<seconds>"}` (a string,
//!   as PowerSchool sends it). Tokens expire after [`EmulatorConfig::token_ttl`].
//! - `POST /ws/schema/query/{name}/count` with a JSON body of arguments: `{"count": N}`.
//! - `POST /ws/schema/query/{name}?page=N&pagesize=M`: `{"name": ..., "record": [...]}`, each
//!   record flattened (keys are the query's column names), every value a string, NULL
//!   values left out. Pages start at 1; `pagesize` above [`EmulatorConfig::max_page_size`]
//!   is refused (400).
//! - Errors are JSON `{"message": ...}`: 401 for a missing, unknown or expired token, 404 for
//!   an unknown query, 400 for bad arguments or paging.
//! - Faults: scripted ([`RunningPowerSchool::fail_next`], [`RunningPowerSchool::drop_next`],
//!   [`RunningPowerSchool::corrupt_record`], [`RunningPowerSchool::overcount`],
//!   [`RunningPowerSchool::expire_tokens`]) or random
//!   ([`Faults`]), and a latency per query call.
//!
//! ```no_run
//! use roster_powerschool_emulator::{EmulatorConfig, PowerSchoolEmulator};
//! let config = EmulatorConfig::new("demo.sqlite", "powerschool-plugin/queries_root");
//! let running = PowerSchoolEmulator::start(config).expect("starts");
//! println!("POWERSCHOOL_API_URL={}", running.base_url());
//! ```

#![warn(missing_docs)]

pub mod queries;
mod server;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use roster_emulator_server::Server;

pub use queries::NamedQuery;
use server::Shared;

/// Random faults, each a probability per query call.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Faults {
    /// Answer 429 Too Many Requests.
    pub p429: f64,
    /// Answer 503 Service Unavailable.
    pub p503: f64,
    /// Close the connection without an answer.
    pub drop: f64,
}

/// How the emulator runs.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Address to bind (default 127.0.0.1).
    pub bind: IpAddr,
    /// Port (0 = any free port).
    pub port: u16,
    /// The PowerSchool-shaped SQLite database (e.g. `roster-sis demo-db`).
    pub database: PathBuf,
    /// The plugin's `queries_root` folder.
    pub queries_root: PathBuf,
    /// The client id the token endpoint accepts.
    pub client_id: String,
    /// The client secret the token endpoint accepts.
    pub client_secret: String,
    /// How long a token lives (`expires_in`).
    pub token_ttl: Duration,
    /// The plugin's "Maximum Page Size" (PowerSchool's default is 100).
    pub max_page_size: u32,
    /// Added to every query call (count and page).
    pub latency: Duration,
    /// Random faults.
    pub faults: Faults,
}

impl EmulatorConfig {
    /// Defaults: 127.0.0.1 on a free port, client `roster-client` / `roster-secret`, tokens
    /// for an hour, pages up to 100, no latency, no faults.
    pub fn new(database: impl Into<PathBuf>, queries_root: impl Into<PathBuf>) -> Self {
        EmulatorConfig {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            database: database.into(),
            queries_root: queries_root.into(),
            client_id: "roster-client".into(),
            client_secret: "roster-secret".into(),
            token_ttl: Duration::from_secs(3600),
            max_page_size: 100,
            latency: Duration::ZERO,
            faults: Faults::default(),
        }
    }
}

/// Why the emulator did not start.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// The plugin's query files are missing or malformed.
    #[error("plugin queries: {0}")]
    Plugin(String),
    /// The database did not open, or a query does not run on it.
    #[error("database: {0}")]
    Database(String),
    /// The socket or the runtime could not be set up.
    #[error("cannot start: {0}")]
    Io(#[from] std::io::Error),
}

/// What the emulator saw so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Requests received.
    pub requests: u64,
    /// Tokens issued.
    pub tokens_issued: u64,
    /// Token requests refused (wrong id or secret).
    pub tokens_refused: u64,
    /// 401 answers to query calls.
    pub unauthorized: u64,
    /// Pages served.
    pub pages: u64,
    /// Counts served.
    pub counts: u64,
    /// Faults injected (429, 503, dropped connections).
    pub faults: u64,
}

/// Entry point: [`PowerSchoolEmulator::start`].
#[derive(Debug)]
pub struct PowerSchoolEmulator;

impl PowerSchoolEmulator {
    /// Loads the queries, checks each one prepares on the database with as many columns as it
    /// declares, binds the address and serves on a dedicated thread with its own runtime.
    pub fn start(config: EmulatorConfig) -> Result<RunningPowerSchool, EmulatorError> {
        let shared = Arc::new(Shared::new(&config)?);
        let bind = SocketAddr::new(config.bind, config.port);
        let listener = std::net::TcpListener::bind(bind)?;
        let server = Server::serve(
            listener,
            "powerschool-emulator",
            shared.clone(),
            server::handle,
        )?;
        Ok(RunningPowerSchool { shared, server })
    }
}

/// A running emulator; stops when dropped.
pub struct RunningPowerSchool {
    shared: Arc<Shared>,
    server: Server,
}

impl std::fmt::Debug for RunningPowerSchool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningPowerSchool")
            .field("addr", &self.server.addr())
            .finish_non_exhaustive()
    }
}

impl RunningPowerSchool {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// `http://127.0.0.1:PORT` (the `POWERSCHOOL_API_URL`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr())
    }

    /// The names of the queries served.
    pub fn query_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.shared.queries.keys().cloned().collect();
        names.sort();
        names
    }

    /// The next `n` query calls answer `status` (e.g. 429 or 503).
    pub fn fail_next(&self, status: u16, n: usize) {
        let mut s = server::lock(&self.shared.script);
        s.fail.extend(std::iter::repeat_n(status, n));
    }

    /// The next `n` query calls close the connection without an answer.
    pub fn drop_next(&self, n: u32) {
        server::lock(&self.shared.script).drops += n;
    }

    /// Record `index` (0-based, over the whole result) of `query` is served malformed (its
    /// first column as a JSON object instead of a string).
    pub fn corrupt_record(&self, query: &str, index: usize) {
        server::lock(&self.shared.script)
            .corrupt
            .push((query.to_string(), index));
    }

    /// Every `/count` answer from now on says `extra` more records than the query returns:
    /// a count taken before rows were deleted, or a broken server (`u64::MAX` saturates).
    pub fn overcount(&self, extra: u64) {
        server::lock(&self.shared.script).overcount = extra;
    }

    /// Every token issued so far stops working (the next call with one answers 401).
    pub fn expire_tokens(&self) {
        server::lock(&self.shared.tokens).clear();
    }

    /// Changes the latency added to every query call.
    pub fn set_latency(&self, latency: Duration) {
        *server::lock(&self.shared.latency) = latency;
    }

    /// The counters so far.
    pub fn counters(&self) -> Counters {
        let c = &self.shared.counters;
        let get = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
        Counters {
            requests: get(&c.requests),
            tokens_issued: get(&c.tokens_issued),
            tokens_refused: get(&c.tokens_refused),
            unauthorized: get(&c.unauthorized),
            pages: get(&c.pages),
            counts: get(&c.counts),
            faults: get(&c.faults),
        }
    }

    /// Stops serving and waits for the server thread.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.server.stop();
    }
}

impl Drop for RunningPowerSchool {
    fn drop(&mut self) {
        self.stop();
    }
}
