//! SFTP delivery through the facade's vendor job (KIPP's ST Math feed) to a real OpenSSH
//! server, behind a TCP relay that counts the bytes the client sends and can cut the
//! connection mid-upload, like a server that disappears:
//!
//! - a server with another host key gets no login and no file (a few KiB of key exchange);
//! - a server that disappears mid-upload leaves no partial file under a final name (the old
//!   file stays whole), and the run exits 2 naming the failure;
//! - a connection cut once is retried and every file arrives whole.

#[path = "support/reliability.rs"]
mod reliability;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use reliability::{cli, listing, today};
use roster::core::report::{ExitCode, RunReport};
use roster::demo::Demo;
use roster::sftp::delivery::{Backoff, SftpAuth, SftpTarget};
use roster::sftp::testing::{Sshd, TestUser, current_user, fingerprint_of};
use roster::{Mode, run_vendor};

/// What the relay does to the connections it carries.
#[derive(Clone, Copy)]
enum Cut {
    /// Carry everything.
    Never,
    /// Cut the first connection after this many client bytes; carry the later ones.
    Once(u64),
    /// Cut the first connection after this many client bytes; then the server is gone:
    /// later connections are closed at once.
    ThenGone(u64),
}

/// A TCP relay from a local port to the SSH server.
struct Relay {
    port: u16,
    /// Bytes the client sent, over all connections.
    client_bytes: Arc<AtomicU64>,
    connections: Arc<AtomicUsize>,
    cut_done: Arc<AtomicBool>,
}

impl Relay {
    fn start(upstream: u16, cut: Cut) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let client_bytes = Arc::new(AtomicU64::new(0));
        let connections = Arc::new(AtomicUsize::new(0));
        let cut_done = Arc::new(AtomicBool::new(false));
        let (bytes, conns, done) = (client_bytes.clone(), connections.clone(), cut_done.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let n = conns.fetch_add(1, Ordering::SeqCst);
                let limit = match cut {
                    Cut::Never => None,
                    Cut::Once(b) | Cut::ThenGone(b) if n == 0 => Some(b),
                    Cut::Once(_) => None,
                    Cut::ThenGone(_) => {
                        let _ = client.shutdown(Shutdown::Both);
                        continue;
                    }
                };
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    return;
                };
                pipe(
                    client.try_clone().unwrap(),
                    server.try_clone().unwrap(),
                    limit,
                    bytes.clone(),
                    done.clone(),
                    vec![client.try_clone().unwrap(), server.try_clone().unwrap()],
                );
                pipe(
                    server,
                    client,
                    None,
                    Arc::new(AtomicU64::new(0)),
                    done.clone(),
                    vec![],
                );
            }
        });
        Relay {
            port,
            client_bytes,
            connections,
            cut_done,
        }
    }
}

/// Copies `from` to `to` on a thread; after `limit` bytes, shuts both ends of the connection.
fn pipe(
    mut from: TcpStream,
    mut to: TcpStream,
    limit: Option<u64>,
    counter: Arc<AtomicU64>,
    cut_done: Arc<AtomicBool>,
    both: Vec<TcpStream>,
) {
    std::thread::spawn(move || {
        let mut sent = 0u64;
        let mut buf = [0u8; 8192];
        loop {
            let n = match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let n = match limit {
                Some(l) if sent + n as u64 >= l => {
                    let keep = (l - sent) as usize;
                    let _ = to.write_all(&buf[..keep]);
                    counter.fetch_add(keep as u64, Ordering::SeqCst);
                    cut_done.store(true, Ordering::SeqCst);
                    for s in &both {
                        let _ = s.shutdown(Shutdown::Both);
                    }
                    break;
                }
                _ => n,
            };
            if to.write_all(&buf[..n]).is_err() {
                break;
            }
            sent += n as u64;
            counter.fetch_add(n as u64, Ordering::SeqCst);
        }
        let _ = to.shutdown(Shutdown::Write);
    });
}

fn target(relay: &Relay, inbox: &Path, auth: SftpAuth, user: &str, key: &str) -> SftpTarget {
    SftpTarget::new("127.0.0.1", user, auth, key)
        .port(relay.port)
        .remote_dir(inbox.to_str().unwrap())
        .timeouts(Duration::from_secs(5), Duration::from_secs(10))
        .retries(
            2,
            Backoff {
                initial: Duration::from_millis(20),
                max: Duration::from_millis(50),
            },
        )
}

fn key_auth(sshd: &Sshd) -> SftpAuth {
    SftpAuth::KeyFile {
        path: sshd.client_key().to_path_buf(),
        passphrase: None,
    }
}

/// Runs KIPP's ST Math job on the demo district with `apply`; returns the report and the
/// directory holding the files it built.
async fn deliver(dir: &Path, target: &SftpTarget) -> (RunReport, PathBuf) {
    let job = kipp_chicago_stmath::job();
    let site = kipp_chicago_stmath::site();
    let demo = Demo::start(dir, &site.domain, today(), 2_000).unwrap();
    let sis = demo.sis(site.powerschool.clone()).unwrap();
    let opts = cli(dir, &["apply"]).opts;
    let files = dir.join(&job.name);
    let mut out = Vec::new();
    let report = run_vendor(
        &job,
        Mode::Apply,
        &opts,
        &sis,
        &files,
        Some(target),
        &mut out,
    )
    .await;
    (report, files)
}

fn built_files(files: &Path) -> Vec<String> {
    listing(files)
        .into_iter()
        .filter(|n| files.join(n).is_file())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_with_another_host_key_gets_no_login_and_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let sshd = Sshd::start();
    let inbox = sshd.make_dir("inbox");
    let user = TestUser::create();
    let relay = Relay::start(sshd.port(), Cut::Never);
    // A real key's fingerprint, just not this server's (a man in the middle, a rebuilt host).
    let wrong = fingerprint_of(&sshd.client_key().with_extension("pub"));
    assert_ne!(wrong, sshd.fingerprint());
    let password = SftpAuth::Password(roster::sftp::Secret::new(user.password()));
    let t = target(&relay, &inbox, password, user.name(), &wrong);

    let (report, files) = deliver(dir.path(), &t).await;
    assert_eq!(report.exit_code(), ExitCode::Aborted);
    let why = report.aborted.as_deref().unwrap();
    assert!(why.to_lowercase().contains("host key"), "{why}");
    assert!(!report.applied.contains_key("upload"));
    // Nothing arrived, not even a partial file; the files were built locally.
    assert!(listing(&inbox).is_empty(), "{:?}", listing(&inbox));
    let built = built_files(&files);
    assert!(built.len() >= 3, "{built:?}");
    let file_bytes: u64 = built
        .iter()
        .map(|n| std::fs::metadata(files.join(n)).unwrap().len())
        .sum();
    // The client never tried to log in (the password never left), and all it sent was the
    // key exchange: a few KiB against the files' size.
    let log = sshd.log();
    for line in log.lines() {
        assert!(
            !line.contains("Accepted") && !line.contains("Failed") && !line.contains("password"),
            "sshd saw an authentication attempt: {line}"
        );
    }
    let sent = relay.client_bytes.load(Ordering::SeqCst);
    assert!(sent < 8 * 1024, "{sent} bytes sent");
    assert!(file_bytes > 100 * 1024, "{file_bytes}");
    // Retried? A host key mismatch is not a fault to retry: one connection.
    assert_eq!(relay.connections.load(Ordering::SeqCst), 1);
    println!("wrong host key: {sent} bytes of key exchange sent, 0 of {file_bytes} file bytes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_disappears_mid_upload_leaves_no_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let sshd = Sshd::start();
    let inbox = sshd.make_dir("inbox");
    // Yesterday's file is on the server: readers must see it whole or the new one whole.
    let old = b"iid,district_school_id\nOLD,1\n".to_vec();
    std::fs::write(inbox.join("students.csv"), &old).unwrap();
    let relay = Relay::start(sshd.port(), Cut::ThenGone(64 * 1024));
    let t = target(
        &relay,
        &inbox,
        key_auth(&sshd),
        &current_user(),
        sshd.fingerprint(),
    );

    let (report, files) = deliver(dir.path(), &t).await;
    assert!(relay.cut_done.load(Ordering::SeqCst), "the relay never cut");
    assert_eq!(report.exit_code(), ExitCode::Aborted);
    let why = report.aborted.as_deref().unwrap();
    assert!(why.contains("SFTP delivery"), "{why}");
    // Retried, then gave up: the first connection and the retries.
    assert_eq!(relay.connections.load(Ordering::SeqCst), 3);

    // Under a final name there is only a whole file: the old one, or a complete new one.
    let mut interrupted = 0;
    for name in built_files(&files) {
        let local = std::fs::read(files.join(&name)).unwrap();
        match std::fs::read(inbox.join(&name)) {
            Ok(remote) if name == "students.csv" && remote == old => interrupted += 1,
            Ok(remote) => assert!(remote == local, "{name} on the server is partial"),
            Err(_) => interrupted += 1,
        }
        if let Ok(part) = std::fs::metadata(inbox.join(format!("{name}.part"))) {
            assert!(part.len() < local.len() as u64);
        }
    }
    assert!(interrupted >= 1);
    for name in listing(&inbox) {
        assert!(
            name.ends_with(".part") || built_files(&files).contains(&name),
            "unexpected {name}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_cut_once_is_retried_and_every_file_arrives_whole() {
    let dir = tempfile::tempdir().unwrap();
    let sshd = Sshd::start();
    let inbox = sshd.make_dir("inbox");
    let relay = Relay::start(sshd.port(), Cut::Once(64 * 1024));
    let t = target(
        &relay,
        &inbox,
        key_auth(&sshd),
        &current_user(),
        sshd.fingerprint(),
    );

    let (report, files) = deliver(dir.path(), &t).await;
    assert!(relay.cut_done.load(Ordering::SeqCst), "the relay never cut");
    assert_eq!(report.exit_code(), ExitCode::Ok, "{}", report.summary());
    let built = built_files(&files);
    assert_eq!(report.applied.get("upload"), Some(&built.len()));
    // Every file, byte for byte, and nothing else (no .part left behind).
    assert_eq!(listing(&inbox), built);
    for name in &built {
        assert_eq!(
            std::fs::read(inbox.join(name)).unwrap(),
            std::fs::read(files.join(name)).unwrap(),
            "{name}"
        );
    }
    assert_eq!(relay.connections.load(Ordering::SeqCst), 2);
}
