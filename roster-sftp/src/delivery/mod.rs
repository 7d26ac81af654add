//! SFTP delivery of vendor files (DESIGN §8), on `ssh2` (libssh2).
//!
//! What one [`SftpTarget::upload_blocking`] (or the async [`SftpTarget::upload`]) does:
//!
//! 1. Connects with a timeout and runs the SSH key exchange.
//! 2. Compares the server's SHA256 host-key fingerprint with the pinned one. On a mismatch it
//!    disconnects before authenticating: no credential and no file byte leaves the machine.
//! 3. Authenticates: a password (over `password`, or `keyboard-interactive` when the server only
//!    offers that) or a private key file (with an optional passphrase).
//! 4. For each file: writes `NAME.part`, checks its size, replaces `NAME` (libssh2's rename
//!    does not overwrite on SFTP v3 servers such as OpenSSH, so after a refused rename it
//!    removes `NAME` and renames again), and checks the size of `NAME`. A reader of `NAME`
//!    never sees a half-written file.
//! 5. Keeps a copy of each file sent in `local_archive_dir/YYYY-MM-DD/HHMMSS-NAME` (UTC).
//!
//! Connection and transfer errors are retried with exponential backoff (files already
//! delivered are not sent again); host key, authentication and path errors are not. A
//! timeout (a server that accepts TCP and then says nothing, or stalls mid-transfer for
//! [`SftpTarget::io_timeout`], 60 s by default) is not retried either: the upload gives up
//! after one timeout. [`SftpTarget::deliver`] reports which files arrived when an upload
//! stops part way ([`Delivery`]).
//!
//! ```no_run
//! use roster_sftp::delivery::{SftpAuth, SftpTarget, Upload};
//! use roster_sftp::Secret;
//!
//! let target = SftpTarget::new(
//!     "sftp.stmath.com",
//!     "kipp_chicago",
//!     SftpAuth::Password(Secret::from_env("STMATH_SFTP_PASSWORD").expect("password")),
//!     "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU",
//! )
//! .remote_dir("/home")
//! .archive_dir("/var/lib/roster/sent");
//! let sent = target.upload_blocking(&[Upload::bytes("students.csv", b"iid,...\n".to_vec())])?;
//! # Ok::<(), roster_sftp::delivery::SftpError>(())
//! ```

mod archive;
mod check;
mod connect;
mod error;
mod hostkey;
mod outcome;
mod retry;
mod session;
mod target;
mod transfer;
mod upload;

pub use check::LoginCheck;
pub use error::SftpError;
pub use hostkey::{HostKeyInfo, fetch_host_key, fetch_host_key_async, format_sha256, parse_sha256};
pub use outcome::Delivery;
pub use retry::Backoff;
pub use target::{SftpAuth, SftpTarget};
pub use upload::{Progress, Upload, UploadSource, Uploaded};

pub use roster_core::Secret;

#[cfg(test)]
mod tests {
    use std::fs;
    use std::time::Duration;

    use chrono::Utc;

    use super::archive::archive;
    use super::*;

    fn target() -> SftpTarget {
        SftpTarget::new(
            "sftp.example.org",
            "district",
            SftpAuth::Password(Secret::new("pa55-word-XYZ")),
            "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU",
        )
    }

    #[test]
    fn debug_output_hides_secrets() {
        let t = target();
        let dbg = format!("{t:?}");
        assert!(!dbg.contains("pa55-word-XYZ"), "{dbg}");
        assert!(dbg.contains("***"), "{dbg}");
        let k = SftpAuth::KeyFile {
            path: "/k".into(),
            passphrase: Some(Secret::new("open-sesame-123")),
        };
        assert!(!format!("{k:?}").contains("open-sesame-123"));
    }

    #[test]
    fn remote_paths() {
        let t = target();
        assert_eq!(t.remote_path("a.csv"), "a.csv");
        assert_eq!(
            t.clone().remote_dir("/home/").remote_path("a.csv"),
            "/home/a.csv"
        );
        assert_eq!(t.remote_dir("/").remote_path("a.csv"), "/a.csv");
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let b = Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_millis(350),
        };
        let got: Vec<_> = (1..=5).map(|a| b.base_delay(a).as_millis()).collect();
        assert_eq!(got, [100, 200, 350, 350, 350]);
        let d = b.delay(2);
        assert!(d >= Duration::from_millis(200) && d <= Duration::from_millis(220));
    }

    #[test]
    fn bad_names_and_pins_fail_before_connecting() {
        // Port 9 on a documentation address would hang or refuse; these must fail first.
        let t = target();
        let e = t
            .upload_blocking(&[Upload::bytes("../x", b"x".to_vec())])
            .unwrap_err();
        assert!(matches!(e, SftpError::InvalidName { .. }), "{e}");
        let mut t = target();
        t.host_key_sha256 = "MD5:12:34".into();
        let e = t
            .upload_blocking(&[Upload::bytes("x", b"x".to_vec())])
            .unwrap_err();
        assert!(matches!(e, SftpError::InvalidFingerprint { .. }), "{e}");
        assert!(!e.is_retryable());
    }

    #[test]
    fn archive_keeps_every_copy() {
        let dir = tempfile::tempdir().unwrap();
        let up = Upload::bytes("students.csv", b"a,b\n".to_vec());
        let p1 = archive(dir.path(), &up).unwrap();
        let p2 = archive(dir.path(), &up).unwrap();
        assert_ne!(p1, p2);
        let today = Utc::now().format("%Y-%m-%d").to_string();
        for p in [&p1, &p2] {
            assert_eq!(fs::read(p).unwrap(), b"a,b\n");
            assert_eq!(p.parent().unwrap().file_name().unwrap(), today.as_str());
            assert!(
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .contains("students.csv")
            );
        }
    }
}
