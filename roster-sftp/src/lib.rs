//! roster-sftp: vendor roster files and their delivery over SFTP (DESIGN §8).
//!
//! - [`delivery`]: upload over SFTP (`ssh2`) with a pinned host key, `.part` + rename,
//!   size check, retries with backoff and a dated local copy of each file sent.
//! - [`testing`] (cargo feature `testing`): a throwaway OpenSSH `sshd` on 127.0.0.1 and
//!   throwaway local users, for this crate's tests and the workspace's end-to-end tests.

pub mod delivery;
mod secret;
#[cfg(feature = "testing")]
pub mod testing;

pub use secret::Secret;
