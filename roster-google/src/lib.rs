//! Google Admin SDK Directory API support for roster.
//!
//! * [`client`]: a thin typed client for the Directory API (`reqwest` + `serde`), with a rate
//!   limiter at Google's quota, bounded concurrency and retries with backoff.
//! * [`auth`]: access tokens: service account with domain-wide delegation, the installed-app
//!   flow with `credentials.json`/`token.json`, or a static token ([`auth::TokenSource`]).
//! * [`target`]: [`target::GoogleDirectory`], the `roster_core::DirectoryTarget` for Google.
//! * [`emulator`]: a local emulator of the Directory API and Google's OAuth token endpoint
//!   (library module and the `directory-emulator` binary) for tests and benchmarks.

pub mod auth;
pub mod client;
pub mod emulator;
pub mod target;

pub use auth::{InstalledAppAuth, ServiceAccountAuth, StaticToken, TokenSource};
pub use client::{ClientConfig, DirectoryClient, DirectoryError};
pub use target::GoogleDirectory;
