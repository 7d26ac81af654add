//! The latency model, measured on real HTTP calls: per-call base, per-returned-user cost of list
//! calls, write latency, seeded jitter; the control endpoint and the binary's flags.

use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

use reqwest::Client;
use roster_google_emulator::{Auth, Emulator, EmulatorConfig, LatencyModel, RunningEmulator};
use serde_json::{Value, json};

fn start(model: LatencyModel, seed: u64, users: usize) -> RunningEmulator {
    let emu = Emulator::start(EmulatorConfig {
        domains: vec!["d118.org".into()],
        auth: Auth::Open,
        latency_model: Some(model),
        seed,
        ..Default::default()
    })
    .unwrap();
    for i in 0..users {
        emu.add_user(&json!({"primaryEmail": format!("s{i:04}@d118.org"),
            "name": {"givenName": "S", "familyName": format!("N{i}")}}))
            .unwrap();
    }
    emu
}

/// Time one GET; the answer must be 200.
async fn timed_get(c: &Client, url: &str) -> (Duration, Value) {
    let t = Instant::now();
    let resp = c.get(url).send().await.unwrap();
    assert_eq!(resp.status(), 200, "{url}");
    let v: Value = resp.json().await.unwrap();
    (t.elapsed(), v)
}

/// `d` is at least `expected` and at most `expected + slack`.
fn near(d: Duration, expected: Duration, slack_ms: u64, what: &str) {
    assert!(
        d >= expected && d <= expected + Duration::from_millis(slack_ms),
        "{what}: took {d:?}, model says {expected:?} (+{slack_ms} ms allowed)"
    );
}

#[tokio::test]
async fn list_calls_pay_per_returned_user_reads_and_writes_their_own_base() {
    let model = LatencyModel {
        base: Duration::from_millis(40),
        per_user: Duration::from_millis(1),
        write: Some(Duration::from_millis(150)),
        jitter_pct: 0,
    };
    let emu = start(model, 1, 300);
    let c = Client::new();
    let list = |n: u32| {
        format!(
            "{}/users?customer=my_customer&maxResults={n}",
            emu.base_url()
        )
    };

    let (small, v) = timed_get(&c, &list(10)).await;
    assert_eq!(v["users"].as_array().unwrap().len(), 10);
    near(small, Duration::from_millis(50), 150, "list of 10");
    let (big, v) = timed_get(&c, &list(300)).await;
    assert_eq!(v["users"].as_array().unwrap().len(), 300);
    near(big, Duration::from_millis(340), 200, "list of 300");
    assert!(
        big >= small + Duration::from_millis(250),
        "290 more users cost {:?}",
        big - small
    );

    let (get, _) = timed_get(&c, &format!("{}/users/s0001@d118.org", emu.base_url())).await;
    near(get, Duration::from_millis(40), 150, "users.get");

    let t = Instant::now();
    let resp = c
        .patch(format!("{}/users/s0001@d118.org", emu.base_url()))
        .json(&json!({"name": {"givenName": "T", "familyName": "N1"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    near(t.elapsed(), Duration::from_millis(150), 150, "users.patch");
    assert_eq!(emu.latency_model(), model);
}

/// Ten sequential `users.get` call times against an emulator seeded with `seed`.
async fn ten_delays(seed: u64) -> Vec<Duration> {
    let model = LatencyModel {
        base: Duration::from_millis(100),
        jitter_pct: 50,
        ..Default::default()
    };
    let emu = start(model, seed, 1);
    let c = Client::new();
    let url = format!("{}/users/s0000@d118.org", emu.base_url());
    let mut out = Vec::new();
    for _ in 0..10 {
        out.push(timed_get(&c, &url).await.0);
    }
    out
}

#[tokio::test]
async fn jitter_stays_in_band_varies_and_repeats_with_the_seed() {
    let a = ten_delays(7).await;
    let b = ten_delays(7).await;
    let other = ten_delays(8).await;
    for d in a.iter().chain(&b).chain(&other) {
        near(
            *d,
            Duration::from_millis(50),
            100 + 120,
            "jittered call (50-150 ms)",
        );
    }
    let spread = a
        .iter()
        .max()
        .unwrap()
        .saturating_sub(*a.iter().min().unwrap());
    assert!(spread >= Duration::from_millis(20), "no jitter seen: {a:?}");
    let diff = |x: &[Duration], y: &[Duration]| -> Duration {
        x.iter().zip(y).map(|(p, q)| p.abs_diff(*q)).sum()
    };
    let same = diff(&a, &b);
    let differ = diff(&a, &other);
    assert!(
        same < differ,
        "same seed {same:?} apart, other seed {differ:?} apart: {a:?} {b:?} {other:?}"
    );
    assert!(
        same < Duration::from_millis(200),
        "same seed {same:?} apart: {a:?} {b:?}"
    );
}

#[tokio::test]
async fn control_endpoint_sets_the_model_and_refuses_bad_values_whole() {
    let emu = start(LatencyModel::default(), 0, 50);
    let c = Client::new();
    let config = format!("{}/emulator/config", emu.root_url());
    let resp = c
        .post(&config)
        .json(
            &json!({"latency_ms": 20, "latency_per_user_us": 3000, "write_latency_ms": 90,
            "jitter_pct": 0}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["latency_per_user_us"], 3000);
    assert_eq!(v["write_latency_ms"], 90);
    let (d, _) = timed_get(
        &c,
        &format!("{}/users?customer=my_customer", emu.base_url()),
    )
    .await;
    near(
        d,
        Duration::from_millis(20 + 150),
        150,
        "list of 50 at 3 ms each",
    );

    for bad in [
        json!({"latency_ms": 5, "jitter_pct": 101}),
        json!({"latency_ms": -1}),
        json!({"latency_per_user_us": "lots"}),
    ] {
        let resp = c.post(&config).json(&bad).send().await.unwrap();
        assert_eq!(resp.status(), 400, "{bad}");
        let v: Value = resp.json().await.unwrap();
        assert!(
            v["error"]["message"].as_str().unwrap().contains("must be"),
            "{v}"
        );
    }
    assert_eq!(
        emu.latency_model(),
        LatencyModel {
            base: Duration::from_millis(20),
            per_user: Duration::from_millis(3),
            write: Some(Duration::from_millis(90)),
            jitter_pct: 0,
        }
    );
    emu.set_latency(Duration::from_millis(5));
    assert_eq!(
        emu.latency_model(),
        LatencyModel::constant(Duration::from_millis(5))
    );
}

#[test]
fn binary_profile_realistic_and_flags_that_override_it() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_directory-emulator"))
        .args([
            "--port",
            "0",
            "--open",
            "--profile",
            "realistic",
            "--latency-ms",
            "30",
            "--jitter-pct",
            "0",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = lines.next().unwrap().unwrap();
    let base = base.strip_prefix("base_url ").unwrap().to_string();
    let root = base.trim_end_matches("/admin/directory/v1").to_string();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let c = Client::new();
        let (_, v) = timed_get(&c, &format!("{root}/emulator/config")).await;
        assert_eq!(v["latency_ms"], 30);
        assert_eq!(v["latency_per_user_us"], 2000);
        assert_eq!(v["write_latency_ms"], 250);
        assert_eq!(v["jitter_pct"], 0);
        let (d, _) = timed_get(&c, &format!("{base}/users?customer=my_customer")).await;
        near(
            d,
            Duration::from_millis(30),
            150,
            "empty list at --latency-ms 30",
        );
    });
    let _ = child.kill();
    let _ = child.wait();

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_directory-emulator"))
        .args(["--port", "0", "--jitter-pct", "101"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--jitter-pct"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
