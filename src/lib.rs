//! roster: keep a school district's accounts and vendor rosters in step with its SIS.
//!
//! This facade re-exports the workspace's crates and holds what every district binary
//! shares: the [`cli`], the account job runner ([`run_accounts`]), logging and progress.

pub mod cli;
pub mod logging;
pub mod progress;
pub mod run;

pub use roster_core as core;
pub use roster_google as google;
pub use roster_sftp as sftp;
pub use roster_sis as sis;

pub use cli::{Cli, Mode, RunOptions};
pub use run::{AccountJob, Population, run_accounts};
