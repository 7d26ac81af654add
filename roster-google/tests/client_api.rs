//! The real client over real HTTP against the emulator: every endpoint, paging, and Google's
//! errors mapped to the typed error.

mod client_support;

use client_support::*;
use roster_google::client::{
    DirectoryError, ListUsers, OrgUnit, Password, Projection, User, UserExternalId, UserName,
    ou_query,
};
use serde_json::{Map, Value, json};

fn new_user(email: &str, given: &str, family: &str, ou: &str) -> User {
    User {
        primary_email: Some(email.into()),
        name: Some(UserName {
            given_name: Some(given.into()),
            family_name: Some(family.into()),
            full_name: None,
        }),
        org_unit_path: Some(ou.into()),
        password: Some(Password("Welcome-2024!".into())),
        change_password_at_next_login: Some(true),
        ..User::default()
    }
}

#[tokio::test]
async fn users_insert_get_patch_update_and_list() {
    let emu = emulator();
    emu.add_org_unit("/Students/HHS").unwrap();
    add_sync_schema(&emu);
    let c = client(&emu);

    let mut u = new_user("12345@d118.org", "Ann", "Lee", "/Students/HHS");
    let mut cs = Map::new();
    cs.insert("DCID".into(), json!(991));
    cs.insert("Homeroom".into(), json!("B12"));
    u.custom_schemas = Some([("Synchronization_Data".to_string(), cs)].into());
    u.external_ids = Some(vec![UserExternalId {
        value: "12345".into(),
        kind: Some("organization".into()),
        custom_type: None,
    }]);
    let created = c.insert_user(&u).await.unwrap();
    let id = created.id.clone().expect("Google assigns an id");
    assert_eq!(created.primary_email.as_deref(), Some("12345@d118.org"));
    assert!(created.password.is_none(), "the password is never returned");

    // get by email and by id, full projection with custom schemas
    let got = c
        .get_user("12345@d118.org", &Projection::Full, None)
        .await
        .unwrap();
    assert_eq!(got.id.as_deref(), Some(id.as_str()));
    assert_eq!(
        got.custom_schemas.as_ref().unwrap()["Synchronization_Data"]["DCID"],
        json!(991)
    );
    let basic = c.get_user(&id, &Projection::Basic, None).await.unwrap();
    assert!(
        basic.custom_schemas.is_none(),
        "basic projection has no custom schemas"
    );
    // `fields` trims the payload
    let trimmed = c
        .get_user(&id, &Projection::Full, Some("id,primaryEmail"))
        .await
        .unwrap();
    assert!(trimmed.name.is_none() && trimmed.org_unit_path.is_none());
    assert_eq!(trimmed.primary_email.as_deref(), Some("12345@d118.org"));
    // custom projection with a field mask
    let custom = c
        .get_user(
            &id,
            &Projection::Custom("Synchronization_Data".into()),
            None,
        )
        .await
        .unwrap();
    assert!(
        custom
            .custom_schemas
            .unwrap()
            .contains_key("Synchronization_Data")
    );

    // patch one field of the name and one custom field: the rest is kept (merge)
    let patch = User {
        name: Some(UserName {
            family_name: Some("Lee-Smith".into()),
            ..UserName::default()
        }),
        custom_schemas: Some(
            [(
                "Synchronization_Data".to_string(),
                Map::from_iter([("Homeroom".to_string(), json!("C3"))]),
            )]
            .into(),
        ),
        ..User::default()
    };
    c.patch_user(&id, &patch).await.unwrap();
    let after = emu.user(&id).unwrap();
    assert_eq!(after["name"]["givenName"], "Ann");
    assert_eq!(after["name"]["familyName"], "Lee-Smith");
    assert_eq!(after["customSchemas"]["Synchronization_Data"]["DCID"], 991);
    assert_eq!(
        after["customSchemas"]["Synchronization_Data"]["Homeroom"],
        "C3"
    );

    // update (PUT) has patch semantics too
    c.update_user(
        "12345@d118.org",
        &User {
            suspended: Some(true),
            ..User::default()
        },
    )
    .await
    .unwrap();
    let after = emu.user(&id).unwrap();
    assert_eq!(after["suspended"], true);
    assert_eq!(after["orgUnitPath"], "/Students/HHS");

    // list under an OU with a query
    let params = ListUsers {
        query: Some(ou_query("/Students")),
        ..ListUsers::default()
    };
    let listed = c.list_users(&params).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id.as_deref(), Some(id.as_str()));
    assert_eq!(
        listed[0].custom_schemas.as_ref().unwrap()["Synchronization_Data"]["Homeroom"],
        json!("C3")
    );
    let counters = emu.counters();
    for m in [
        "users.insert",
        "users.get",
        "users.patch",
        "users.update",
        "users.list",
    ] {
        assert!(counters.get(m).copied().unwrap_or(0) >= 1, "{m} called");
    }
    assert_eq!(c.api_calls(), emu.total_calls());
}

#[tokio::test]
async fn listing_follows_page_tokens_across_three_pages() {
    let emu = emulator();
    emu.add_org_unit("/Students/HHS").unwrap();
    emu.add_org_unit("/Staff").unwrap();
    for i in 0..1101 {
        add_user(
            &emu,
            &format!("s{i:05}@d118.org"),
            "Stu",
            "Dent",
            "/Students/HHS",
        );
    }
    add_user(&emu, "teacher@d118.org", "Tea", "Cher", "/Staff");
    let c = client(&emu);
    emu.reset_counters();
    let users = c
        .list_users(&ListUsers {
            query: Some(ou_query("/Students")),
            ..ListUsers::default()
        })
        .await
        .unwrap();
    assert_eq!(users.len(), 1101);
    assert_eq!(counter(&emu, "users.list"), 3, "500 + 500 + 101");
    let mut emails: Vec<_> = users
        .iter()
        .map(|u| u.primary_email.clone().unwrap())
        .collect();
    emails.dedup();
    assert_eq!(emails.len(), 1101, "no user twice");
    assert!(!emails.contains(&"teacher@d118.org".to_string()));

    // a page by hand: the token leads to the next page
    let small = ListUsers {
        max_results: 2,
        ..ListUsers::default()
    };
    let p1 = c.list_users_page(&small, None).await.unwrap();
    assert_eq!(p1.users.len(), 2);
    let p2 = c
        .list_users_page(&small, p1.next_page_token.as_deref())
        .await
        .unwrap();
    assert_eq!(p2.users.len(), 2);
    assert_ne!(p1.users[0].primary_email, p2.users[0].primary_email);
}

#[tokio::test]
async fn org_units_list_get_insert() {
    let emu = emulator();
    emu.add_org_unit("/D118 Students/HHS Students").unwrap();
    let c = client(&emu);
    let ou = c.get_org_unit("/D118 Students/HHS Students").await.unwrap();
    assert_eq!(ou.name.as_deref(), Some("HHS Students"));
    assert_eq!(ou.parent_org_unit_path.as_deref(), Some("/D118 Students"));

    let created = c
        .insert_org_unit(&OrgUnit {
            name: Some("9th".into()),
            parent_org_unit_path: Some("/D118 Students/HHS Students".into()),
            ..OrgUnit::default()
        })
        .await
        .unwrap();
    assert_eq!(
        created.org_unit_path.as_deref(),
        Some("/D118 Students/HHS Students/9th")
    );
    let all = c
        .list_org_units(Some("/D118 Students"), true)
        .await
        .unwrap();
    let paths: Vec<_> = all.iter().filter_map(|o| o.org_unit_path.clone()).collect();
    assert!(paths.contains(&"/D118 Students/HHS Students/9th".to_string()));
    let children = c
        .list_org_units(Some("/D118 Students"), false)
        .await
        .unwrap();
    assert_eq!(children.len(), 1);

    let e = c.get_org_unit("/D118 Students/Nope").await.unwrap_err();
    assert_eq!((e.status, e.reason.as_str()), (404, "notFound"));
    let e = c
        .insert_org_unit(&OrgUnit {
            name: Some("9th".into()),
            parent_org_unit_path: Some("/D118 Students/HHS Students".into()),
            ..OrgUnit::default()
        })
        .await
        .unwrap_err();
    // Google's answer to an org unit that exists: 400 invalid "Invalid Ou Id".
    assert_eq!(
        (e.status, e.reason.as_str(), e.message.as_str()),
        (400, "invalid", "Invalid Ou Id")
    );
    assert!(!e.retryable);
}

#[tokio::test]
async fn schemas_list_and_get() {
    let emu = emulator();
    add_sync_schema(&emu);
    let c = client(&emu);
    let all = c.list_schemas().await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].schema_name, "Synchronization_Data");
    let one = c.get_schema("Synchronization_Data").await.unwrap();
    let dcid = one.fields.iter().find(|f| f.field_name == "DCID").unwrap();
    assert_eq!(dcid.field_type, "INT64");
    let e = c.get_schema("Nope").await.unwrap_err();
    assert_eq!((e.status, e.reason.as_str()), (404, "notFound"));
}

#[tokio::test]
async fn groups_by_member_across_pages_and_member_delete() {
    let emu = emulator();
    emu.add_org_unit("/Students").unwrap();
    let u = add_user(&emu, "kid@d118.org", "K", "Id", "/Students");
    add_user(&emu, "other@d118.org", "O", "Ther", "/Students");
    for i in 0..205 {
        emu.add_group(
            &format!("g{i:03}@d118.org"),
            &["kid@d118.org", "other@d118.org"],
        );
    }
    emu.add_group("solo@d118.org", &["other@d118.org"]);
    let c = client(&emu);
    emu.reset_counters();
    let groups = c.list_groups_of("kid@d118.org").await.unwrap();
    assert_eq!(groups.len(), 205);
    assert_eq!(counter(&emu, "groups.list"), 2, "200 per page");
    // by id as well
    let by_id = c.list_groups_of(u["id"].as_str().unwrap()).await.unwrap();
    assert_eq!(by_id.len(), 205);

    let g = groups[0].key().unwrap().to_string();
    c.delete_member(&g, "kid@d118.org").await.unwrap();
    let members = emu
        .group_members(&groups[0].email.clone().unwrap())
        .unwrap();
    assert_eq!(members, vec!["other@d118.org".to_string()]);
    let e = c.delete_member(&g, "kid@d118.org").await.unwrap_err();
    assert_eq!((e.status, e.reason.as_str()), (404, "notFound"));
}

async fn insert_err(c: &roster_google::DirectoryClient, u: &User) -> DirectoryError {
    c.insert_user(u).await.expect_err("the emulator refuses it")
}

#[tokio::test]
async fn googles_errors_become_typed_errors() {
    let emu = emulator();
    emu.add_org_unit("/Students").unwrap();
    add_sync_schema(&emu);
    add_user(&emu, "taken@d118.org", "T", "Aken", "/Students");
    let c = client(&emu);

    // 404 notFound
    let e = c
        .get_user("nobody@d118.org", &Projection::Full, None)
        .await
        .unwrap_err();
    assert_eq!((e.status, e.reason.as_str()), (404, "notFound"));
    assert_eq!(e.message, "Resource Not Found: userKey");
    assert!(!e.retryable);

    // 409 duplicate
    let e = insert_err(&c, &new_user("taken@d118.org", "T", "Aken", "/Students")).await;
    assert_eq!((e.status, e.reason.as_str()), (409, "duplicate"));
    assert_eq!(e.message, "Entity already exists.");

    // 400 invalid OU
    let e = insert_err(&c, &new_user("a@d118.org", "A", "B", "/No Such OU")).await;
    assert_eq!((e.status, e.reason.as_str()), (400, "invalid"));
    assert_eq!(e.message, "Invalid Input: INVALID_OU_ID");

    // name over 60 characters
    let e = insert_err(
        &c,
        &new_user("a@d118.org", &"x".repeat(61), "B", "/Students"),
    )
    .await;
    assert_eq!((e.status, e.reason.as_str()), (400, "invalid"));
    assert!(e.message.contains("GivenName"), "{}", e.message);

    // password under 8 characters
    let mut short = new_user("a@d118.org", "A", "B", "/Students");
    short.password = Some(Password("1234567".into()));
    let e = insert_err(&c, &short).await;
    assert_eq!((e.status, e.reason.as_str()), (400, "invalid"));
    assert_eq!(e.message, "Invalid Password");

    // primary email outside the customer's domains
    let e = insert_err(&c, &new_user("a@elsewhere.org", "A", "B", "/Students")).await;
    assert_eq!((e.status, e.reason.as_str()), (400, "invalid"));
    assert!(e.message.contains("primary_user_email"), "{}", e.message);

    // undefined custom schema field
    let mut bad_field = new_user("a@d118.org", "A", "B", "/Students");
    bad_field.custom_schemas = Some(
        [(
            "Synchronization_Data".to_string(),
            Map::from_iter([("NoSuchField".to_string(), json!("x"))]),
        )]
        .into(),
    );
    let e = insert_err(&c, &bad_field).await;
    assert_eq!((e.status, e.reason.as_str()), (400, "invalid"));

    // a request field the discovery document does not define
    let mut unknown = new_user("a@d118.org", "A", "B", "/Students");
    unknown
        .extra
        .insert("favoriteColor".into(), Value::String("blue".into()));
    let e = insert_err(&c, &unknown).await;
    assert_eq!(e.status, 400);
    assert!(e.message.contains("favoriteColor"), "{}", e.message);
    assert!(!e.retryable);

    // nothing was created by any of them
    assert_eq!(emu.users().len(), 1);

    // an invalid token is a 401 authError, not retried
    let bad = roster_google::DirectoryClient::new(
        config(&emu),
        std::sync::Arc::new(roster_google::StaticToken::new("not-a-token")),
    )
    .unwrap();
    let e = bad
        .get_user("taken@d118.org", &Projection::Basic, None)
        .await
        .unwrap_err();
    assert_eq!((e.status, e.reason.as_str()), (401, "authError"));
    assert!(!e.retryable);
}
