//! roster: keep a school district's accounts and vendor rosters in step with its SIS.
//!
//! This facade re-exports the workspace's crates and holds what every district binary
//! shares: the [`cli`], the account and vendor job runners, production [`wiring`] from the
//! environment, the embedded [`demo`], logging and progress.
//!
//! A district binary is a policy plus one call:
//!
//! ```no_run
//! use roster::core::{MatchKey, Policy};
//! use roster::core::policy::StudentPolicy;
//! use roster::{AccountJob, Population, Site};
//!
//! fn main() -> std::process::ExitCode {
//!     let students = StudentPolicy::new("district.org", "/Students");
//!     let policy = Policy::new(MatchKey::PrimaryEmail, vec!["/Students".into(), "/Suspended Accounts".into()]);
//!     let job = AccountJob { name: "students".into(), policy, population: Population::Students(students) };
//!     let site = Site { domain: "district.org".into(), powerschool: Default::default(), sis_needs: Vec::new() };
//!     roster::accounts_main(job, site)
//! }
//! ```

pub mod about;
pub mod cli;
pub mod demo;
pub mod district;
pub mod doctor;
pub mod error;
pub mod lock;
pub mod logging;
pub mod notify;
pub mod plugin;
pub mod progress;
pub mod reviewed;
pub mod run;
pub mod settings;
pub mod sis_choice;
pub mod vendor;
pub mod vendor_env;
pub mod vendor_guard;
pub mod vendor_rehearsal;
pub mod wiring;

pub use roster_core as core;
pub use roster_google as google;
pub use roster_google_emulator as google_emulator;
pub use roster_sftp as sftp;
pub use roster_sis as sis;

pub use about::Binary;
pub use cli::{Cli, Mode, RunOptions};
pub use district::{
    Site, Unset, accounts_cli, accounts_main, accounts_main_as, production_refusal, vendor_cli,
    vendor_cli_requiring, vendor_main, vendor_main_as, vendor_main_requiring,
};
pub use error::{ConfigError, GoogleSetupError, PlanFlagError, RunError};
pub use run::{AccountJob, Population, run_accounts};
pub use vendor::{SftpSettings, VendorJob, run_vendor};
