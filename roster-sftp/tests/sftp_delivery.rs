//! Upload to a real OpenSSH sshd with public-key auth: byte-identical delivery, overwrite,
//! host-key pinning, key files, the async API and the fingerprint tool.

mod support;

use std::fs;
use std::io::Read;
use std::process::Command;
use std::time::Duration;

use roster_sftp::Secret;
use roster_sftp::delivery::{SftpAuth, SftpError, Upload, fetch_host_key, fetch_host_key_async};
use roster_sftp::testing::{CLIENT_KEY_PASSPHRASE, Sshd, current_user, fingerprint_of};
use support::{data, key_target, listing};

#[test]
fn uploads_byte_identical_files_and_keeps_dated_copies() {
    let sshd = Sshd::start();
    let inbox = sshd.make_dir("inbox");
    let archive = tempfile::tempdir().unwrap();
    let target = key_target(&sshd, &inbox).archive_dir(archive.path());

    let students = data(3 * 1024 * 1024 + 17, 1);
    let teachers = b"iid,email\r\nK1,\"o'neil, pat\"\r\n".to_vec();
    let sent = target
        .upload_blocking(&[
            Upload::bytes("students.csv", students.clone()),
            Upload::bytes("teachers.csv", teachers.clone()),
        ])
        .unwrap();

    assert_eq!(listing(&inbox), ["students.csv", "teachers.csv"]);
    assert_eq!(fs::read(inbox.join("students.csv")).unwrap(), students);
    assert_eq!(fs::read(inbox.join("teachers.csv")).unwrap(), teachers);

    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].name, "students.csv");
    assert_eq!(sent[0].bytes, students.len() as u64);
    assert_eq!(sent[0].attempts, 1);
    assert_eq!(
        sent[1].remote_path,
        format!("{}/teachers.csv", inbox.display())
    );

    // Dated local copies, identical to what was sent.
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    for (receipt, bytes) in sent.iter().zip([&students, &teachers]) {
        let copy = receipt.archived.as_ref().expect("archived");
        assert!(copy.starts_with(archive.path().join(&today)), "{copy:?}");
        assert!(copy.to_string_lossy().ends_with(&receipt.name));
        assert_eq!(&fs::read(copy).unwrap(), bytes);
    }
}

#[test]
fn reads_back_over_sftp_what_it_uploaded_from_a_local_file() {
    let sshd = Sshd::start();
    let inbox = sshd.make_dir("inbox");
    let local = tempfile::tempdir().unwrap();
    let path = local.path().join("OneRoster.zip");
    let bytes = data(700_001, 2);
    fs::write(&path, &bytes).unwrap();

    let target = key_target(&sshd, &inbox);
    let sent = target.upload_blocking(&[Upload::file(&path)]).unwrap();
    assert_eq!(sent[0].name, "OneRoster.zip");
    assert_eq!(sent[0].archived, None);

    // Independent read-back through ssh2 itself.
    let tcp = std::net::TcpStream::connect((sshd.host(), sshd.port())).unwrap();
    let mut sess = ssh2::Session::new().unwrap();
    sess.set_tcp_stream(tcp);
    sess.handshake().unwrap();
    sess.userauth_pubkey_file(&current_user(), None, sshd.client_key(), None)
        .unwrap();
    let sftp = sess.sftp().unwrap();
    let mut remote = sftp.open(inbox.join("OneRoster.zip")).unwrap();
    let mut back = Vec::new();
    remote.read_to_end(&mut back).unwrap();
    assert_eq!(back, bytes);
}

#[test]
fn replaces_an_existing_file_and_a_stale_part_file() {
    let sshd = Sshd::start();
    let inbox = sshd.make_dir("inbox");
    fs::write(inbox.join("students.csv"), vec![b'x'; 10_000]).unwrap();
    fs::write(inbox.join("students.csv.part"), b"left over by a crash").unwrap();

    let target = key_target(&sshd, &inbox);
    let new = b"iid,student_id\nKIPP1,100\n".to_vec();
    target
        .upload_blocking(&[Upload::bytes("students.csv", new.clone())])
        .unwrap();
    assert_eq!(fs::read(inbox.join("students.csv")).unwrap(), new);
    assert_eq!(listing(&inbox), ["students.csv"]);

    // And again: a second full refresh replaces the first.
    let newer = b"iid,student_id\nKIPP1,100\nKIPP1,101\n".to_vec();
    target
        .upload_blocking(&[Upload::bytes("students.csv", newer.clone())])
        .unwrap();
    assert_eq!(fs::read(inbox.join("students.csv")).unwrap(), newer);
    assert_eq!(listing(&inbox), ["students.csv"]);
}

#[test]
fn wrong_fingerprint_refuses_before_authenticating_and_sends_nothing() {
    let sshd = Sshd::start();
    let inbox = sshd.make_dir("inbox");
    let archive = tempfile::tempdir().unwrap();
    // A real, well-formed fingerprint of a different key.
    let other = fingerprint_of(&sshd.client_key().with_extension("pub"));
    assert_ne!(other, sshd.fingerprint());
    let mut target = key_target(&sshd, &inbox).archive_dir(archive.path());
    target.host_key_sha256 = other.clone();

    let err = target
        .upload_blocking(&[Upload::bytes("students.csv", b"secret roster".to_vec())])
        .unwrap_err();
    match &err {
        SftpError::HostKeyMismatch { seen, expected, .. } => {
            assert_eq!(seen, sshd.fingerprint());
            assert_eq!(expected, &other);
        }
        e => panic!("expected a host key mismatch, got {e}"),
    }
    let msg = err.to_string();
    assert!(msg.contains(sshd.fingerprint()), "{msg}");
    assert!(msg.contains(&other), "{msg}");
    assert!(msg.contains(&format!("127.0.0.1:{}", sshd.port())), "{msg}");
    assert!(!err.is_retryable());

    // Nothing at all on the server, not even a .part; nothing archived.
    assert!(listing(&inbox).is_empty(), "{:?}", listing(&inbox));
    assert!(listing(archive.path()).is_empty());
    // The server saw our disconnect before any authentication request.
    std::thread::sleep(Duration::from_millis(200));
    let log = sshd.log();
    assert!(log.contains("host key mismatch"), "{log}");
    for auth_trace in ["Accepted", "Failed", "authenticating user", "Invalid user"] {
        assert!(!log.contains(auth_trace), "found {auth_trace:?} in\n{log}");
    }
}

#[test]
fn encrypted_key_needs_its_passphrase() {
    let sshd = Sshd::start();
    let inbox = sshd.make_dir("inbox");
    let mut target = key_target(&sshd, &inbox);
    target.auth = SftpAuth::KeyFile {
        path: sshd.encrypted_client_key().to_path_buf(),
        passphrase: Some(Secret::new(CLIENT_KEY_PASSPHRASE)),
    };
    target
        .upload_blocking(&[Upload::bytes("a.csv", b"a\n".to_vec())])
        .unwrap();
    assert_eq!(fs::read(inbox.join("a.csv")).unwrap(), b"a\n");

    target.auth = SftpAuth::KeyFile {
        path: sshd.encrypted_client_key().to_path_buf(),
        passphrase: Some(Secret::new("not-the-passphrase-42")),
    };
    let err = target
        .upload_blocking(&[Upload::bytes("b.csv", b"b\n".to_vec())])
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, SftpError::KeyFile { .. } | SftpError::Auth { .. }),
        "{msg}"
    );
    assert!(!err.is_retryable(), "{msg}");
    assert!(msg.contains("client_ed25519_encrypted"), "{msg}");
    assert!(!msg.contains("not-the-passphrase-42"), "{msg}");
    assert!(!format!("{err:?}").contains("not-the-passphrase-42"));
    assert!(!inbox.join("b.csv").exists());
}

#[test]
fn missing_key_file_and_missing_remote_dir_are_clear_and_not_retried() {
    let sshd = Sshd::start();
    let inbox = sshd.make_dir("inbox");

    let mut target = key_target(&sshd, &inbox);
    target.auth = SftpAuth::KeyFile {
        path: "/nonexistent/id_ed25519".into(),
        passphrase: None,
    };
    let err = target
        .upload_blocking(&[Upload::bytes("a.csv", b"a".to_vec())])
        .unwrap_err();
    assert!(matches!(err, SftpError::KeyFile { .. }), "{err}");
    assert!(err.to_string().contains("/nonexistent/id_ed25519"), "{err}");

    let target = key_target(&sshd, &inbox.join("no-such-dir")).retries(
        5,
        roster_sftp::delivery::Backoff {
            initial: Duration::from_secs(30),
            max: Duration::from_secs(30),
        },
    );
    let started = std::time::Instant::now();
    let err = target
        .upload_blocking(&[Upload::bytes("a.csv", b"a".to_vec())])
        .unwrap_err();
    assert!(matches!(err, SftpError::Remote { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("no-such-dir/a.csv.part"), "{msg}");
    assert!(msg.contains("does the remote directory exist"), "{msg}");
    // Not retried: a 30 s backoff would show.
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_api_uploads_and_fetches_the_fingerprint() {
    let sshd = Sshd::start();
    let inbox = sshd.make_dir("inbox");
    let target = key_target(&sshd, &inbox);
    let bytes = data(200_000, 3);
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    let sent = target
        .upload_with_progress(vec![Upload::bytes("x.csv", bytes.clone())], move |p| {
            seen2.lock().unwrap().push((p.sent, p.total))
        })
        .await
        .unwrap();
    assert_eq!(sent[0].bytes, 200_000);
    assert_eq!(fs::read(inbox.join("x.csv")).unwrap(), bytes);
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.first(), Some(&(0, 200_000)));
        assert_eq!(seen.last(), Some(&(200_000, 200_000)));
        assert!(seen.windows(2).all(|w| w[0].0 < w[1].0));
    }

    let info = fetch_host_key_async(sshd.host().into(), sshd.port(), Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(info.fingerprint, sshd.fingerprint());
    assert_eq!(info.key_type, "ssh-ed25519");
}

#[test]
fn fingerprint_tool_prints_what_ssh_keygen_computes() {
    let sshd = Sshd::start();
    let info = fetch_host_key(sshd.host(), sshd.port(), Duration::from_secs(5)).unwrap();
    assert_eq!(info.fingerprint, sshd.fingerprint());

    let out = Command::new(env!("CARGO_BIN_EXE_sftp-fingerprint"))
        .arg(format!("127.0.0.1:{}", sshd.port()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!(
            "127.0.0.1:{} ssh-ed25519 {}",
            sshd.port(),
            sshd.fingerprint()
        )
    );
    // The tool must not leave anything but a pre-auth disconnect in the server's log.
    assert!(!sshd.log().contains("Accepted"));
}

#[test]
fn fingerprint_tool_fails_clearly_when_nothing_listens() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let out = Command::new(env!("CARGO_BIN_EXE_sftp-fingerprint"))
        .args([format!("127.0.0.1:{port}"), "--timeout".into(), "2".into()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("cannot connect to 127.0.0.1:{port}")),
        "{err}"
    );
}

#[test]
fn delivers_a_vendor_export() {
    use roster_core::VendorExport;
    let sshd = Sshd::start();
    let home = sshd.make_dir("home");
    let export = roster_sftp::StMath::new([(101, "KIPPCHI1"), (102, "KIPPCHI2")])
        .unwrap()
        .export(&support::fixture::roster())
        .unwrap();
    let uploads: Vec<Upload> = export.files.iter().cloned().map(Upload::from).collect();
    let sent = key_target(&sshd, &home).upload_blocking(&uploads).unwrap();
    assert_eq!(sent.len(), 2);
    for f in &export.files {
        assert_eq!(fs::read(home.join(&f.name)).unwrap(), f.bytes, "{}", f.name);
    }
    assert_eq!(listing(&home), ["students.csv", "teachers.csv"]);
}
