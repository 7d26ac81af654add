//! Logs never contain secrets, even at TRACE level. Alone in its own test binary: tracing
//! caches per-callsite interest process-wide, so a thread-local subscriber next to
//! concurrently running tests could miss events.

mod support;

use roster_sftp::Secret;
use roster_sftp::delivery::{SftpAuth, SftpTarget, Upload};
use roster_sftp::testing::{Sshd, TestUser};
use support::fast;

fn password_target(
    sshd: &Sshd,
    user: &TestUser,
    password: &str,
    dir: &std::path::Path,
) -> SftpTarget {
    let t = SftpTarget::new(
        sshd.host(),
        user.name(),
        SftpAuth::Password(Secret::new(password)),
        sshd.fingerprint(),
    )
    .port(sshd.port())
    .remote_dir(dir.to_str().unwrap());
    fast(t, 2)
}

/// Collects formatted log lines in memory.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn logs_at_trace_level_never_contain_passwords() {
    let user = TestUser::create();
    let sshd = Sshd::start();
    let inbox = sshd.make_dir("inbox");
    let wrong = "Another-Wrong-Pass-77";
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
    {
        password_target(&sshd, &user, user.password(), &inbox)
            .upload_blocking(&[Upload::bytes("ok.csv", b"ok".to_vec())])
            .unwrap();
        password_target(&sshd, &user, wrong, &inbox)
            .upload_blocking(&[Upload::bytes("no.csv", b"no".to_vec())])
            .unwrap_err();
    }
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("uploaded"), "{logs}");
    assert!(logs.contains("authentication failed for user"), "{logs}");
    assert!(!logs.contains(user.password()), "{logs}");
    assert!(!logs.contains(wrong), "{logs}");
}
