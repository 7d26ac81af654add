//! Faults: a server that is down, and a server killed in the middle of an upload.

mod support;

use std::fs;
use std::time::{Duration, Instant};

use roster_sftp::delivery::{SftpError, Upload};
use roster_sftp::testing::Sshd;
use support::{data, key_target, listing};

#[test]
fn server_down_is_retried_with_backoff_then_a_clear_error() {
    let mut sshd = Sshd::start();
    let inbox = sshd.make_dir("inbox");
    let target = key_target(&sshd, &inbox).retries(
        3,
        roster_sftp::delivery::Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_millis(150),
        },
    );
    sshd.stop();

    let started = Instant::now();
    let err = target
        .upload_blocking(&[Upload::bytes("students.csv", b"x".to_vec())])
        .unwrap_err();
    let elapsed = started.elapsed();
    match &err {
        SftpError::GaveUp { attempts, last, .. } => {
            assert_eq!(*attempts, 4);
            assert!(matches!(**last, SftpError::Connect { .. }), "{last}");
        }
        e => panic!("expected GaveUp, got {e}"),
    }
    let msg = err.to_string();
    let addr = format!("127.0.0.1:{}", sshd.port());
    assert!(
        msg.starts_with(&format!(
            "giving up on {addr} after 4 attempts: cannot connect to {addr}"
        )),
        "{msg}"
    );
    // Backoff waited 100 + 150 + 150 ms (plus jitter), and it was bounded.
    assert!(elapsed >= Duration::from_millis(400), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}

#[test]
fn server_killed_mid_upload_leaves_the_old_file_under_the_final_name() {
    let mut sshd = Sshd::start();
    let inbox = sshd.make_dir("inbox");
    let old = b"iid,student_id\nOLD,1\n".to_vec();
    fs::write(inbox.join("students.csv"), &old).unwrap();
    let target = key_target(&sshd, &inbox).retries(
        1,
        roster_sftp::delivery::Backoff {
            initial: Duration::from_millis(20),
            max: Duration::from_millis(20),
        },
    );
    let big = data(32 * 1024 * 1024, 4);

    let mut killed_at = None;
    let err = target
        .upload_blocking_with_progress(&[Upload::bytes("students.csv", big.clone())], &mut |p| {
            if killed_at.is_none() && p.sent >= 2 * 1024 * 1024 {
                killed_at = Some(p.sent);
                sshd.stop();
            }
        })
        .unwrap_err();
    let killed_at = killed_at.expect("the upload got past 2 MiB");
    assert!(killed_at < big.len() as u64);

    // The write broke, the retry found no server, and the error says so.
    match &err {
        SftpError::GaveUp {
            attempts: 2, last, ..
        } => {
            assert!(matches!(**last, SftpError::Connect { .. }), "{last}")
        }
        e => panic!("expected GaveUp after 2 attempts, got {e}"),
    }
    // Readers of students.csv still see the complete old file; at most a partial .part.
    assert_eq!(fs::read(inbox.join("students.csv")).unwrap(), old);
    for name in listing(&inbox) {
        assert!(
            name == "students.csv" || name == "students.csv.part",
            "unexpected {name}"
        );
    }
    if let Ok(part) = fs::metadata(inbox.join("students.csv.part")) {
        assert!(part.len() < big.len() as u64);
    }
}

#[test]
fn an_interrupted_upload_is_retried_and_completes() {
    let mut sshd = Sshd::start();
    let inbox = sshd.make_dir("inbox");
    let target = key_target(&sshd, &inbox);
    let big = data(16 * 1024 * 1024, 5);
    let small = b"iid,email\n".to_vec();

    let mut restarted = false;
    let sent = target
        .upload_blocking_with_progress(
            &[
                Upload::bytes("teachers.csv", small.clone()),
                Upload::bytes("students.csv", big.clone()),
            ],
            &mut |p| {
                if !restarted && p.name == "students.csv" && p.sent >= 1024 * 1024 {
                    restarted = true;
                    sshd.restart(); // kills every session, then listens again
                }
            },
        )
        .unwrap();
    assert!(restarted);
    // teachers.csv went in attempt 1 and was not sent again; students.csv needed attempt 2.
    assert_eq!(sent[0].name, "teachers.csv");
    assert_eq!(sent[0].attempts, 1);
    assert_eq!(sent[1].name, "students.csv");
    assert_eq!(sent[1].attempts, 2);
    assert_eq!(fs::read(inbox.join("students.csv")).unwrap(), big);
    assert_eq!(fs::read(inbox.join("teachers.csv")).unwrap(), small);
    assert_eq!(listing(&inbox), ["students.csv", "teachers.csv"]);
}
