//! Helpers shared by the SFTP integration tests (the server itself is
//! `roster_sftp::testing::Sshd`).
#![allow(dead_code)]

pub mod fixture;

use std::path::Path;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use roster_sftp::delivery::{Backoff, SftpAuth, SftpTarget};
use roster_sftp::testing::{Sshd, current_user};

/// Small timeouts and a fast backoff so failing tests stay fast.
pub fn fast(target: SftpTarget, retries: u32) -> SftpTarget {
    target
        .timeouts(Duration::from_secs(5), Duration::from_secs(20))
        .retries(
            retries,
            Backoff {
                initial: Duration::from_millis(20),
                max: Duration::from_millis(100),
            },
        )
}

/// Logs in as the user running the tests with the server's authorized client key.
pub fn key_target(sshd: &Sshd, remote_dir: &Path) -> SftpTarget {
    let t = SftpTarget::new(
        sshd.host(),
        current_user(),
        SftpAuth::KeyFile {
            path: sshd.client_key().to_path_buf(),
            passphrase: None,
        },
        sshd.fingerprint(),
    )
    .port(sshd.port())
    .remote_dir(remote_dir.to_str().expect("utf-8 temp path"));
    fast(t, 2)
}

/// Deterministic pseudo-random bytes (every byte value occurs).
pub fn data(len: usize, seed: u64) -> Vec<u8> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut v = vec![0u8; len];
    rng.fill(&mut v[..]);
    v
}

/// File names in a directory, sorted.
pub fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}
