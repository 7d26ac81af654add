//! Does the batch endpoint help roster's bulk writes? Measured against the emulator, whose
//! batch runs every part as an API call of its own (counted, charged to quota, with its own
//! latency), as Google's does: 300 `users.patch` calls sent one by one through
//! `DirectoryClient` (its rate limiter and in-flight cap) versus in batches of 100.
//!
//! The figures printed here are in docs/RELIABILITY.md ("Batch requests"). What the test
//! asserts is what holds on any machine: under a per-user quota a batch cannot finish sooner
//! than the quota allows, and it saves HTTP requests, not API calls.

mod client_support;

use std::time::{Duration, Instant};

use client_support::*;
use roster_google::client::{ClientConfig, User};
use roster_google_emulator::{Quota, RunningEmulator};

const N: usize = 300;
const LATENCY: Duration = Duration::from_millis(20);

fn seed(emu: &RunningEmulator) {
    emu.add_org_unit("/S").unwrap();
    for n in 0..N {
        add_user(emu, &format!("u{n}@{DOMAIN}"), "G", "F", "/S");
    }
}

/// One by one through the client: (elapsed, HTTP requests).
async fn one_by_one(emu: &RunningEmulator, rate_per_second: f64, burst: u32) -> (Duration, u64) {
    let c = client_with(
        emu,
        ClientConfig {
            rate_per_second,
            burst,
            max_in_flight: 10,
            retry_writes: true,
            ..config(emu)
        },
    );
    let patch = User {
        suspended: Some(true),
        ..User::default()
    };
    let started = Instant::now();
    let results = futures::future::join_all((0..N).map(|n| {
        let (c, patch) = (c.clone(), patch.clone());
        async move { c.patch_user(&format!("u{n}@{DOMAIN}"), &patch).await }
    }))
    .await;
    assert!(results.iter().all(Result::is_ok), "every patch lands");
    (started.elapsed(), c.api_calls())
}

/// In batches of up to 100 parts; parts refused for quota go into the next batch after a
/// short wait: (elapsed, HTTP requests, inner calls).
async fn batched(emu: &RunningEmulator) -> (Duration, u64, u64) {
    let token = emu.issue_access_token(ADMIN);
    let http = reqwest::Client::new();
    let mut pending: Vec<usize> = (0..N).collect();
    let (mut requests, mut inner) = (0u64, 0u64);
    let started = Instant::now();
    while !pending.is_empty() {
        let chunk: Vec<usize> = pending.drain(..pending.len().min(100)).collect();
        let mut body = String::new();
        for n in &chunk {
            body.push_str(&format!(
                "--b\r\nContent-Type: application/http\r\nContent-ID: <m+{n}>\r\n\r\n\
                 PATCH /admin/directory/v1/users/u{n}@{DOMAIN} HTTP/1.1\r\n\
                 Content-Type: application/json\r\n\r\n{{\"suspended\":false}}\r\n"
            ));
        }
        body.push_str("--b--\r\n");
        let resp = http
            .post(format!("{}/batch/admin/directory_v1", emu.root_url()))
            .bearer_auth(&token)
            .header("content-type", "multipart/mixed; boundary=b")
            .body(body)
            .send()
            .await
            .unwrap();
        requests += 1;
        inner += chunk.len() as u64;
        let text = resp.text().await.unwrap();
        // Each part's status line is "HTTP/1.1 NNN ...", in the parts' order.
        let statuses: Vec<u16> = text
            .lines()
            .filter_map(|l| l.strip_prefix("HTTP/1.1 "))
            .map(|l| l[..3].parse().unwrap())
            .collect();
        assert_eq!(statuses.len(), chunk.len());
        let refused: Vec<usize> = chunk
            .iter()
            .zip(&statuses)
            .filter(|(_, s)| **s != 200)
            .map(|(n, _)| *n)
            .collect();
        if !refused.is_empty() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        pending.extend(refused);
    }
    (started.elapsed(), requests, inner)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batching_saves_requests_but_not_quota_bound_time() {
    // Under a per-user quota of 100 calls/s (burst 20), as roster runs against Google.
    let emu = emulator();
    seed(&emu);
    emu.set_latency(LATENCY);
    emu.set_quota(Some(Quota {
        burst: 20,
        ..Quota::per_minute(6000)
    }));
    let (single, single_requests) = one_by_one(&emu, 100.0, 20).await;
    emu.set_quota(Some(Quota {
        burst: 20,
        ..Quota::per_minute(6000)
    }));
    emu.reset_counters();
    let (batch, batch_requests, batch_inner) = batched(&emu).await;
    let refused = emu.events().get("overQuota").copied().unwrap_or(0);
    let floor = Duration::from_secs_f64((N - 20) as f64 / 100.0 * 0.9);
    eprintln!(
        "quota 100/s, {LATENCY:?} latency, {N} patches: one by one {single:?} \
         ({single_requests} requests); batched {batch:?} ({batch_requests} requests, \
         {batch_inner} inner calls, {refused} refused for quota)"
    );
    assert!(single >= floor && batch >= floor, "nothing beats the quota");
    assert!(batch_inner >= N as u64, "every part is a call");

    // Without a quota, latency-bound: batching saves round trips.
    emu.set_quota(None);
    let (single_free, single_free_requests) = one_by_one(&emu, 10_000.0, 1000).await;
    let (batch_free, batch_free_requests, _) = batched(&emu).await;
    eprintln!(
        "no quota, {LATENCY:?} latency, {N} patches: one by one (10 in flight) {single_free:?} \
         ({single_free_requests} requests); batched {batch_free:?} ({batch_free_requests} requests)"
    );
    assert_eq!(batch_free_requests, 3);
    assert_eq!(single_free_requests, N as u64);
}
