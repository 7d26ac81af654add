//! Retries, rate limiting and bounded concurrency against the emulator's fault injection and
//! quota.

mod client_support;

use std::time::{Duration, Instant};

use client_support::*;
use roster_google::client::{ClientConfig, ListUsers, Projection, User, ou_query};
use roster_google_emulator::{Faults, OverQuota, Quota};

fn seed(emu: &roster_google_emulator::RunningEmulator, n: usize) {
    emu.add_org_unit("/Students").unwrap();
    for i in 0..n {
        add_user(emu, &format!("s{i:04}@d118.org"), "S", "T", "/Students");
    }
}

#[tokio::test]
async fn reads_succeed_under_injected_503_429_and_dropped_connections() {
    let emu = emulator();
    seed(&emu, 30);
    let c = client(&emu);
    emu.set_faults(Faults {
        backend_error: 0.1,
        too_many_requests: 0.1,
        drop_connection: 0.05,
    });
    let small_pages = ListUsers {
        query: Some(ou_query("/Students")),
        max_results: 3,
        ..ListUsers::default()
    };
    for _ in 0..3 {
        let users = c.list_users(&small_pages).await.unwrap();
        assert_eq!(users.len(), 30);
    }
    for i in 0..30 {
        let u = c
            .get_user(&format!("s{i:04}@d118.org"), &Projection::Basic, None)
            .await
            .unwrap();
        assert!(u.id.is_some());
    }
    let events = emu.events();
    let injected = ["backendError", "tooManyRequests", "dropped"]
        .iter()
        .map(|k| events.get(*k).copied().unwrap_or(0))
        .sum::<u64>();
    assert!(
        events.get("backendError").copied().unwrap_or(0) > 0
            && events.get("tooManyRequests").copied().unwrap_or(0) > 0
            && events.get("dropped").copied().unwrap_or(0) > 0,
        "every fault kind was injected: {events:?}"
    );
    assert_eq!(
        c.retries(),
        injected,
        "each injected fault was retried once"
    );
    assert_eq!(c.api_calls(), emu.total_calls());
}

#[tokio::test]
async fn writes_are_not_retried_inside_the_client_and_come_back_retryable() {
    let emu = emulator();
    seed(&emu, 1);
    let c = client(&emu);
    emu.set_faults(Faults {
        backend_error: 1.0,
        ..Faults::default()
    });
    emu.reset_counters();
    let e = c
        .patch_user(
            "s0000@d118.org",
            &User {
                suspended: Some(true),
                ..User::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        (e.status, e.reason.as_str(), e.retryable),
        (503, "backendError", true)
    );
    assert_eq!(
        counter(&emu, "users.patch"),
        1,
        "one attempt: the engine owns write retries"
    );

    // ... unless asked to.
    emu.set_faults(Faults::default());
    let cfg = ClientConfig {
        retry_writes: true,
        ..config(&emu)
    };
    let c = client_with(&emu, cfg);
    emu.set_faults(Faults {
        backend_error: 0.5,
        ..Faults::default()
    });
    for _ in 0..5 {
        c.patch_user(
            "s0000@d118.org",
            &User {
                suspended: Some(true),
                ..User::default()
            },
        )
        .await
        .unwrap();
    }
    assert!(c.retries() > 0);
}

#[tokio::test]
async fn a_read_gives_up_after_max_attempts() {
    let emu = emulator();
    seed(&emu, 1);
    let c = client(&emu);
    emu.set_faults(Faults {
        too_many_requests: 1.0,
        ..Faults::default()
    });
    emu.reset_counters();
    let e = c
        .get_user("s0000@d118.org", &Projection::Basic, None)
        .await
        .unwrap_err();
    assert_eq!((e.status, e.retryable), (429, true));
    assert_eq!(
        counter(&emu, "users.get"),
        u64::from(fast_retry().max_attempts)
    );
}

#[tokio::test]
async fn the_rate_limiter_keeps_under_the_servers_quota() {
    let emu = emulator();
    seed(&emu, 1);
    // The server allows 600/min (10/s) with a burst of 5; the client runs just under it
    // (9/s, burst 4), the margin absorbing network jitter between the two buckets.
    emu.set_quota(Some(Quota {
        per_minute: 600,
        burst: 5,
        over_quota: OverQuota::Forbidden,
    }));
    let cfg = ClientConfig {
        rate_per_second: 9.0,
        burst: 4,
        ..config(&emu)
    };
    let c = client_with(&emu, cfg);
    let started = Instant::now();
    let calls = 25;
    let tasks: Vec<_> = (0..calls)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move {
                c.get_user("s0000@d118.org", &Projection::Basic, None)
                    .await
                    .map(|_| ())
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let elapsed = started.elapsed();
    // 4 at once, then 21 more at 9/s: about 2.3 s.
    assert!(elapsed >= Duration::from_millis(2200), "paced: {elapsed:?}");
    assert_eq!(
        emu.events().get("overQuota").copied().unwrap_or(0),
        0,
        "never over the server's quota"
    );
    assert_eq!(c.retries(), 0);
}

#[tokio::test]
async fn over_quota_403_is_retried_with_backoff() {
    let emu = emulator();
    seed(&emu, 1);
    emu.set_quota(Some(Quota {
        per_minute: 1200,
        burst: 2,
        over_quota: OverQuota::Forbidden,
    }));
    // The client is configured far above the server's quota: it gets 403
    // userRateLimitExceeded and backs off until the bucket refills.
    let c = client(&emu);
    for _ in 0..10 {
        c.get_user("s0000@d118.org", &Projection::Basic, None)
            .await
            .unwrap();
    }
    assert!(emu.events().get("overQuota").copied().unwrap_or(0) > 0);
    assert!(c.retries() > 0);
}

#[tokio::test]
async fn concurrency_is_bounded() {
    let emu = emulator();
    seed(&emu, 1);
    emu.set_latency(Duration::from_millis(100));
    let cfg = ClientConfig {
        max_in_flight: 2,
        ..config(&emu)
    };
    let c = client_with(&emu, cfg);
    let started = Instant::now();
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move {
                c.get_user("s0000@d118.org", &Projection::Basic, None)
                    .await
                    .map(|_| ())
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    // 6 calls of 100 ms, 2 at a time: at least 300 ms.
    assert!(
        started.elapsed() >= Duration::from_millis(290),
        "{:?}",
        started.elapsed()
    );
}
