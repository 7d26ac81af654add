//! Honest delivery summaries (issue 19, item 5) against a real OpenSSH server, and hung
//! servers as plain TCP listeners:
//!
//! - a delivery that stops part way names the files delivered and those not, and the retry
//!   count is the true number of reconnections;
//! - a server that accepts TCP and never sends its SSH banner, or stalls mid-transfer, is given
//!   up after one timeout (2 s here; 60 s by default), not one per retry.

mod support;

use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use roster_sftp::delivery::{Backoff, SftpError, Upload};
use roster_sftp::testing::Sshd;
use support::{data, key_target};

fn quick_retries(
    target: roster_sftp::delivery::SftpTarget,
    n: u32,
) -> roster_sftp::delivery::SftpTarget {
    target.retries(
        n,
        Backoff {
            initial: Duration::from_millis(20),
            max: Duration::from_millis(50),
        },
    )
}

#[test]
fn a_partial_delivery_names_what_arrived_and_what_did_not() {
    let sshd = Sshd::start();
    let inbox = sshd.make_dir("inbox");
    // The third file's final name is a non-empty directory: it cannot be replaced.
    fs::create_dir_all(inbox.join("c.csv/keep")).unwrap();
    let target = quick_retries(key_target(&sshd, &inbox), 2);
    let files = [
        Upload::bytes("a.csv", b"a\r\n".to_vec()),
        Upload::bytes("b.csv", b"b\r\n".to_vec()),
        Upload::bytes("c.csv", b"c\r\n".to_vec()),
    ];
    let d = target.deliver_blocking(&files, &mut |_| {});
    let delivered: Vec<&str> = d.delivered.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(delivered, ["a.csv", "b.csv"]);
    assert_eq!(d.not_delivered, ["c.csv"]);
    assert!(!d.is_complete());
    assert!(d.error.is_some());
    // a and b arrived on the first connection; c was tried on 1 + 2 retries.
    assert!(
        d.delivered.iter().all(|u| u.attempts == 1),
        "{:?}",
        d.delivered
    );
    assert_eq!(d.retries, 2, "{:?}", d.error);
    assert_eq!(fs::read(inbox.join("a.csv")).unwrap(), b"a\r\n");
    assert_eq!(fs::read(inbox.join("b.csv")).unwrap(), b"b\r\n");
    assert!(inbox.join("c.csv").is_dir());

    // A clean delivery reports no retry at all.
    fs::remove_dir_all(inbox.join("c.csv")).unwrap();
    let d = target.deliver_blocking(&files, &mut |_| {});
    assert!(d.is_complete(), "{:?}", d.error);
    assert_eq!((d.retries, d.delivered.len()), (0, 3));
}

/// A listener that accepts connections and never says a word (or relays to `upstream` until
/// the client has sent `stall_after` bytes, then stops reading): counts connections.
fn silent_server(upstream: Option<(u16, u64)>) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let conns = Arc::new(AtomicUsize::new(0));
    let c = conns.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for client in listener.incoming() {
            let Ok(client) = client else { return };
            c.fetch_add(1, Ordering::SeqCst);
            if let Some((port, stall_after)) = upstream {
                let server = TcpStream::connect(("127.0.0.1", port)).unwrap();
                relay(
                    client.try_clone().unwrap(),
                    server.try_clone().unwrap(),
                    Some(stall_after),
                );
                relay(server, client.try_clone().unwrap(), None);
            }
            held.push(client);
        }
    });
    (port, conns)
}

/// Copies `from` to `to`; after `stall_after` bytes, stops reading (the socket stays open).
fn relay(mut from: TcpStream, mut to: TcpStream, stall_after: Option<u64>) {
    std::thread::spawn(move || {
        let sent = AtomicU64::new(0);
        let mut buf = [0u8; 16 * 1024];
        loop {
            if stall_after.is_some_and(|n| sent.load(Ordering::SeqCst) >= n) {
                std::thread::sleep(Duration::from_secs(60));
                return;
            }
            let n = match from.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if to.write_all(&buf[..n]).is_err() {
                return;
            }
            sent.fetch_add(n as u64, Ordering::SeqCst);
        }
    });
}

fn assert_gave_up_after_one_timeout(port: u16, conns: &AtomicUsize, sshd: &Sshd, file: Vec<u8>) {
    let inbox = sshd.make_dir(&format!("inbox-{port}"));
    let target = quick_retries(key_target(sshd, &inbox), 4)
        .port(port)
        .timeouts(Duration::from_secs(2), Duration::from_secs(2));
    let started = Instant::now();
    let d = target.deliver_blocking(&[Upload::bytes("students.csv", file)], &mut |_| {});
    let took = started.elapsed();
    let e = d.error.expect("a hung server is an error");
    eprintln!("after {took:?}: {e}");
    assert!(matches!(e, SftpError::TimedOut { secs: 2, .. }), "{e}");
    assert!(e.to_string().contains("did not answer for 2 s"), "{e}");
    assert_eq!(d.not_delivered, ["students.csv"]);
    assert_eq!(d.retries, 0);
    assert_eq!(conns.load(Ordering::SeqCst), 1, "a timeout is not retried");
    // One 2 s timeout (before: one per attempt, 5 × the timeout plus backoff).
    assert!(took >= Duration::from_millis(1900), "{took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    eprintln!("gave up after {took:?}");
}

#[test]
fn a_server_that_never_sends_its_banner_times_out_once() {
    let sshd = Sshd::start();
    let (port, conns) = silent_server(None);
    assert_gave_up_after_one_timeout(port, &conns, &sshd, b"x".to_vec());
}

#[test]
fn a_server_that_stalls_mid_transfer_times_out_once() {
    let sshd = Sshd::start();
    // Past the key exchange and login (a few KiB), into a 4 MiB file.
    let (port, conns) = silent_server(Some((sshd.port(), 64 * 1024)));
    assert_gave_up_after_one_timeout(port, &conns, &sshd, data(4 << 20, 7));
}
