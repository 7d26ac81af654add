//! Password authentication against a real sshd with a throwaway local user (needs root):
//! `password`, the keyboard-interactive fallback, and a wrong password.

mod support;

use std::fs;

use roster_sftp::Secret;
use roster_sftp::delivery::{SftpAuth, SftpError, SftpTarget, Upload};
use roster_sftp::testing::{Sshd, SshdOptions, TestUser};
use support::{fast, listing};

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

#[test]
fn password_login_uploads() {
    // Declared first, dropped last: the server (and its sessions) go before the account.
    let user = TestUser::create();
    let sshd = Sshd::start();
    let inbox = sshd.make_dir("inbox");
    let target = password_target(&sshd, &user, user.password(), &inbox);
    target
        .upload_blocking(&[Upload::bytes(
            "grow_users.csv",
            b"First Name\nAda\n".to_vec(),
        )])
        .unwrap();
    assert_eq!(
        fs::read(inbox.join("grow_users.csv")).unwrap(),
        b"First Name\nAda\n"
    );
    assert!(
        sshd.log()
            .contains(&format!("Accepted password for {}", user.name()))
    );

    // The password never shows in Debug output.
    assert!(!format!("{target:?}").contains(user.password()));
}

#[test]
fn wrong_password_is_a_clear_error_without_retries() {
    let user = TestUser::create();
    let sshd = Sshd::start();
    let inbox = sshd.make_dir("inbox");
    let wrong = "Wrong-Password-123";
    let target = password_target(&sshd, &user, wrong, &inbox);
    let err = target
        .upload_blocking(&[Upload::bytes("a.csv", b"a".to_vec())])
        .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, SftpError::Auth { .. }), "{msg}");
    assert!(!err.is_retryable());
    assert!(
        msg.starts_with(&format!(
            "authentication failed for user {} at 127.0.0.1:{}",
            user.name(),
            sshd.port()
        )),
        "{msg}"
    );
    assert!(msg.contains("rejected the password"), "{msg}");
    for shown in [msg.clone(), format!("{err:?}")] {
        assert!(!shown.contains(wrong), "{shown}");
        assert!(!shown.contains(user.password()), "{shown}");
    }
    assert!(listing(&inbox).is_empty());
    // One attempt only: an auth failure is not retried (it could lock the account).
    std::thread::sleep(std::time::Duration::from_millis(200));
    let failures = sshd.log().matches("Failed password").count();
    assert_eq!(failures, 1, "{}", sshd.log());
}

#[test]
fn falls_back_to_keyboard_interactive_when_the_server_only_offers_that() {
    let user = TestUser::create();
    let sshd = Sshd::start_with(SshdOptions::keyboard_interactive_only());
    let inbox = sshd.make_dir("inbox");
    let target = password_target(&sshd, &user, user.password(), &inbox);
    target
        .upload_blocking(&[Upload::bytes("students.csv", b"iid\nK1\n".to_vec())])
        .unwrap_or_else(|e| panic!("{e}\nsshd log:\n{}", sshd.log()));
    assert_eq!(fs::read(inbox.join("students.csv")).unwrap(), b"iid\nK1\n");
    let log = sshd.log();
    assert!(
        log.contains(&format!(
            "Accepted keyboard-interactive/pam for {}",
            user.name()
        )),
        "{log}"
    );
    assert!(!log.contains("Accepted password"), "{log}");

    let bad = password_target(&sshd, &user, "nope-nope-nope", &inbox);
    let err = bad
        .upload_blocking(&[Upload::bytes("x.csv", b"x".to_vec())])
        .unwrap_err();
    assert!(matches!(err, SftpError::Auth { .. }), "{err}");
    assert!(err.to_string().contains("keyboard-interactive"), "{err}");
    assert!(!inbox.join("x.csv").exists());
}
