//! The emulator's own cost of a `users.list` call (no added latency) at N users:
//! `cargo run --release -p roster-google-emulator --example list_cost -- [N]` (100,000).
//!
//! Seeds N users under `/Students` (one in 20 directly in `/Students`, the rest in 13 grade
//! OUs) and 500 in `/Suspended`, then times, one call at a time over HTTP, `maxResults=500`,
//! `projection=full`, `orderBy=email`: the first page of each `email:X*` partition of
//! `/Students` (as roster's partitioned read asks), the second page of those that have one
//! (a page token), a page chain of `/Students`, and the first page of `/Suspended`.

use std::time::Instant;

use roster_google_emulator::{Auth, Emulator, EmulatorConfig};
use serde_json::{Value, json};

const PREFIXES: &str = "abcdefghijklmnopqrstuvwxyz0123456789-_";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = match std::env::args().nth(1) {
        Some(a) => a.parse()?,
        None => 100_000,
    };
    let emu = Emulator::start(EmulatorConfig {
        domains: vec!["x.edu".into()],
        auth: Auth::Open,
        ..Default::default()
    })?;
    for g in 0..13 {
        emu.add_org_unit(&format!("/Students/Grade {g}"))?;
    }
    emu.add_org_unit("/Suspended")?;
    let t = Instant::now();
    // A fixed pseudo-random sequence (first letters skewed like names: a few letters common).
    let mut x: u64 = 118;
    let mut next = || {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (x >> 33) as usize
    };
    let common = b"jmsakcdelrt";
    for i in 0..n + 500 {
        let first = if next() % 2 == 0 {
            common[next() % common.len()]
        } else {
            b'a' + (next() % 26) as u8
        } as char;
        let rest: String = (0..7)
            .map(|_| (b'a' + (next() % 26) as u8) as char)
            .collect();
        let ou = if i >= n {
            "/Suspended".to_string()
        } else if i % 20 == 0 {
            "/Students".to_string()
        } else {
            format!("/Students/Grade {}", i % 13)
        };
        emu.add_user(&json!({
            "primaryEmail": format!("{first}{rest}{i}@x.edu"),
            "name": {"givenName": "Given", "familyName": "Family"},
            "orgUnitPath": ou,
            "suspended": i >= n,
        }))?;
    }
    eprintln!(
        "seeded {} users in {:.1} s",
        n + 500,
        t.elapsed().as_secs_f64()
    );

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let client = reqwest::Client::new();
        let url = format!("{}/users", emu.base_url());
        let list = |query: String, token: Option<String>| {
            let client = client.clone();
            let url = url.clone();
            async move {
                let mut q = vec![
                    ("customer", "my_customer".to_string()),
                    ("maxResults", "500".into()),
                    ("projection", "full".into()),
                    ("orderBy", "email".into()),
                    ("query", query),
                ];
                if let Some(t) = token {
                    q.push(("pageToken", t));
                }
                let t = Instant::now();
                let v: Value = client.get(&url).query(&q).send().await?.json().await?;
                let users = v["users"].as_array().map_or(0, Vec::len);
                let next = v["nextPageToken"].as_str().map(str::to_string);
                Ok::<_, reqwest::Error>((t.elapsed().as_secs_f64() * 1000.0, users, next))
            }
        };
        let report = |what: &str, ms: &[f64], users: usize| {
            let total: f64 = ms.iter().sum();
            println!(
                "{what}: {} calls, {users} users, {:.2} ms per call, {:.1} us per returned user",
                ms.len(),
                total / ms.len().max(1) as f64,
                total * 1000.0 / users.max(1) as f64
            );
        };
        let (mut first, mut second) = (Vec::new(), Vec::new());
        let (mut first_users, mut second_users) = (0, 0);
        for p in PREFIXES.chars() {
            let q = format!("orgUnitPath='/Students' email:{p}*");
            let (ms, users, next) = list(q.clone(), None).await?;
            first.push(ms);
            first_users += users;
            if let Some(token) = next {
                let (ms, users, _) = list(q, Some(token)).await?;
                second.push(ms);
                second_users += users;
            }
        }
        report("partition first pages", &first, first_users);
        report("partition second pages (page token)", &second, second_users);
        let (mut chain, mut chain_users, mut token) = (Vec::new(), 0, None);
        for _ in 0..20 {
            let (ms, users, next) = list("orgUnitPath='/Students'".into(), token).await?;
            chain.push(ms);
            chain_users += users;
            token = next;
            if token.is_none() {
                break;
            }
        }
        report(
            "page chain of /Students (first 20 pages)",
            &chain,
            chain_users,
        );
        let (ms, users, _) = list("orgUnitPath='/Suspended'".into(), None).await?;
        report("first page of /Suspended", &[ms], users);
        Ok::<_, reqwest::Error>(())
    })?;
    Ok(())
}
