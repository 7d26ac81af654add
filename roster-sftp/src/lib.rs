//! roster-sftp: vendor roster files and their delivery over SFTP (DESIGN §8).
//!
//! - [`delivery`]: upload over SFTP (`ssh2`) with a pinned host key, `.part` + rename,
//!   size check, retries with backoff and a dated local copy of each file sent.
//! - [`vendor`]: ST Math, SchoolMint Grow and OneRoster 1.1 files, as
//!   [`roster_core::VendorExport`]s.
//! - `testing` (cargo feature `testing`): a throwaway OpenSSH `sshd` on 127.0.0.1 and
//!   throwaway local users, for this crate's tests and the workspace's end-to-end tests.
//!
//! Build ST Math's files from a roster, then send them (`no_run`: it needs the vendor's server):
//!
//! ```no_run
//! use roster_core::{Roster, Secret, VendorExport};
//! use roster_sftp::StMath;
//! use roster_sftp::delivery::{SftpAuth, SftpTarget, Upload};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let roster = Roster::default(); // from a roster_core::SisSource
//! let export = StMath::new([(101, "KIPPCHI1")])?.export(&roster)?;
//! let password = Secret::new(std::env::var("STMATH_SFTP_PASSWORD")?);
//! let target = SftpTarget::new("sftp.example.com", "district", SftpAuth::Password(password),
//!     "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"); // `sftp-fingerprint HOST`
//! let sent = target.upload(export.files.into_iter().map(Upload::from).collect()).await?;
//! println!("{} files sent", sent.len());
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

pub mod delivery;
#[cfg(feature = "testing")]
pub mod testing;
pub mod vendor;

pub use roster_core::Secret;
pub use vendor::{CsvOptions, Grow, GrowRole, OneRoster, PermanentLogin, StMath};
