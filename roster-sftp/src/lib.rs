//! roster-sftp: vendor roster files and their delivery over SFTP (DESIGN §8).
//!
//! - [`delivery`]: upload over SFTP (`ssh2`) with a pinned host key, `.part` + rename,
//!   size check, retries with backoff and a dated local copy of each file sent.
//! - [`vendor`]: ST Math, SchoolMint Grow and OneRoster 1.1 files, as
//!   [`roster_core::VendorExport`]s.
//! - [`testing`] (cargo feature `testing`): a throwaway OpenSSH `sshd` on 127.0.0.1 and
//!   throwaway local users, for this crate's tests and the workspace's end-to-end tests.

pub mod delivery;
#[cfg(feature = "testing")]
pub mod testing;
pub mod vendor;

pub use roster_core::Secret;
pub use vendor::{CsvOptions, Grow, GrowRole, OneRoster, PermanentLogin, StMath};
