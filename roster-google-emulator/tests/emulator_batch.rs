//! The batch endpoint over real HTTP: multipart/mixed in and out, `Content-ID: response-<id>`,
//! each inner call counted and charged to quota, Google's limit of 1000 calls.

use reqwest::Client;
use roster_google_emulator::{Emulator, EmulatorConfig, Quota, RunningEmulator};
use serde_json::{Value, json};

const ADMIN: &str = "admin@d118.org";

fn start() -> RunningEmulator {
    let emu = Emulator::start(EmulatorConfig {
        domains: vec!["d118.org".into()],
        ..Default::default()
    })
    .expect("start emulator");
    emu.add_org_unit("/Students").unwrap();
    emu
}

/// A batch body: (method, path, body) per part, Content-IDs `<b+1>`, `<b+2>`, ...
fn batch_body(calls: &[(&str, String, Option<Value>)]) -> String {
    let mut out = String::new();
    for (i, (method, path, body)) in calls.iter().enumerate() {
        out.push_str("--XyZ\r\nContent-Type: application/http\r\n");
        out.push_str(&format!("Content-ID: <b+{}>\r\n\r\n", i + 1));
        out.push_str(&format!("{method} /admin/directory/v1/{path} HTTP/1.1\r\n"));
        match body {
            Some(b) => out.push_str(&format!("Content-Type: application/json\r\n\r\n{b}\r\n")),
            None => out.push_str("\r\n\r\n"),
        }
    }
    out.push_str("--XyZ--\r\n");
    out
}

/// Send a batch; returns the status and, per response part, (Content-ID, status, JSON body).
async fn send(
    emu: &RunningEmulator,
    token: &str,
    body: String,
) -> (u16, Vec<(String, u16, Value)>) {
    let resp = Client::new()
        .post(format!("{}/batch/admin/directory_v1", emu.root_url()))
        .bearer_auth(token)
        .header("content-type", "multipart/mixed; boundary=XyZ")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let ct = resp.headers()["content-type"].to_str().unwrap().to_string();
    let text = resp.text().await.unwrap();
    let Some(boundary) = ct.strip_prefix("multipart/mixed; boundary=") else {
        return (
            status,
            vec![(String::new(), status, serde_json::from_str(&text).unwrap())],
        );
    };
    let mut parts = Vec::new();
    for chunk in text.split(&format!("--{boundary}")).skip(1) {
        if chunk.starts_with("--") {
            break;
        }
        let (head, http) = chunk.split_once("\r\n\r\n").unwrap();
        let id = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-ID: "))
            .unwrap_or("")
            .to_string();
        let (resp_head, body) = http.split_once("\r\n\r\n").unwrap();
        let code: u16 = resp_head
            .split_whitespace()
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let body = body.trim_end();
        parts.push((id, code, serde_json::from_str(body).unwrap_or(Value::Null)));
    }
    (status, parts)
}

fn user(n: usize) -> Value {
    json!({"primaryEmail": format!("u{n}@d118.org"), "password": "correct horse",
        "name": {"givenName": "G", "familyName": "F"}, "orgUnitPath": "/Students"})
}

#[tokio::test]
async fn batch_runs_each_part_as_a_counted_api_call() {
    let emu = start();
    let token = emu.issue_access_token(ADMIN);
    let mut calls: Vec<(&str, String, Option<Value>)> = (0..3)
        .map(|n| ("POST", "users".to_string(), Some(user(n))))
        .collect();
    calls.push(("GET", "users/u1%40d118.org?projection=full".into(), None));
    calls.push((
        "PATCH",
        "users/u2@d118.org".into(),
        Some(json!({"suspended": true})),
    ));
    calls.push(("GET", "users/nobody@d118.org".into(), None));
    // Google runs the parts in any order (and so does the emulator): the users the later
    // parts name are made by a first batch.
    let (status, made) = send(&emu, &token, batch_body(&calls[..3])).await;
    assert_eq!(status, 200);
    assert!(made.iter().all(|p| p.1 == 200), "{made:?}");
    calls.push(("POST", "users".into(), Some(user(0))));
    let (status, parts) = send(&emu, &token, batch_body(&calls[3..])).await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = parts.iter().map(|p| p.0.as_str()).collect();
    let want: Vec<String> = (1..=4).map(|i| format!("<response-b+{i}>")).collect();
    assert_eq!(ids, want);
    let codes: Vec<u16> = parts.iter().map(|p| p.1).collect();
    assert_eq!(
        codes,
        vec![200, 200, 404, 409],
        "answers in the parts' order"
    );
    assert_eq!(parts[0].2["primaryEmail"], "u1@d118.org");
    assert_eq!(parts[1].2["suspended"], true);
    assert_eq!(parts[2].2["error"]["status"], "NOT_FOUND");
    assert_eq!(emu.users().len(), 3);
    // each inner call counts like a call of its own
    let c = emu.counters();
    assert_eq!(
        (c["users.insert"], c["users.get"], c["users.patch"]),
        (4, 2, 1)
    );
    assert_eq!(emu.total_calls(), 7);
    assert_eq!(emu.events()["batchRequests"], 2);

    // no token (neither on the batch nor on the part): each part is a 401
    let (_, parts) = send(&emu, "ya29.nothing", batch_body(&calls[3..4])).await;
    assert_eq!(parts[0].1, 401);
}

#[tokio::test]
async fn batch_parts_are_charged_to_quota_and_over_1000_calls_is_a_400() {
    let emu = start();
    emu.set_quota(Some(Quota {
        burst: 5,
        ..Quota::per_minute(60)
    }));
    let token = emu.issue_access_token(ADMIN);
    let calls: Vec<(&str, String, Option<Value>)> = (0..8)
        .map(|n| ("POST", "users".to_string(), Some(user(n))))
        .collect();
    let (_, parts) = send(&emu, &token, batch_body(&calls)).await;
    let mut codes: Vec<u16> = parts.iter().map(|p| p.1).collect();
    codes.sort_unstable();
    assert_eq!(
        codes,
        vec![200, 200, 200, 200, 200, 403, 403, 403],
        "5 in the bucket"
    );
    let refused = parts.iter().find(|p| p.1 == 403).unwrap();
    assert_eq!(
        refused.2["error"]["errors"][0]["reason"],
        "userRateLimitExceeded"
    );
    assert_eq!(emu.users().len(), 5);

    emu.set_quota(None);
    let many: Vec<(&str, String, Option<Value>)> = (0..1001)
        .map(|_| ("GET", "users/u1@d118.org".to_string(), None))
        .collect();
    let (status, parts) = send(&emu, &token, batch_body(&many)).await;
    assert_eq!(status, 400);
    assert_eq!(parts[0].2["error"]["errors"][0]["reason"], "invalid");
    let (status, parts) = send(&emu, &token, batch_body(&many[..1000])).await;
    assert_eq!((status, parts.len()), (200, 1000));
}
