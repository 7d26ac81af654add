//! `users.list` from the list index (email-ordered ranges, the OU index) returns what a walk
//! over every user in email order returned: each query below is paged over HTTP and compared
//! with `parse_query` + `matches` applied to every stored user, in ascending and descending
//! order, including while users are renamed, moved, deleted and given aliases mid-listing.

use reqwest::Client;
use roster_google_emulator::{
    Auth, Emulator, EmulatorConfig, RunningEmulator, matches, parse_query,
};
use serde_json::{Value, json};

const OUS: [&str; 6] = [
    "/Students",
    "/Students/HS",
    "/Students/HS/Grade 9",
    "/Students HS",
    "/Students/MS",
    "/Staff",
];

const QUERIES: [&str; 14] = [
    "",
    "orgUnitPath='/Students'",
    "orgUnitPath='/Students/HS'",
    "orgUnitPath='/students/hs/grade 9'",
    "orgUnitPath='/Students HS'",
    "orgUnitPath='/'",
    "orgUnitPath='/Nowhere'",
    "orgUnitPath='/Students' email:a*",
    "orgUnitPath='/Students' email:1*",
    "orgUnitPath='/Students/HS' email:ab*",
    "email:b*",
    "email:_",
    "orgUnitPath='/Students' isSuspended=true",
    "orgUnitPath='/Students' email:q*",
];

/// 400 users over the OUs (users at the non-leaf `/Students` and `/Students/HS` too), first
/// characters from letters, digits, `-` and `_`; every 9th suspended; 20 with an alias that
/// starts with another character than their address.
fn start() -> RunningEmulator {
    let emu = Emulator::start(EmulatorConfig {
        domains: vec!["x.edu".into()],
        auth: Auth::Open,
        ..Default::default()
    })
    .expect("start emulator");
    for ou in OUS {
        emu.add_org_unit(ou).unwrap();
    }
    let firsts: Vec<char> = "abcdefghijklmnoprstuvwxyz0123456789-_".chars().collect();
    let mut x: u64 = 7;
    for i in 0..400usize {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1442695040888963407);
        let first = firsts[(x >> 33) as usize % firsts.len()];
        let second = (b'a' + ((x >> 40) % 3) as u8) as char;
        let email = format!("{first}{second}{i}@x.edu");
        emu.add_user(&json!({
            "primaryEmail": email,
            "name": {"givenName": "G", "familyName": "F"},
            "orgUnitPath": OUS[i % OUS.len()],
            "suspended": i % 9 == 0,
        }))
        .unwrap();
        if i % 20 == 0 {
            emu.add_alias(&email, &format!("b-alias{i}@x.edu")).unwrap();
        }
    }
    emu
}

/// What a walk over every user in email order returns for `query`.
fn walk(emu: &RunningEmulator, query: &str, descending: bool) -> Vec<String> {
    let st = emu.state();
    let clauses = parse_query(&st, query).unwrap();
    let mut keys: Vec<String> = st
        .users
        .iter()
        .filter(|(_, u)| matches(u, &clauses))
        .map(|(k, _)| k.clone())
        .collect();
    if descending {
        keys.reverse();
    }
    keys
}

/// One page: the lower-cased addresses and the next page token.
async fn page(
    c: &Client,
    emu: &RunningEmulator,
    query: &str,
    descending: bool,
    token: Option<&str>,
) -> (Vec<String>, Option<String>) {
    let mut q = vec![
        ("customer", "my_customer"),
        ("maxResults", "7"),
        ("orderBy", "email"),
        ("query", query),
    ];
    if descending {
        q.push(("sortOrder", "DESCENDING"));
    }
    if let Some(t) = token {
        q.push(("pageToken", t));
    }
    let resp = c
        .get(format!("{}/users", emu.base_url()))
        .query(&q)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{query}");
    let v: Value = resp.json().await.unwrap();
    let emails = v["users"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|u| u["primaryEmail"].as_str().unwrap().to_lowercase())
                .collect()
        })
        .unwrap_or_default();
    (emails, v["nextPageToken"].as_str().map(str::to_string))
}

async fn listing(c: &Client, emu: &RunningEmulator, query: &str, descending: bool) -> Vec<String> {
    let (mut all, mut token) = page(c, emu, query, descending, None).await;
    while let Some(t) = token {
        let (more, next) = page(c, emu, query, descending, Some(&t)).await;
        all.extend(more);
        token = next;
    }
    all
}

#[tokio::test]
async fn indexed_listing_equals_a_walk_over_every_user() {
    let emu = start();
    let c = Client::new();
    let mut nonempty = 0;
    for query in QUERIES {
        for descending in [false, true] {
            let want = walk(&emu, query, descending);
            let got = listing(&c, &emu, query, descending).await;
            assert_eq!(got, want, "query {query:?}, descending {descending}");
            nonempty += usize::from(!want.is_empty());
        }
    }
    // The queries are not vacuous: all but `/Nowhere` and `email:q*` under `/Students` find
    // users (no address starts with q), and the alias owners are found under `b`.
    assert_eq!(nonempty, 2 * (QUERIES.len() - 2));
    let b = walk(&emu, "email:b*", false);
    assert!(b.iter().any(|k| !k.starts_with('b')), "alias owners listed");
    let hs = walk(&emu, "orgUnitPath='/Students/HS'", false);
    let st = emu.state();
    let ou_of = |k: &String| {
        st.users[k].data["orgUnitPath"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(
        hs.iter().any(|k| ou_of(k) == "/Students/HS"),
        "non-leaf OU users"
    );
    assert!(hs.iter().any(|k| ou_of(k) == "/Students/HS/Grade 9"));
    let students = walk(&emu, "orgUnitPath='/Students'", false);
    assert!(
        students.iter().all(|k| ou_of(k) != "/Students HS"),
        "a sibling OU sharing the prefix is not in the subtree"
    );
}

#[tokio::test]
async fn changes_during_paging_follow_the_keyset() {
    let c = Client::new();
    for (query, descending) in [
        ("orgUnitPath='/Students'", false),
        ("orgUnitPath='/Students' email:a*", false),
        ("email:b*", false),
        ("orgUnitPath='/Students'", true),
    ] {
        // A fresh directory per case (each changes it).
        let emu = start();
        let (first, token) = page(&c, &emu, query, descending, None).await;
        let cursor = first.last().unwrap().clone();
        let students = walk(&emu, "orgUnitPath='/Students'", descending);
        // Rename one user across the cursor each way, move one into and one out of the
        // subtree, delete one, give one an alias under `b`.
        let base = emu.base_url();
        let patch = |key: String, body: Value| {
            let c = c.clone();
            let url = format!("{base}/users/{key}");
            async move {
                let r = c.patch(url).json(&body).send().await.unwrap();
                assert_eq!(r.status(), 200);
            }
        };
        let late = students.last().unwrap().clone();
        patch(late, json!({"primaryEmail": "aaa-renamed-early@x.edu"})).await;
        let early = students.first().unwrap().clone();
        patch(early, json!({"primaryEmail": "zzz-renamed-late@x.edu"})).await;
        let staff = walk(&emu, "orgUnitPath='/Staff'", false);
        patch(staff[0].clone(), json!({"orgUnitPath": "/Students/HS"})).await;
        let students = walk(&emu, "orgUnitPath='/Students'", false);
        patch(
            students[students.len() / 2].clone(),
            json!({"orgUnitPath": "/Staff"}),
        )
        .await;
        let students = walk(&emu, "orgUnitPath='/Students'", false);
        emu.remove_user(&students[students.len() / 3]).unwrap();
        emu.add_alias(&students[students.len() / 4], "bb-new-alias@x.edu")
            .unwrap();

        let mut got = first.clone();
        let mut token = token;
        while let Some(t) = token {
            let (more, next) = page(&c, &emu, query, descending, Some(&t)).await;
            got.extend(more);
            token = next;
        }
        // The rest of the listing is the walk over the changed directory past the cursor.
        let rest: Vec<String> = walk(&emu, query, descending)
            .into_iter()
            .filter(|k| if descending { *k < cursor } else { *k > cursor })
            .collect();
        let mut want = first;
        want.extend(rest);
        assert_eq!(got, want, "query {query:?}, descending {descending}");
    }
}
