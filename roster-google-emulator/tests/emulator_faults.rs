//! Quota, injected faults (503, 429, dropped connections), latency, runtime knobs, and the
//! `directory-emulator` binary.

use std::io::{BufRead, BufReader, Read, Write};
use std::time::{Duration, Instant};

use reqwest::Client;
use roster_google_emulator::{
    Auth, Emulator, EmulatorConfig, Faults, OverQuota, Quota, RunningEmulator, grpc_status,
};
use serde_json::{Value, json};

fn open(config: EmulatorConfig) -> RunningEmulator {
    Emulator::start(EmulatorConfig {
        domains: vec!["d118.org".into()],
        auth: Auth::Open,
        ..config
    })
    .unwrap()
}

async fn status_of(c: &Client, url: &str, token: Option<&str>) -> Result<(u16, Value), String> {
    let mut req = c.get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    Ok((status, resp.json().await.unwrap_or(Value::Null)))
}

fn error_json(code: u16, reason: &str, message: &str) -> Value {
    let domain = match reason {
        "userRateLimitExceeded" | "rateLimitExceeded" | "quotaExceeded" => "usageLimits",
        _ => "global",
    };
    json!({"error": {"code": code, "message": message, "status": grpc_status(code),
        "errors": [{"domain": domain, "reason": reason, "message": message}]}})
}

const QUOTA_MESSAGE: &str = "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' of service 'admin.googleapis.com' for consumer 'project_number:000000000000'.";

#[tokio::test]
async fn quota_per_user_answers_403_or_429() {
    let emu = Emulator::start(EmulatorConfig {
        domains: vec!["d118.org".into()],
        quota: Some(Quota {
            per_minute: 60,
            burst: 3,
            over_quota: OverQuota::Forbidden,
        }),
        ..Default::default()
    })
    .unwrap();
    let a = emu.issue_access_token("admin@d118.org");
    let b = emu.issue_access_token("other-admin@d118.org");
    let c = Client::new();
    let url = format!("{}/users?customer=my_customer", emu.base_url());
    for _ in 0..3 {
        assert_eq!(status_of(&c, &url, Some(&a)).await.unwrap().0, 200);
    }
    let (s, body) = status_of(&c, &url, Some(&a)).await.unwrap();
    assert_eq!(s, 403);
    assert_eq!(
        body,
        error_json(403, "userRateLimitExceeded", QUOTA_MESSAGE)
    );
    // another user has a bucket of its own
    assert_eq!(status_of(&c, &url, Some(&b)).await.unwrap().0, 200);

    // 429 variant; set_quota refills the buckets
    emu.set_quota(Some(Quota {
        per_minute: 600,
        burst: 1,
        over_quota: OverQuota::TooManyRequests,
    }));
    assert_eq!(status_of(&c, &url, Some(&a)).await.unwrap().0, 200);
    let (s, body) = status_of(&c, &url, Some(&a)).await.unwrap();
    assert_eq!(s, 429);
    assert_eq!(body, error_json(429, "rateLimitExceeded", QUOTA_MESSAGE));
    // refill at 10/s
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(status_of(&c, &url, Some(&a)).await.unwrap().0, 200);
    assert_eq!(emu.events()["overQuota"], 2);

    // quota over HTTP config, then off
    let resp = c
        .post(format!("{}/emulator/config", emu.root_url()))
        .json(&json!({"quota": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    for _ in 0..10 {
        assert_eq!(status_of(&c, &url, Some(&a)).await.unwrap().0, 200);
    }
}

#[tokio::test]
async fn injected_503_429_and_dropped_connections() {
    let emu = open(EmulatorConfig::default());
    let c = Client::new();
    let url = format!("{}/users?customer=my_customer", emu.base_url());

    emu.set_faults(Faults {
        backend_error: 1.0,
        ..Default::default()
    });
    let (s, body) = status_of(&c, &url, None).await.unwrap();
    assert_eq!(s, 503);
    assert_eq!(body, error_json(503, "backendError", "Backend Error"));

    emu.set_faults(Faults {
        too_many_requests: 1.0,
        ..Default::default()
    });
    let (s, body) = status_of(&c, &url, None).await.unwrap();
    assert_eq!(s, 429);
    assert_eq!(body["error"]["errors"][0]["reason"], "rateLimitExceeded");

    emu.set_faults(Faults {
        drop_connection: 1.0,
        ..Default::default()
    });
    let err = status_of(&c, &url, None).await.unwrap_err();
    assert!(!err.is_empty());
    // at the socket level: the connection closes without a single response byte
    let addr = emu.addr();
    let raw = tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(
            b"GET /admin/directory/v1/users?customer=my_customer HTTP/1.1\r\nHost: x\r\n\r\n",
        )
        .unwrap();
        let mut buf = Vec::new();
        let r = s.read_to_end(&mut buf);
        (
            r.is_ok()
                || r.as_ref()
                    .is_err_and(|e| e.kind() == std::io::ErrorKind::ConnectionReset),
            buf,
        )
    })
    .await
    .unwrap();
    assert!(raw.0, "closed (EOF or reset), not timed out");
    assert!(
        raw.1.is_empty(),
        "no response bytes: {:?}",
        String::from_utf8_lossy(&raw.1)
    );

    // runtime change over HTTP
    let resp = c
        .post(format!("{}/emulator/config", emu.root_url()))
        .json(&json!({"faults": {"backend_error": 0.0}, "latency_ms": 0}))
        .send()
        .await
        .unwrap();
    let cfg: Value = resp.json().await.unwrap();
    assert_eq!(cfg["faults"]["drop_connection"], 0.0);
    assert_eq!(status_of(&c, &url, None).await.unwrap().0, 200);

    let events = emu.events();
    assert_eq!(events["backendError"], 1);
    assert_eq!(events["tooManyRequests"], 1);
    assert!(events["dropped"] >= 2, "{events:?}");
    // faulted calls count as calls
    assert!(emu.counters()["users.list"] >= 5);
    assert_eq!(emu.write_calls(), 0);
}

async fn fault_sequence(seed: u64) -> Vec<u16> {
    let emu = open(EmulatorConfig {
        seed,
        faults: Faults {
            backend_error: 0.3,
            too_many_requests: 0.2,
            drop_connection: 0.0,
        },
        ..Default::default()
    });
    let c = Client::new();
    let url = format!("{}/users?customer=my_customer", emu.base_url());
    let mut out = Vec::new();
    for _ in 0..60 {
        out.push(status_of(&c, &url, None).await.unwrap().0);
    }
    out
}

#[tokio::test]
async fn faults_are_deterministic_for_a_seed_and_follow_the_rates() {
    let a = fault_sequence(42).await;
    let b = fault_sequence(42).await;
    let other = fault_sequence(43).await;
    assert_eq!(a, b);
    assert_ne!(a, other);
    let n503 = a.iter().filter(|s| **s == 503).count();
    let n429 = a.iter().filter(|s| **s == 429).count();
    let n200 = a.iter().filter(|s| **s == 200).count();
    assert_eq!(n503 + n429 + n200, 60);
    assert!((6..=30).contains(&n503), "{n503} of 60 at 30%");
    assert!((3..=24).contains(&n429), "{n429} of 60 at 20%");
}

#[tokio::test]
async fn concurrency_limit_answers_403_quota_exceeded() {
    let emu = open(EmulatorConfig {
        latency: Duration::from_millis(300),
        max_concurrent_per_user: Some(2),
        ..Default::default()
    });
    let c = Client::new();
    let url = format!("{}/users?customer=my_customer", emu.base_url());
    let calls: Vec<_> = (0..4)
        .map(|_| {
            let c = c.clone();
            let url = url.clone();
            tokio::spawn(async move { status_of(&c, &url, None).await.unwrap() })
        })
        .collect();
    let mut results = Vec::new();
    for h in calls {
        results.push(h.await.unwrap());
    }
    let ok = results.iter().filter(|(s, _)| *s == 200).count();
    let limited: Vec<&Value> = results
        .iter()
        .filter(|(s, _)| *s == 403)
        .map(|(_, b)| b)
        .collect();
    assert_eq!(ok, 2, "{results:?}");
    assert_eq!(limited.len(), 2);
    assert_eq!(limited[0]["error"]["errors"][0]["reason"], "quotaExceeded");
    assert_eq!(emu.events()["concurrencyExceeded"], 2);
    // slots are released: sequential calls pass
    emu.set_latency(Duration::ZERO);
    for _ in 0..3 {
        assert_eq!(status_of(&c, &url, None).await.unwrap().0, 200);
    }
    emu.set_max_concurrent(None);
}

#[tokio::test]
async fn latency_is_added_and_changeable() {
    let emu = open(EmulatorConfig {
        latency: Duration::from_millis(60),
        ..Default::default()
    });
    let c = Client::new();
    let url = format!("{}/users?customer=my_customer", emu.base_url());
    let t = Instant::now();
    assert_eq!(status_of(&c, &url, None).await.unwrap().0, 200);
    assert!(t.elapsed() >= Duration::from_millis(60));
    emu.set_latency(Duration::ZERO);
    let t = Instant::now();
    for _ in 0..5 {
        status_of(&c, &url, None).await.unwrap();
    }
    assert!(t.elapsed() < Duration::from_millis(300));
}

#[test]
fn binary_serves_and_saves_state_on_interrupt() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_directory-emulator"))
        .args([
            "--port", "0", "--open", "--domain", "d118.org", "--seed", "1",
        ])
        .arg("--state")
        .arg(&state)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = lines.next().unwrap().unwrap();
    let base = base.strip_prefix("base_url ").unwrap().to_string();
    let token_line = lines.next().unwrap().unwrap();
    assert!(token_line.starts_with("token_url http://127.0.0.1:"));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let c = Client::new();
        let resp = c
            .post(format!("{base}/customer/my_customer/orgunits"))
            .json(&json!({"name": "Students", "parentOrgUnitPath": "/"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let resp = c
            .post(format!("{base}/users"))
            .json(
                &json!({"primaryEmail": "a@d118.org", "orgUnitPath": "/Students",
                "name": {"givenName": "A", "familyName": "B"}, "password": "12345678"}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
    });
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
    let saved: Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    assert_eq!(
        saved["users"]["a@d118.org"]["data"]["orgUnitPath"],
        "/Students"
    );
    assert_eq!(saved["domains"], json!(["d118.org"]));
}
