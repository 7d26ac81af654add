//! Google Admin SDK Directory API support for roster.
//!
//! * [`client`]: a thin typed client for the Directory API (`reqwest` + `serde`), with a rate
//!   limiter at Google's quota, bounded concurrency and retries with backoff.
//! * [`auth`]: access tokens: service account with domain-wide delegation, the installed-app
//!   flow with `credentials.json`/`token.json`, or a static token ([`auth::TokenSource`]).
//! * [`target`]: [`target::GoogleDirectory`], the `roster_core::DirectoryTarget` for Google.
//!
//! The local emulator of the Directory API used by the tests, the demo and the benchmarks is
//! its own crate, `roster-google-emulator` (a dev-dependency here), so this crate carries no
//! HTTP server.

pub mod auth;
pub mod client;
pub mod licensing;
pub mod target;

pub use auth::{InstalledAppAuth, ServiceAccountAuth, StaticToken, TokenSource};
pub use client::{ClientConfig, DirectoryClient, DirectoryError};
pub use licensing::LicensingClient;
pub use target::GoogleDirectory;
