//! Where the emulator answers as Google does and an earlier version did not: aliases left by
//! renames, `error.status` in every envelope, groups/members/schemas inserts with Google's
//! codes, and the opt-in eventual consistency (`list_lag`, `settle`).

use std::time::Duration;

use reqwest::{Client, Method};
use roster_google_emulator::{Auth, Consistency, Emulator, EmulatorConfig, RunningEmulator};
use serde_json::{Value, json};

fn start(consistency: Consistency) -> RunningEmulator {
    let emu = Emulator::start(EmulatorConfig {
        domains: vec!["d118.org".into()],
        auth: Auth::Open,
        consistency,
        ..Default::default()
    })
    .expect("start emulator");
    emu.add_org_unit("/Students").unwrap();
    emu
}

fn user(email: &str) -> Value {
    json!({"primaryEmail": email, "name": {"givenName": "G", "familyName": "F"},
        "password": "correct horse", "orgUnitPath": "/Students"})
}

async fn call(
    emu: &RunningEmulator,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = Client::new().request(method, format!("{}/{path}", emu.base_url()));
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn reason(v: &Value) -> (&str, &str) {
    (
        v["error"]["errors"][0]["reason"].as_str().unwrap_or(""),
        v["error"]["status"].as_str().unwrap_or(""),
    )
}

fn emails(list: &Value) -> Vec<&str> {
    list["users"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|u| u["primaryEmail"].as_str())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_rename_keeps_the_old_address_as_an_alias_until_it_is_deleted() {
    let emu = start(Consistency::default());
    let (s, u) = call(&emu, Method::POST, "users", Some(user("old@d118.org"))).await;
    assert_eq!(s, 200, "{u}");
    let (s, _) = call(
        &emu,
        Method::PATCH,
        "users/old@d118.org",
        Some(json!({"primaryEmail": "new@d118.org"})),
    )
    .await;
    assert_eq!(s, 200);

    // users.get by the old address finds the user; email= sees the alias
    let (s, got) = call(&emu, Method::GET, "users/OLD@d118.org", None).await;
    assert_eq!(
        (s, got["primaryEmail"].as_str()),
        (200, Some("new@d118.org"))
    );
    let (_, found) = call(
        &emu,
        Method::GET,
        "users?customer=my_customer&query=email%3Dold%40d118.org",
        None,
    )
    .await;
    assert_eq!(emails(&found), vec!["new@d118.org"]);
    // users.aliases.list
    let (s, aliases) = call(&emu, Method::GET, "users/new@d118.org/aliases", None).await;
    assert_eq!(s, 200);
    assert_eq!(aliases["kind"], "admin#directory#aliases");
    assert_eq!(aliases["aliases"][0]["alias"], "old@d118.org");
    assert_eq!(aliases["aliases"][0]["primaryEmail"], "new@d118.org");
    assert_eq!(aliases["aliases"][0]["id"], u["id"]);

    // the address cannot be taken by a new user while the alias exists
    let (s, e) = call(&emu, Method::POST, "users", Some(user("old@d118.org"))).await;
    assert_eq!((s, reason(&e)), (409, ("duplicate", "ALREADY_EXISTS")));
    // users.aliases.delete, then it can
    let (s, _) = call(
        &emu,
        Method::DELETE,
        "users/new@d118.org/aliases/old@d118.org",
        None,
    )
    .await;
    assert_eq!(s, 204);
    let (s, e) = call(
        &emu,
        Method::DELETE,
        "users/new@d118.org/aliases/old@d118.org",
        None,
    )
    .await;
    assert_eq!((s, reason(&e)), (404, ("notFound", "NOT_FOUND")));
    let (_, aliases) = call(&emu, Method::GET, "users/new@d118.org/aliases", None).await;
    assert!(aliases.get("aliases").is_none(), "{aliases}");
    let (s, _) = call(&emu, Method::POST, "users", Some(user("old@d118.org"))).await;
    assert_eq!(s, 200);
    assert_eq!(emu.users().len(), 2);

    // users.aliases.insert: a free address in the domain, 409 for a taken one
    let (s, a) = call(
        &emu,
        Method::POST,
        "users/new@d118.org/aliases",
        Some(json!({"alias": "nick@d118.org"})),
    )
    .await;
    assert_eq!((s, a["alias"].as_str()), (200, Some("nick@d118.org")));
    let (s, e) = call(
        &emu,
        Method::POST,
        "users/new@d118.org/aliases",
        Some(json!({"alias": "old@d118.org"})),
    )
    .await;
    assert_eq!((s, reason(&e)), (409, ("duplicate", "ALREADY_EXISTS")));
    // renaming back onto its own alias is allowed, and the alias goes
    let (s, _) = call(
        &emu,
        Method::PATCH,
        "users/new@d118.org",
        Some(json!({"primaryEmail": "nick@d118.org"})),
    )
    .await;
    assert_eq!(s, 200);
    let (_, aliases) = call(&emu, Method::GET, "users/nick@d118.org/aliases", None).await;
    assert_eq!(aliases["aliases"][0]["alias"], "new@d118.org");
    assert_eq!(aliases["aliases"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn every_error_envelope_carries_googles_status() {
    let emu = start(Consistency::default());
    let (s, e) = call(&emu, Method::GET, "users/nobody@d118.org", None).await;
    assert_eq!((s, reason(&e)), (404, ("notFound", "NOT_FOUND")));
    let (s, e) = call(
        &emu,
        Method::GET,
        "users?customer=my_customer&maxResults=501",
        None,
    )
    .await;
    assert_eq!(
        (s, reason(&e)),
        (400, ("invalidParameter", "INVALID_ARGUMENT"))
    );
    let ou = json!({"name": "Students", "parentOrgUnitPath": "/"});
    let (s, e) = call(
        &emu,
        Method::POST,
        "customer/my_customer/orgunits",
        Some(ou),
    )
    .await;
    assert_eq!((s, reason(&e)), (400, ("invalid", "INVALID_ARGUMENT")));
    assert_eq!(e["error"]["message"], "Invalid Ou Id");
    emu.set_quota(Some(roster_google_emulator::Quota::per_minute(1)));
    call(&emu, Method::GET, "users/nobody@d118.org", None).await;
    let (s, e) = call(&emu, Method::GET, "users/nobody@d118.org", None).await;
    assert_eq!(
        (s, reason(&e)),
        (403, ("userRateLimitExceeded", "PERMISSION_DENIED"))
    );
    assert_eq!(e["error"]["errors"][0]["domain"], "usageLimits");
    emu.set_quota(Some(roster_google_emulator::Quota {
        over_quota: roster_google_emulator::OverQuota::TooManyRequests,
        ..roster_google_emulator::Quota::per_minute(1)
    }));
    call(&emu, Method::GET, "users/nobody@d118.org", None).await;
    let (s, e) = call(&emu, Method::GET, "users/nobody@d118.org", None).await;
    assert_eq!(
        (s, reason(&e)),
        (429, ("rateLimitExceeded", "RESOURCE_EXHAUSTED"))
    );
}

#[tokio::test]
async fn groups_members_and_schemas_insert_with_googles_codes() {
    let emu = start(Consistency::default());
    call(&emu, Method::POST, "users", Some(user("ann@d118.org"))).await;
    let g = json!({"email": "band@d118.org", "name": "Band"});
    let (s, created) = call(&emu, Method::POST, "groups", Some(g.clone())).await;
    assert_eq!((s, created["email"].as_str()), (200, Some("band@d118.org")));
    assert_eq!(created["kind"], "admin#directory#group");
    let (s, e) = call(&emu, Method::POST, "groups", Some(g)).await;
    assert_eq!((s, reason(&e)), (409, ("duplicate", "ALREADY_EXISTS")));
    let (s, e) = call(
        &emu,
        Method::POST,
        "groups",
        Some(json!({"email": "ann@d118.org"})),
    )
    .await;
    assert_eq!(s, 409, "a user's address: {e}");

    let m = json!({"email": "ann@d118.org", "role": "MEMBER"});
    let (s, member) = call(
        &emu,
        Method::POST,
        "groups/band@d118.org/members",
        Some(m.clone()),
    )
    .await;
    assert_eq!((s, member["type"].as_str()), (200, Some("USER")));
    assert_eq!(
        emu.group_members("band@d118.org").unwrap(),
        vec!["ann@d118.org"]
    );
    let (s, e) = call(
        &emu,
        Method::POST,
        "groups/band@d118.org/members",
        Some(m.clone()),
    )
    .await;
    assert_eq!((s, reason(&e)), (409, ("duplicate", "ALREADY_EXISTS")));
    assert_eq!(e["error"]["message"], "Member already exists.");
    let (s, e) = call(&emu, Method::POST, "groups/none@d118.org/members", Some(m)).await;
    assert_eq!((s, reason(&e)), (404, ("notFound", "NOT_FOUND")));
    assert_eq!(e["error"]["message"], "Resource Not Found: groupKey");
    let bad_role = json!({"email": "x@d118.org", "role": "BOSS"});
    let (s, _) = call(
        &emu,
        Method::POST,
        "groups/band@d118.org/members",
        Some(bad_role),
    )
    .await;
    assert_eq!(s, 400);

    let schema = json!({"schemaName": "Sync", "fields": [
        {"fieldName": "DCID", "fieldType": "INT64", "indexed": true}]});
    let path = "customer/my_customer/schemas";
    let (s, created) = call(&emu, Method::POST, path, Some(schema.clone())).await;
    assert_eq!((s, created["schemaName"].as_str()), (200, Some("Sync")));
    let (s, e) = call(&emu, Method::POST, path, Some(schema)).await;
    assert_eq!((s, reason(&e)), (409, ("duplicate", "ALREADY_EXISTS")));
    let (s, e) = call(
        &emu,
        Method::POST,
        "customer/nobody/schemas",
        Some(json!({"schemaName": "X", "fields": []})),
    )
    .await;
    assert_eq!((s, reason(&e).0), (400, "badRequest"));
}

#[tokio::test]
async fn list_lag_hides_new_and_changed_users_and_settle_refuses_early_writes() {
    // Long enough for the checks below to fall inside it on a loaded machine.
    let lag = Duration::from_millis(1500);
    let emu = start(Consistency {
        list_lag: lag,
        settle: lag,
    });
    emu.add_user(&user("seeded@d118.org")).unwrap();
    let list = "users?customer=my_customer";
    let (s, _) = call(&emu, Method::POST, "users", Some(user("new@d118.org"))).await;
    assert_eq!(s, 200);
    // users.list lags; users.get does not
    let (_, l) = call(&emu, Method::GET, list, None).await;
    assert_eq!(emails(&l), vec!["seeded@d118.org"]);
    let (_, l) = call(
        &emu,
        Method::GET,
        &format!("{list}&query=email%3Dnew%40d118.org"),
        None,
    )
    .await;
    assert!(emails(&l).is_empty());
    assert_eq!(
        call(&emu, Method::GET, "users/new@d118.org", None).await.0,
        200
    );
    // a write to the just-created user: Google's 412
    let (s, e) = call(
        &emu,
        Method::PATCH,
        "users/new@d118.org",
        Some(json!({"suspended": true})),
    )
    .await;
    assert_eq!(
        (s, reason(&e)),
        (412, ("conditionNotMet", "FAILED_PRECONDITION"))
    );
    assert_eq!(e["error"]["message"], "User creation is not complete.");
    // a change to a settled user hides it from the list for the lag too
    let (s, _) = call(
        &emu,
        Method::PATCH,
        "users/seeded@d118.org",
        Some(json!({"suspended": true})),
    )
    .await;
    assert_eq!(s, 200);
    let (_, l) = call(&emu, Method::GET, list, None).await;
    assert!(emails(&l).is_empty(), "{l}");

    tokio::time::sleep(lag + Duration::from_millis(50)).await;
    let (_, l) = call(&emu, Method::GET, list, None).await;
    assert_eq!(emails(&l), vec!["new@d118.org", "seeded@d118.org"]);
    let (s, _) = call(
        &emu,
        Method::PATCH,
        "users/new@d118.org",
        Some(json!({"suspended": true})),
    )
    .await;
    assert_eq!(s, 200);
}
