//! The emulated Directory API endpoints over real HTTP (open mode: auth is covered in
//! emulator_auth.rs).

use reqwest::{Client, StatusCode};
use roster_google_emulator::{Auth, Emulator, EmulatorConfig, RunningEmulator, grpc_status};
use serde_json::{Value, json};

fn start() -> RunningEmulator {
    let emu = Emulator::start(EmulatorConfig {
        domains: vec!["d118.org".into(), "students.d118.org".into()],
        auth: Auth::Open,
        ..Default::default()
    })
    .expect("start emulator");
    emu.add_org_unit("/Students/HS/Grade 9").unwrap();
    emu.add_org_unit("/Students/MS").unwrap();
    emu.add_org_unit("/Staff").unwrap();
    emu.add_schema(&json!({
        "schemaName": "Synchronization_Data",
        "displayName": "Sync",
        "fields": [
            {"fieldName": "DCID", "fieldType": "INT64", "displayName": "DCID"},
            {"fieldName": "Homeroom", "fieldType": "STRING", "displayName": "Homeroom"},
            {"fieldName": "Active", "fieldType": "BOOL", "displayName": "Active"},
            {"fieldName": "Tags", "fieldType": "STRING", "multiValued": true, "displayName": "Tags"}
        ]
    }))
    .unwrap();
    emu.add_schema(&json!({
        "schemaName": "Other",
        "fields": [{"fieldName": "Note", "fieldType": "STRING", "displayName": "Note"}]
    }))
    .unwrap();
    emu
}

fn user(email: &str, ou: &str) -> Value {
    json!({
        "primaryEmail": email,
        "name": {"givenName": "Given", "familyName": "Family"},
        "password": "correct horse",
        "orgUnitPath": ou,
    })
}

async fn send(
    c: &Client,
    method: reqwest::Method,
    url: &str,
    body: Option<&Value>,
) -> (StatusCode, Value) {
    let mut req = c.request(method, url);
    if let Some(b) = body {
        req = req.json(b);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status();
    let text = resp.text().await.unwrap();
    let v = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
    };
    (status, v)
}

async fn get(c: &Client, url: &str) -> (StatusCode, Value) {
    send(c, reqwest::Method::GET, url, None).await
}

async fn post(c: &Client, url: &str, body: &Value) -> (StatusCode, Value) {
    send(c, reqwest::Method::POST, url, Some(body)).await
}

fn assert_error(v: &Value, code: u16, reason: &str, message: &str) {
    assert_eq!(
        v,
        &json!({"error": {"code": code, "message": message, "status": grpc_status(code),
            "errors": [{"domain": "global", "reason": reason, "message": message}]}}),
    );
}

#[tokio::test]
async fn insert_get_and_user_shape() {
    let emu = start();
    let c = Client::new();
    let base = emu.base_url();
    let mut body = user("Ann.Lee@d118.org", "/Students/HS");
    body["customSchemas"] = json!({"Synchronization_Data": {"DCID": "1234", "Homeroom": "101"}});
    body["externalIds"] = json!([{"type": "organization", "value": "S1234"}]);
    let (s, created) = post(&c, &format!("{base}/users"), &body).await;
    assert_eq!(s, 200, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    assert!(
        id.len() >= 20 && id.chars().all(|ch| ch.is_ascii_digit()),
        "{id}"
    );
    assert!(created.get("password").is_none());
    assert_eq!(created["kind"], "admin#directory#user");
    assert_eq!(created["name"]["fullName"], "Given Family");
    assert_eq!(created["isAdmin"], false);
    assert_eq!(created["suspended"], false);
    assert!(created["etag"].as_str().unwrap().starts_with('"'));
    assert!(created["creationTime"].as_str().unwrap().ends_with('Z'));
    // INT64 given as a numeric string is stored as a number.
    assert_eq!(
        created["customSchemas"]["Synchronization_Data"]["DCID"],
        json!(1234)
    );

    // get by email (any case) and by id; basic projection has no customSchemas
    let (s, by_email) = get(&c, &format!("{base}/users/ann.lee@D118.ORG")).await;
    assert_eq!(s, 200);
    assert_eq!(by_email["id"], id.as_str());
    assert!(by_email.get("customSchemas").is_none());
    assert_eq!(by_email["externalIds"][0]["value"], "S1234");
    let (s, by_id) = get(&c, &format!("{base}/users/{id}?projection=full")).await;
    assert_eq!(s, 200);
    assert_eq!(by_id["primaryEmail"], "Ann.Lee@d118.org");
    assert_eq!(
        by_id["customSchemas"]["Synchronization_Data"]["Homeroom"],
        "101"
    );
    assert_eq!(by_id["orgUnitPath"], "/Students/HS");
    assert_eq!(by_id["customerId"], emu.customer_id());
    // Rust API sees it too
    assert_eq!(emu.users().len(), 1);
    assert_eq!(emu.user(&id).unwrap()["primaryEmail"], "Ann.Lee@d118.org");
}

#[tokio::test]
async fn projections_full_custom_basic() {
    let emu = start();
    let c = Client::new();
    let base = emu.base_url();
    let mut body = user("p@d118.org", "/");
    body["customSchemas"] = json!({"Synchronization_Data": {"DCID": 7}, "Other": {"Note": "x"}});
    assert_eq!(post(&c, &format!("{base}/users"), &body).await.0, 200);
    let list = |proj: &str| format!("{base}/users?customer=my_customer&{proj}");
    let (_, basic) = get(&c, &list("projection=basic")).await;
    assert!(basic["users"][0].get("customSchemas").is_none());
    let (_, full) = get(&c, &list("projection=full")).await;
    assert_eq!(
        full["users"][0]["customSchemas"],
        json!({"Synchronization_Data": {"DCID": 7}, "Other": {"Note": "x"}})
    );
    let (_, custom) = get(&c, &list("projection=custom&customFieldMask=Other")).await;
    assert_eq!(
        custom["users"][0]["customSchemas"],
        json!({"Other": {"Note": "x"}})
    );
    let (s, err) = get(&c, &list("projection=custom")).await;
    assert_eq!(s, 400);
    assert_eq!(err["error"]["errors"][0]["reason"], "invalid");
    let (s, err) = get(&c, &list("projection=everything")).await;
    assert_eq!(s, 400);
    assert_eq!(err["error"]["errors"][0]["reason"], "invalidParameter");
}

#[tokio::test]
async fn paging_across_pages_with_opaque_tokens() {
    let emu = start();
    for i in 0..23 {
        emu.add_user(&user(&format!("s{i:02}@d118.org"), "/Students/HS"))
            .unwrap();
    }
    emu.add_user(&user("t1@d118.org", "/Staff")).unwrap();
    let c = Client::new();
    let base = emu.base_url();
    let mut token: Option<String> = None;
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let mut url = format!(
            "{base}/users?customer=my_customer&maxResults=10&orderBy=email&query=orgUnitPath%3D'%2FStudents'"
        );
        if let Some(t) = &token {
            url.push_str(&format!("&pageToken={t}"));
        }
        let (s, page) = get(&c, &url).await;
        assert_eq!(s, 200, "{page}");
        pages += 1;
        for u in page["users"].as_array().unwrap() {
            seen.push(u["primaryEmail"].as_str().unwrap().to_string());
        }
        match page.get("nextPageToken").and_then(Value::as_str) {
            Some(t) => {
                assert!(
                    !t.contains("s0") && !t.contains('@'),
                    "token is opaque: {t}"
                );
                token = Some(t.to_string());
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let expected: Vec<String> = (0..23).map(|i| format!("s{i:02}@d118.org")).collect();
    assert_eq!(seen, expected);

    // descending order, and a token bound to its request
    let (_, desc) = get(
        &c,
        &format!("{base}/users?customer=my_customer&maxResults=2&sortOrder=DESCENDING"),
    )
    .await;
    assert_eq!(desc["users"][0]["primaryEmail"], "t1@d118.org");
    assert_eq!(desc["users"][1]["primaryEmail"], "s22@d118.org");
    let t = desc["nextPageToken"].as_str().unwrap();
    let (s, err) = get(
        &c,
        &format!("{base}/users?customer=my_customer&maxResults=2&pageToken={t}"),
    )
    .await;
    assert_eq!(s, 400, "token from another query is rejected: {err}");

    // maxResults bounds and default
    let (_, all) = get(&c, &format!("{base}/users?customer=my_customer")).await;
    assert_eq!(all["users"].as_array().unwrap().len(), 24);
    assert!(all.get("nextPageToken").is_none());
    let (s, err) = get(
        &c,
        &format!("{base}/users?customer=my_customer&maxResults=501"),
    )
    .await;
    assert_eq!(s, 400);
    assert_eq!(err["error"]["errors"][0]["reason"], "invalidParameter");
    let (s, _) = get(
        &c,
        &format!("{base}/users?customer=my_customer&maxResults=0"),
    )
    .await;
    assert_eq!(s, 400);
    let (s, err) = get(&c, &format!("{base}/users")).await;
    assert_eq!(s, 400);
    assert_error(&err, 400, "badRequest", "Bad Request");
    // domain= restricts to one domain; an empty result has no "users" key
    let (_, none) = get(&c, &format!("{base}/users?domain=students.d118.org")).await;
    assert!(none.get("users").is_none(), "{none}");
    assert_eq!(none["kind"], "admin#directory#users");
}

#[tokio::test]
async fn query_subset() {
    let emu = start();
    let mk = |email: &str, ou: &str, dcid: i64, suspended: bool| {
        let mut u = user(email, ou);
        u["customSchemas"] = json!({"Synchronization_Data": {"DCID": dcid, "Homeroom": "Room A"}});
        u["suspended"] = json!(suspended);
        emu.add_user(&u).unwrap();
    };
    mk("alice@d118.org", "/Students/HS", 1, false);
    mk("alan@d118.org", "/Students/HS/Grade 9", 2, true);
    mk("bob@d118.org", "/Students/MS", 3, false);
    mk("carol@d118.org", "/Staff", 4, false);
    mk("dave@students.d118.org", "/", 5, false);
    let c = Client::new();
    let base = emu.base_url();
    let q = |query: &str| {
        let c = c.clone();
        let url = format!("{base}/users?customer=my_customer&orderBy=email");
        let query = query.to_string();
        async move {
            let resp = c
                .get(&url)
                .query(&[("query", query.as_str())])
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200);
            let v: Value = resp.json().await.unwrap();
            v["users"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|u| u["primaryEmail"].as_str().unwrap().to_string())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        }
    };
    assert_eq!(
        q("orgUnitPath='/Students/HS'").await,
        ["alan@d118.org", "alice@d118.org"]
    );
    assert_eq!(
        q("orgUnitPath='/Students/HS/Grade 9'").await,
        ["alan@d118.org"]
    );
    assert_eq!(
        q("orgUnitPath='/Students'").await,
        ["alan@d118.org", "alice@d118.org", "bob@d118.org"]
    );
    assert_eq!(q("email:al").await, ["alan@d118.org", "alice@d118.org"]);
    assert_eq!(q("email=BOB@d118.org").await, ["bob@d118.org"]);
    assert_eq!(q("isSuspended=true").await, ["alan@d118.org"]);
    assert_eq!(
        q("orgUnitPath='/Students' isSuspended=false").await,
        ["alice@d118.org", "bob@d118.org"]
    );
    assert_eq!(q("Synchronization_Data.DCID=4").await, ["carol@d118.org"]);
    assert_eq!(
        q("Synchronization_Data.Homeroom='room a' email:d").await,
        ["dave@students.d118.org"]
    );
    assert!(q("email=nobody@d118.org").await.is_empty());
    // `email=` is answered from the index; the other clauses still apply to that one user.
    assert_eq!(
        q("email=dave@students.d118.org email:d").await,
        ["dave@students.d118.org"]
    );
    assert!(q("email=bob@d118.org isSuspended=true").await.is_empty());
    assert!(
        q("email=bob@d118.org orgUnitPath='/Staff'")
            .await
            .is_empty()
    );
    let by_domain = |domain: &str, order: &str| {
        format!(
            "{base}/users?domain={domain}&orderBy=email&sortOrder={order}&query=email%3Dcarol%40d118.org"
        )
    };
    let (s, v) = get(&c, &by_domain("d118.org", "DESCENDING")).await;
    assert_eq!(
        (s.as_u16(), v["users"][0]["primaryEmail"].as_str()),
        (200, Some("carol@d118.org"))
    );
    let (s, v) = get(&c, &by_domain("students.d118.org", "ASCENDING")).await;
    assert_eq!(
        (s.as_u16(), v["users"].as_array().map_or(0, Vec::len)),
        (200, 0)
    );
    let (s, err) = get(
        &c,
        &format!("{base}/users?customer=my_customer&query=Nope.X%3D1"),
    )
    .await;
    assert_eq!(s, 400);
    assert_eq!(err["error"]["errors"][0]["reason"], "invalid");
}

#[tokio::test]
async fn update_keeps_absent_fields_and_patch_merges() {
    let emu = start();
    let c = Client::new();
    let base = emu.base_url();
    let mut body = user("u@d118.org", "/Students/HS");
    body["customSchemas"] = json!({"Synchronization_Data": {"DCID": 9, "Homeroom": "1"}});
    body["externalIds"] = json!([{"type": "organization", "value": "9"}]);
    let (_, created) = post(&c, &format!("{base}/users"), &body).await;
    let id = created["id"].as_str().unwrap();

    // PUT with only one field: everything else kept (Google's update has patch semantics).
    let (s, updated) = send(
        &c,
        reqwest::Method::PUT,
        &format!("{base}/users/u@d118.org"),
        Some(&json!({"orgUnitPath": "/Students/MS"})),
    )
    .await;
    assert_eq!(s, 200, "{updated}");
    assert_eq!(updated["orgUnitPath"], "/Students/MS");
    assert_eq!(updated["name"]["givenName"], "Given");
    assert_eq!(updated["externalIds"][0]["value"], "9");
    assert_eq!(updated["customSchemas"]["Synchronization_Data"]["DCID"], 9);
    // the etag changes with the user, and only then
    assert_ne!(updated["etag"], created["etag"]);
    let (_, again) = get(&c, &format!("{base}/users/u@d118.org?projection=full")).await;
    assert_eq!(again["etag"], updated["etag"]);

    // PATCH nested: familyName only; one custom field only; output-only fields echoed back are
    // ignored.
    let (s, patched) = send(
        &c,
        reqwest::Method::PATCH,
        &format!("{base}/users/{id}"),
        Some(&json!({"name": {"familyName": "New"},
            "customSchemas": {"Synchronization_Data": {"Homeroom": "2"}},
            "kind": "admin#directory#user", "etag": "\"x\"", "isAdmin": true, "id": id})),
    )
    .await;
    assert_eq!(s, 200, "{patched}");
    assert_eq!(patched["name"]["givenName"], "Given");
    assert_eq!(patched["name"]["fullName"], "Given New");
    assert_eq!(patched["isAdmin"], false);
    assert_eq!(
        patched["customSchemas"]["Synchronization_Data"],
        json!({"DCID": 9, "Homeroom": "2"})
    );

    // suspend, and rename (primary email change) keeps the id
    let (_, s2) = send(
        &c,
        reqwest::Method::PUT,
        &format!("{base}/users/{id}"),
        Some(&json!({"suspended": true, "primaryEmail": "renamed@d118.org"})),
    )
    .await;
    assert_eq!(s2["suspended"], true);
    assert_eq!(s2["id"], id);
    // Google keeps the old address as an alias: it still finds the user.
    let (s, by_old) = get(&c, &format!("{base}/users/u@d118.org")).await;
    assert_eq!(
        (s.as_u16(), &by_old["primaryEmail"]),
        (200, &json!("renamed@d118.org"))
    );
    assert_eq!(
        get(&c, &format!("{base}/users/renamed@d118.org")).await.0,
        200
    );

    // update of a missing user
    let (s, err) = send(
        &c,
        reqwest::Method::PUT,
        &format!("{base}/users/ghost@d118.org"),
        Some(&json!({"suspended": true})),
    )
    .await;
    assert_eq!(s, 404);
    assert_error(&err, 404, "notFound", "Resource Not Found: userKey");
}

#[tokio::test]
async fn google_errors_with_exact_shapes() {
    let emu = start();
    let c = Client::new();
    let base = emu.base_url();
    let url = format!("{base}/users");
    assert_eq!(post(&c, &url, &user("x@d118.org", "/")).await.0, 200);

    let (s, e) = get(&c, &format!("{base}/users/nobody@d118.org")).await;
    assert_eq!(s, 404);
    assert_error(&e, 404, "notFound", "Resource Not Found: userKey");

    let (s, e) = post(&c, &url, &user("X@d118.org", "/")).await;
    assert_eq!(s, 409);
    assert_error(&e, 409, "duplicate", "Entity already exists.");

    let (s, e) = post(&c, &url, &user("y@d118.org", "/Nowhere")).await;
    assert_eq!(s, 400);
    assert_error(&e, 400, "invalid", "Invalid Input: INVALID_OU_ID");

    let mut long = user("y@d118.org", "/");
    long["name"]["givenName"] = json!("a".repeat(61));
    let (s, e) = post(&c, &url, &long).await;
    assert_eq!(s, 400);
    assert_error(&e, 400, "invalid", "Invalid Given/Family Name: GivenName");
    let mut long = user("y@d118.org", "/");
    long["name"]["familyName"] = json!("b".repeat(61));
    let (_, e) = post(&c, &url, &long).await;
    assert_error(&e, 400, "invalid", "Invalid Given/Family Name: FamilyName");
    let mut ok60 = user("sixty@d118.org", "/");
    ok60["name"]["givenName"] = json!("a".repeat(60));
    assert_eq!(post(&c, &url, &ok60).await.0, 200);

    let mut short = user("y@d118.org", "/");
    short["password"] = json!("1234567");
    let (s, e) = post(&c, &url, &short).await;
    assert_eq!(s, 400);
    assert_error(&e, 400, "invalid", "Invalid Password");

    let (s, e) = post(&c, &url, &user("y@elsewhere.org", "/")).await;
    assert_eq!(s, 400);
    assert_error(&e, 400, "invalid", "Invalid Input: primary_user_email");

    let mut cs = user("y@d118.org", "/");
    cs["customSchemas"] = json!({"Nope": {"A": 1}});
    let (s, e) = post(&c, &url, &cs).await;
    assert_eq!(s, 400);
    assert_error(
        &e,
        400,
        "invalid",
        "Invalid Input: custom schema 'Nope' not found",
    );
    cs["customSchemas"] = json!({"Synchronization_Data": {"Nope": 1}});
    let (_, e) = post(&c, &url, &cs).await;
    assert_error(
        &e,
        400,
        "invalid",
        "Invalid Input: custom schema field 'Synchronization_Data.Nope' not found",
    );
    cs["customSchemas"] = json!({"Synchronization_Data": {"DCID": "twelve"}});
    let (_, e) = post(&c, &url, &cs).await;
    assert_error(
        &e,
        400,
        "invalid",
        "Invalid Input: custom schema field 'Synchronization_Data.DCID' expects INT64",
    );
    cs["customSchemas"] = json!({"Synchronization_Data": {"DCID": 1.5}});
    assert_eq!(post(&c, &url, &cs).await.0, 400);
    cs["customSchemas"] = json!({"Synchronization_Data": {"Active": "maybe"}});
    assert_eq!(post(&c, &url, &cs).await.0, 400);
    cs["customSchemas"] = json!({"Synchronization_Data": {"Tags": "single"}});
    assert_eq!(
        post(&c, &url, &cs).await.0,
        400,
        "multi-valued needs a list"
    );
    cs["customSchemas"] =
        json!({"Synchronization_Data": {"Tags": [{"value": "a"}], "Active": "true"}});
    let (s, ok) = post(&c, &url, &cs).await;
    assert_eq!(s, 200, "{ok}");
    assert_eq!(ok["customSchemas"]["Synchronization_Data"]["Active"], true);

    // request fields the discovery document does not define
    let mut extra = user("z@d118.org", "/");
    extra["favouriteColour"] = json!("blue");
    let (s, e) = post(&c, &url, &extra).await;
    assert_eq!(s, 400);
    assert_error(
        &e,
        400,
        "invalid",
        "Invalid JSON payload received. Unknown name \"favouriteColour\" at 'user': Cannot find field.",
    );
    let mut extra = user("z@d118.org", "/");
    extra["name"]["middleName"] = json!("Q");
    let (_, e) = post(&c, &url, &extra).await;
    assert_error(
        &e,
        400,
        "invalid",
        "Invalid JSON payload received. Unknown name \"middleName\" at 'user.name': Cannot find field.",
    );
    let mut extra = user("z@d118.org", "/");
    extra["externalIds"] = json!([{"type": "organization", "value": "1", "weird": true}]);
    assert_eq!(post(&c, &url, &extra).await.0, 400);
    let (s, e) = send(
        &c,
        reqwest::Method::PATCH,
        &format!("{base}/users/x@d118.org"),
        Some(&json!({"nickname": "x"})),
    )
    .await;
    assert_eq!(s, 400);
    assert_eq!(e["error"]["errors"][0]["reason"], "invalid");
    // unknown query parameter
    let (s, _) = get(&c, &format!("{base}/users/x@d118.org?bogus=1")).await;
    assert_eq!(s, 400);
    // malformed JSON
    let resp = c.post(&url).body("{not json").send().await.unwrap();
    assert_eq!(resp.status(), 400);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["error"]["errors"][0]["reason"], "parseError");
    // missing required fields on insert
    let (_, e) = post(
        &c,
        &url,
        &json!({"primaryEmail": "q@d118.org", "password": "12345678"}),
    )
    .await;
    assert_error(&e, 400, "invalid", "Invalid Given/Family Name: GivenName");
    let (_, e) = post(
        &c,
        &url,
        &json!({"primaryEmail": "q@d118.org", "name": {"givenName": "a", "familyName": "b"}}),
    )
    .await;
    assert_error(&e, 400, "invalid", "Invalid Password");
    // nothing invalid was stored
    assert_eq!(emu.users().len(), 3);
}

#[tokio::test]
async fn orgunits_schemas_groups_members() {
    let emu = start();
    let c = Client::new();
    let base = emu.base_url();
    let ou = format!("{base}/customer/my_customer/orgunits");

    let (s, list) = get(&c, &ou).await;
    assert_eq!(s, 200);
    let names: Vec<&str> = list["organizationUnits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["orgUnitPath"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["/Staff", "/Students"], "children of / by default");
    let (_, all) = get(&c, &format!("{ou}?type=all&orgUnitPath=/Students")).await;
    let names: Vec<&str> = all["organizationUnits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["orgUnitPath"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["/Students/HS", "/Students/HS/Grade 9", "/Students/MS"]
    );

    let (s, hs) = get(&c, &format!("{ou}/Students/HS")).await;
    assert_eq!(s, 200);
    assert_eq!(hs["kind"], "admin#directory#orgUnit");
    assert_eq!(hs["name"], "HS");
    assert_eq!(hs["parentOrgUnitPath"], "/Students");
    assert!(hs["orgUnitId"].as_str().unwrap().starts_with("id:"));
    let (s, g9) = get(&c, &format!("{ou}/Students%2FHS%2FGrade%209")).await;
    assert_eq!(s, 200);
    assert_eq!(g9["orgUnitPath"], "/Students/HS/Grade 9");
    let (s, e) = get(&c, &format!("{ou}/Nope")).await;
    assert_eq!(s, 404);
    assert_eq!(e["error"]["errors"][0]["reason"], "notFound");

    let (s, created) = post(
        &c,
        &ou,
        &json!({"name": "ES", "parentOrgUnitPath": "/Students"}),
    )
    .await;
    assert_eq!(s, 200, "{created}");
    assert_eq!(created["orgUnitPath"], "/Students/ES");
    let (s, e) = post(
        &c,
        &ou,
        &json!({"name": "ES", "parentOrgUnitPath": "/Students"}),
    )
    .await;
    // Google answers an org unit that exists with 400 "Invalid Ou Id", not 409.
    assert_eq!(s, 400);
    assert_error(&e, 400, "invalid", "Invalid Ou Id");
    let (s, _) = post(
        &c,
        &ou,
        &json!({"name": "X", "parentOrgUnitPath": "/Missing"}),
    )
    .await;
    assert_eq!(s, 400);
    let (s, e) = post(&c, &ou, &json!({"name": "X", "colour": "red"})).await;
    assert_eq!(s, 400);
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Unknown name \"colour\" at 'orgUnit'")
    );

    // schemas
    let (s, schemas) = get(&c, &format!("{base}/customer/my_customer/schemas")).await;
    assert_eq!(s, 200);
    assert_eq!(schemas["kind"], "admin#directory#schemas");
    assert_eq!(schemas["schemas"].as_array().unwrap().len(), 2);
    let (s, sync) = get(
        &c,
        &format!("{base}/customer/my_customer/schemas/Synchronization_Data"),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(sync["fields"][0]["fieldName"], "DCID");
    assert_eq!(sync["fields"][0]["fieldType"], "INT64");
    let (s, by_id) = get(
        &c,
        &format!(
            "{base}/customer/{}/schemas/{}",
            emu.customer_id(),
            sync["schemaId"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(by_id["schemaName"], "Synchronization_Data");
    assert_eq!(
        get(&c, &format!("{base}/customer/my_customer/schemas/Nope"))
            .await
            .0,
        404
    );

    // groups by member, paginated; members list and delete
    emu.add_user(&user("kid@d118.org", "/Students")).unwrap();
    for i in 0..5 {
        emu.add_group(
            &format!("g{i}@d118.org"),
            &["kid@d118.org", "other@d118.org"],
        );
    }
    emu.add_group("nokid@d118.org", &["other@d118.org"]);
    let mut groups = Vec::new();
    let mut token = String::new();
    for _ in 0..3 {
        let (s, page) = get(
            &c,
            &format!("{base}/groups?userKey=kid@d118.org&maxResults=2&pageToken={token}"),
        )
        .await;
        assert_eq!(s, 200, "{page}");
        for g in page["groups"].as_array().unwrap() {
            groups.push(g["email"].as_str().unwrap().to_string());
        }
        token = page["nextPageToken"].as_str().unwrap_or("").to_string();
    }
    assert!(token.is_empty());
    assert_eq!(
        groups,
        (0..5).map(|i| format!("g{i}@d118.org")).collect::<Vec<_>>()
    );

    let (s, members) = get(&c, &format!("{base}/groups/g0@d118.org/members")).await;
    assert_eq!(s, 200);
    assert_eq!(members["members"].as_array().unwrap().len(), 2);
    assert_eq!(members["members"][0]["kind"], "admin#directory#member");
    let resp = c
        .delete(format!("{base}/groups/g0@d118.org/members/KID@d118.org"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert!(resp.bytes().await.unwrap().is_empty());
    assert_eq!(
        emu.group_members("g0@d118.org").unwrap(),
        ["other@d118.org"]
    );
    let (s, e) = send(
        &c,
        reqwest::Method::DELETE,
        &format!("{base}/groups/g0@d118.org/members/kid@d118.org"),
        None,
    )
    .await;
    assert_eq!(s, 404);
    assert_error(&e, 404, "notFound", "Resource Not Found: memberKey");
    let (s, e) = send(
        &c,
        reqwest::Method::DELETE,
        &format!("{base}/groups/none@d118.org/members/kid@d118.org"),
        None,
    )
    .await;
    assert_eq!(s, 404);
    assert_error(&e, 404, "notFound", "Resource Not Found: groupKey");
    let (_, after) = get(&c, &format!("{base}/groups?userKey=kid@d118.org")).await;
    assert_eq!(after["groups"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn counters_fields_and_state_round_trip() {
    let emu = start();
    let c = Client::new();
    let base = emu.base_url();
    post(&c, &format!("{base}/users"), &user("a@d118.org", "/Staff")).await;
    post(&c, &format!("{base}/users"), &user("a@d118.org", "/Staff")).await; // 409, still a call
    get(&c, &format!("{base}/users/a@d118.org")).await;
    let (_, partial) = get(
        &c,
        &format!("{base}/users?customer=my_customer&fields=users(primaryEmail,name/fullName)"),
    )
    .await;
    assert_eq!(
        partial,
        json!({"users": [{"primaryEmail": "a@d118.org", "name": {"fullName": "Given Family"}}]})
    );
    send(
        &c,
        reqwest::Method::PATCH,
        &format!("{base}/users/a@d118.org"),
        Some(&json!({"suspended": true})),
    )
    .await;
    let counters = emu.counters();
    assert_eq!(counters["users.insert"], 2);
    assert_eq!(counters["users.get"], 1);
    assert_eq!(counters["users.list"], 1);
    assert_eq!(counters["users.patch"], 1);
    assert_eq!(emu.write_calls(), 3);
    assert_eq!(emu.total_calls(), 5);
    let (_, http) = get(&c, &format!("{}/emulator/counters", emu.root_url())).await;
    assert_eq!(http["methods"]["users.insert"], 2);
    assert_eq!(http["writes"], 3);
    assert_eq!(http["total"], 5);
    let resp = c
        .post(format!("{}/emulator/counters/reset", emu.root_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert!(emu.counters().is_empty());
    assert_eq!(emu.write_calls(), 0);

    // save, load into a fresh emulator: same users (ids included), OUs and schemas
    emu.add_group("club@d118.org", &["a@d118.org"]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    emu.save_state(&path).unwrap();
    let fresh = Emulator::start(EmulatorConfig {
        domains: vec!["d118.org".into()],
        auth: Auth::Open,
        ..Default::default()
    })
    .unwrap();
    assert!(fresh.users().is_empty());
    fresh.load_state(&path).unwrap();
    assert_eq!(fresh.users(), emu.users());
    assert_eq!(
        fresh.group_members("club@d118.org").unwrap(),
        ["a@d118.org"]
    );
    let fb = fresh.base_url();
    let id = emu.user("a@d118.org").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, by_id) = get(&c, &format!("{fb}/users/{id}?projection=full")).await;
    assert_eq!(s, 200);
    assert_eq!(by_id["suspended"], true);
    assert_eq!(
        get(
            &c,
            &format!("{fb}/customer/my_customer/orgunits/Students/HS/Grade 9")
        )
        .await
        .0,
        200
    );
    // new ids do not collide with loaded ones
    let (_, n) = post(&c, &format!("{fb}/users"), &user("b@d118.org", "/")).await;
    assert_ne!(n["id"], by_id["id"]);
    // the state endpoint serves the same document
    let (_, st) = get(&c, &format!("{}/emulator/state", fresh.root_url())).await;
    assert_eq!(st["users"].as_object().unwrap().len(), 2);
    // ... and PUT /emulator/state seeds another emulator over HTTP
    let third = Emulator::start(EmulatorConfig {
        auth: Auth::Open,
        ..Default::default()
    })
    .unwrap();
    let resp = c
        .put(format!("{}/emulator/state", third.root_url()))
        .json(&st)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(third.users(), fresh.users());
    let (s, _) = get(&c, &format!("{}/users/{id}", third.base_url())).await;
    assert_eq!(s, 200, "id index rebuilt after PUT");
    fresh.shutdown();
}

/// Not a check: prints what one `users.list` costs at 100,000 users (over HTTP, no added
/// latency), for docs/PERFORMANCE.md. Run with
/// `cargo test --release -p roster-google-emulator --test emulator_api -- --ignored --nocapture lookup_cost`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measurement, prints timings"]
async fn lookup_cost_at_100k_users() {
    const USERS: usize = 100_000;
    const LOOKUPS: usize = 200;
    let emu = start();
    let seeded = std::time::Instant::now();
    for i in 0..USERS {
        let ou = ["/Students/HS", "/Students/MS", "/Staff"][i % 3];
        let mut u = user(&format!("User{i:06}@d118.org"), ou);
        u["name"] = json!({"givenName": format!("Given{}", i % 977), "familyName": "Family"});
        emu.add_user(&u).unwrap();
    }
    println!("seeded {USERS} users in {:.2?}", seeded.elapsed());
    let c = Client::new();
    let base = emu.base_url();
    let time = |label: &'static str, query: fn(usize) -> String, n: usize| {
        let c = c.clone();
        let url = format!("{base}/users?customer=my_customer&maxResults=500");
        async move {
            let t = std::time::Instant::now();
            let mut found = 0;
            for i in 0..n {
                let resp = c
                    .get(&url)
                    .query(&[("query", query(i * 7919 % USERS).as_str())])
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status(), 200);
                let v: Value = resp.json().await.unwrap();
                found += v["users"].as_array().map_or(0, Vec::len);
            }
            let per = t.elapsed().as_secs_f64() * 1000.0 / n as f64;
            println!("{label}: {per:.3} ms per call ({n} calls, {found} users returned)");
        }
    };
    let t = std::time::Instant::now();
    for i in 0..LOOKUPS {
        let (s, _) = get(
            &c,
            &format!("{base}/users/user{:06}@d118.org", i * 7919 % USERS),
        )
        .await;
        assert_eq!(s, 200);
    }
    println!(
        "users.get (HTTP floor): {:.3} ms per call",
        t.elapsed().as_secs_f64() * 1000.0 / LOOKUPS as f64
    );
    time(
        "email= hit",
        |i| format!("email=user{i:06}@d118.org"),
        LOOKUPS,
    )
    .await;
    time(
        "email= miss",
        |i| format!("email=nobody{i}@d118.org"),
        LOOKUPS,
    )
    .await;
    time(
        "email: prefix (first page)",
        |i| format!("email:user{:03}", i % 1000),
        20,
    )
    .await;
    time(
        "orgUnitPath (first page)",
        |_| "orgUnitPath='/Students'".into(),
        20,
    )
    .await;
    time(
        "givenName= (first page)",
        |i| format!("givenName=given{}", i % 977),
        20,
    )
    .await;
}

/// Admin flags: `isAdmin` by `users.makeAdmin` (and seeding), `isDelegatedAdmin` by seeding;
/// both in the listing; an alias finds its user and blocks an insert with a 409.
#[tokio::test]
async fn admin_flags_make_admin_and_aliases() {
    let emu = start();
    let c = Client::new();
    let base = emu.base_url();
    for email in ["boss@d118.org", "helper@d118.org"] {
        let (s, v) = post(&c, &format!("{base}/users"), &user(email, "/Staff")).await;
        assert_eq!(s, 200, "{v}");
    }
    let (s, v) = post(
        &c,
        &format!("{base}/users/boss@d118.org/makeAdmin"),
        &json!({"status": true}),
    )
    .await;
    assert_eq!((s.as_u16(), v), (204, Value::Null));
    let (s, v) = post(
        &c,
        &format!("{base}/users/nobody@d118.org/makeAdmin"),
        &json!({"status": true}),
    )
    .await;
    assert_eq!(s, 404, "{v}");
    emu.set_delegated_admin("helper@d118.org", true).unwrap();
    let (_, list) = get(
        &c,
        &format!(
            "{base}/users?customer=my_customer&fields=users(primaryEmail,isAdmin,isDelegatedAdmin)"
        ),
    )
    .await;
    assert_eq!(
        list["users"],
        json!([
            {"primaryEmail": "boss@d118.org", "isAdmin": true, "isDelegatedAdmin": false},
            {"primaryEmail": "helper@d118.org", "isAdmin": false, "isDelegatedAdmin": true}
        ])
    );
    emu.add_alias("helper@d118.org", "Help@d118.org").unwrap();
    let (s, got) = get(&c, &format!("{base}/users/help@d118.org")).await;
    assert_eq!(
        (s.as_u16(), got["primaryEmail"].as_str()),
        (200, Some("helper@d118.org"))
    );
    let (s, v) = post(
        &c,
        &format!("{base}/users"),
        &user("help@d118.org", "/Staff"),
    )
    .await;
    assert_error(&v, 409, "duplicate", "Entity already exists.");
    assert_eq!(s, 409);
}
