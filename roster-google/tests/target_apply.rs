//! `GoogleDirectory` as a `roster_core::DirectoryTarget` over real HTTP against the emulator:
//! listing, every change kind, the 409-on-create adoption, OU creation, and a full
//! plan -> apply -> plan-again-is-empty cycle through roster-core's engine.

mod client_support;

use std::collections::BTreeMap;

use client_support::*;
use roster_core::plan::AccountPatch;
use roster_core::policy::{DesiredAccount, Intent, MatchKey, Policy};
use roster_core::report::RunReport;
use roster_core::{
    ApplyOptions, Change, ChangeKind, DirectoryTarget, ExternalId, FieldValue, OrgUnitPath, Person,
    PersonKind, SchemaValues, Secret,
};
use roster_google::GoogleDirectory;
use roster_google_emulator::{Faults, RunningEmulator};
use serde_json::{Value, json};

const ROOT: &str = "/D118 Students";
const G9: &str = "/D118 Students/HHS Students/9th";
const G10: &str = "/D118 Students/HHS Students/10th";
const SUSP: &str = "/D118 Students/Suspended";
const MS6: &str = "/D118 Students/MS Students/6th";

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

fn person(n: &str) -> Person {
    Person {
        kind: PersonKind::Student,
        id: n.into(),
        name: format!("Student, {n}"),
    }
}

fn sync(fields: &[(&str, FieldValue)]) -> SchemaValues {
    let mut v = SchemaValues::new();
    let s = v.entry("Synchronization_Data".into()).or_default();
    for (k, val) in fields {
        s.insert((*k).into(), val.clone());
    }
    v
}

fn desired(
    n: &str,
    given: &str,
    family: &str,
    ou: &str,
    suspended: bool,
    schemas: SchemaValues,
) -> Intent {
    let email = format!("{n}@d118.org");
    Intent::Account {
        account: DesiredAccount {
            person: person(n),
            key: None,
            primary_email: email,
            given_name: given.into(),
            family_name: family.into(),
            org_unit_path: OrgUnitPath::new(ou),
            suspended,
            custom_schemas: schemas,
            external_ids: vec![ExternalId {
                kind: "organization".into(),
                value: n.into(),
            }],
        },
        school: Some(1),
    }
}

fn seeded_user(emu: &RunningEmulator, n: &str, given: &str, family: &str, ou: &str, extra: Value) {
    let mut u = json!({
        "primaryEmail": format!("{n}@d118.org"),
        "name": {"givenName": given, "familyName": family},
        "orgUnitPath": ou,
        "externalIds": [{"type": "organization", "value": n}],
    });
    if let (Some(o), Some(e)) = (u.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    emu.add_user(&u).unwrap();
}

fn target(emu: &RunningEmulator) -> GoogleDirectory {
    GoogleDirectory::new(client(emu)).with_retry(fast_retry())
}

fn policy() -> Policy {
    let mut p = Policy::new(MatchKey::PrimaryEmail, vec![OrgUnitPath::new(ROOT)]);
    p.new_account.password = Some(Secret::new("Welcome-2024!"));
    p
}

fn opts() -> ApplyOptions {
    ApplyOptions {
        retry: fast_retry(),
        ..ApplyOptions::default()
    }
}

async fn plan_now(t: &GoogleDirectory, intents: &[Intent]) -> roster_core::Plan {
    let p = policy();
    let observed = t.list_accounts(&p.managed_roots).await.unwrap();
    roster_core::plan(intents, &observed, &p, today())
}

#[tokio::test]
async fn plan_apply_then_plan_again_is_empty() {
    let emu = emulator();
    add_sync_schema(&emu);
    for ou in [G9, SUSP, "/Other"] {
        emu.add_org_unit(ou).unwrap();
    }
    let g2031 = json!({"customSchemas": {"Synchronization_Data": {"Grad_Year": 2031}}});
    seeded_user(&emu, "s1", "Ann", "Lee", G9, g2031.clone());
    seeded_user(&emu, "s2", "Bo", "Ng", G9, g2031.clone());
    seeded_user(&emu, "s3", "Cy", "Ortiz", G9, g2031.clone());
    seeded_user(&emu, "s4", "Di", "Park", SUSP, json!({"suspended": true}));
    seeded_user(&emu, "s5", "Ed", "Quinn", "/Other", json!({}));
    seeded_user(&emu, "s7", "Flo", "Ruiz", G9, g2031.clone());
    emu.add_group("hhs-9th@d118.org", &["s3@d118.org", "s1@d118.org"]);
    emu.add_group("band@d118.org", &["s3@d118.org"]);

    let y = |v: i64| FieldValue::Int(v);
    let intents = vec![
        // s1: family name and a new homeroom value (Grad_Year unchanged)
        desired(
            "s1",
            "Ann",
            "Lee-Smith",
            G9,
            false,
            sync(&[("Grad_Year", y(2031)), ("Homeroom", "B12".into())]),
        ),
        // s2: moves up a grade (the OU does not exist yet)
        desired(
            "s2",
            "Bo",
            "Ng",
            G10,
            false,
            sync(&[("Grad_Year", y(2031))]),
        ),
        // s3: left: suspended, moved, removed from groups
        desired(
            "s3",
            "Cy",
            "Ortiz",
            SUSP,
            true,
            sync(&[("Grad_Year", y(2031))]),
        ),
        // s4: came back
        desired("s4", "Di", "Park", G9, false, SchemaValues::new()),
        // s5: has an account outside the managed OUs: create -> 409 -> adopted
        desired("s5", "Ed", "Quinn", G9, false, sync(&[("DCID", y(5005))])),
        // s6: new, in a new OU chain
        desired(
            "s6",
            "Gus",
            "Tam",
            MS6,
            false,
            sync(&[("DCID", y(6006)), ("Grad_Year", y(2033))]),
        ),
        // s7: in sync
        desired(
            "s7",
            "Flo",
            "Ruiz",
            G9,
            false,
            sync(&[("Grad_Year", y(2031))]),
        ),
    ];

    let t = target(&emu);
    let plan = plan_now(&t, &intents).await;
    let counts = plan.counts();
    let expect: BTreeMap<&str, usize> = [
        ("create", 2),
        ("update", 1),
        ("move", 3),
        ("suspend", 1),
        ("unsuspend", 1),
        ("remove_from_groups", 1),
    ]
    .into();
    assert_eq!(counts, expect, "{}", plan.table());

    let mut report = RunReport::new("test", "apply");
    let listed_with = t.api_calls();
    roster_core::apply(&t, &plan, &opts(), None, None, &mut report).await;
    assert!(report.failures.is_empty(), "{:#?}", report.failures);
    assert_eq!(report.applied.values().sum::<usize>(), 9);
    assert_eq!(report.api_calls, t.api_calls() - listed_with);
    assert_eq!(t.api_calls(), emu.total_calls());

    // Exactly the expected accounts, OUs and schema values.
    let u = |n: &str| emu.user(&format!("{n}@d118.org")).unwrap();
    let s1 = u("s1");
    assert_eq!(s1["name"]["familyName"], "Lee-Smith");
    assert_eq!(
        s1["customSchemas"]["Synchronization_Data"],
        json!({"Grad_Year": 2031, "Homeroom": "B12"})
    );
    assert_eq!(u("s2")["orgUnitPath"], G10);
    let s3 = u("s3");
    assert_eq!(
        (s3["orgUnitPath"].as_str(), s3["suspended"].as_bool()),
        (Some(SUSP), Some(true))
    );
    assert_eq!(
        emu.group_members("hhs-9th@d118.org").unwrap(),
        vec!["s1@d118.org".to_string()]
    );
    assert!(emu.group_members("band@d118.org").unwrap().is_empty());
    let s4 = u("s4");
    assert_eq!(
        (s4["orgUnitPath"].as_str(), s4["suspended"].as_bool()),
        (Some(G9), Some(false))
    );
    // Adopted by the plan's rules: stamped, but not moved out of an OU outside the roots.
    let s5 = u("s5");
    assert_eq!(s5["orgUnitPath"], "/Other");
    assert_eq!(s5["customSchemas"]["Synchronization_Data"]["DCID"], 5005);
    let s6 = u("s6");
    assert_eq!(s6["orgUnitPath"], MS6);
    assert_eq!(
        s6["name"],
        json!({"givenName": "Gus", "familyName": "Tam", "fullName": "Gus Tam"})
    );
    assert_eq!(
        s6["customSchemas"]["Synchronization_Data"],
        json!({"DCID": 6006, "Grad_Year": 2033})
    );
    assert_eq!(
        s6["externalIds"],
        json!([{"type": "organization", "value": "s6"}])
    );
    assert_eq!(emu.users().len(), 7, "one new account, nothing else");
    let st = emu.state();
    for ou in [G10, MS6, "/D118 Students/MS Students"] {
        assert!(st.ou_exists(ou), "{ou} created");
    }
    assert_eq!(counter(&emu, "orgunits.insert"), 3);

    // Idempotence: the next plan's only write is s5's create, which meets its account
    // outside the listing again (not moved in) and changes nothing.
    let again = plan_now(&t, &intents).await;
    assert_eq!(again.writes().count(), 1, "{}", again.table());
    // ... and costs one list call per root (every account fits in one page).
    let before = emu.total_calls();
    t.list_accounts(&policy().managed_roots).await.unwrap();
    assert_eq!(emu.total_calls() - before, 1);
}

#[tokio::test]
async fn apply_succeeds_under_injected_faults_through_engine_retries() {
    let emu = emulator();
    add_sync_schema(&emu);
    emu.add_org_unit(G9).unwrap();
    let intents: Vec<Intent> = (0..25)
        .map(|i| {
            desired(
                &format!("n{i:02}"),
                "New",
                "Kid",
                G9,
                false,
                sync(&[("DCID", FieldValue::Int(i))]),
            )
        })
        .collect();
    let t = target(&emu);
    let plan = plan_now(&t, &intents).await;
    assert_eq!(plan.count("create"), 25);
    emu.set_faults(Faults {
        backend_error: 0.2,
        too_many_requests: 0.1,
        drop_connection: 0.05,
    });
    let mut report = RunReport::new("test", "apply");
    roster_core::apply(&t, &plan, &opts(), None, None, &mut report).await;
    emu.set_faults(Faults::default());
    assert!(report.failures.is_empty(), "{:#?}", report.failures);
    assert!(report.retries > 0, "faults were injected and retried");
    assert_eq!(emu.users().len(), 25);
    assert!(plan_now(&t, &intents).await.is_empty());
}

#[tokio::test]
async fn create_of_an_existing_account_outside_the_listed_ous_adopts_it() {
    let emu = emulator();
    emu.add_org_unit(G9).unwrap();
    emu.add_org_unit("/Elsewhere").unwrap();
    seeded_user(
        &emu,
        "x1",
        "Old",
        "Name",
        "/Elsewhere",
        json!({"suspended": true}),
    );
    let t = target(&emu);
    let account = roster_core::Account {
        id: None,
        primary_email: "x1@d118.org".into(),
        given_name: "New".into(),
        family_name: "Name".into(),
        org_unit_path: OrgUnitPath::new(G9),
        suspended: false,
        custom_schemas: SchemaValues::new(),
        external_ids: vec![],
        admin: None,
    };
    let change = Change {
        person: person("x1"),
        email: "x1@d118.org".into(),
        account_id: None,
        kind: ChangeKind::Create {
            account,
            password: Some(Secret::new("Welcome-2024!")),
            change_password_at_next_login: true,
        },
    };
    // The target hands the 409 back; the engine reads the account and plans it.
    let err = t.apply(&change).await.unwrap_err();
    assert_eq!((err.status, err.reason.as_str()), (409, "duplicate"));
    let plan = roster_core::Plan {
        changes: vec![change.clone()],
        ..roster_core::Plan::default()
    };
    let mut report = RunReport::new("test", "apply");
    let rules = ApplyOptions {
        rules: Some(std::sync::Arc::new(policy())),
        ..opts()
    };
    let before = t.api_calls();
    roster_core::apply(&t, &plan, &rules, None, None, &mut report).await;
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!(
        t.api_calls() - before,
        5,
        "insert (409), get, schemas.list, patch (names), patch (unsuspend)"
    );
    let note = &report.notes[0];
    assert!(
        note.contains("409") && note.contains("/Elsewhere") && note.contains("not moved"),
        "{note}"
    );
    let u = emu.user("x1@d118.org").unwrap();
    assert_eq!(u["orgUnitPath"], "/Elsewhere");
    assert_eq!(u["name"]["givenName"], "New");
    assert_eq!(u["suspended"], false);

    // A plain create counts one call and has no note.
    let mut fresh = change.clone();
    if let ChangeKind::Create { account, .. } = &mut fresh.kind {
        account.primary_email = "x2@d118.org".into();
    }
    fresh.email = "x2@d118.org".into();
    let applied = t.apply(&fresh).await.unwrap();
    assert_eq!((applied.api_calls, applied.note), (1, None));
}

#[tokio::test]
async fn changes_address_the_account_by_id_and_map_errors() {
    let emu = emulator();
    add_sync_schema(&emu);
    emu.add_org_unit(G9).unwrap();
    seeded_user(&emu, "r1", "Ren", "Ame", G9, json!({}));
    let id = emu.user("r1@d118.org").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let t = target(&emu);
    let mk = |email: &str, kind: ChangeKind| Change {
        person: person("r1"),
        email: email.into(),
        account_id: Some(id.clone()),
        kind,
    };
    // rename, then an update addressed by id with the (already new) email
    t.apply(&mk(
        "r1@d118.org",
        ChangeKind::Rename {
            from: "r1@d118.org".into(),
            to: "ren.ame@d118.org".into(),
        },
    ))
    .await
    .unwrap();
    let patch = AccountPatch {
        given_name: Some("Renee".into()),
        custom_schemas: sync(&[("DCID", FieldValue::Text("77".into()))]),
        external_ids: Some(vec![ExternalId {
            kind: "sis".into(),
            value: "r-1".into(),
        }]),
        ..AccountPatch::default()
    };
    t.apply(&mk("ren.ame@d118.org", ChangeKind::Update(patch)))
        .await
        .unwrap();
    let a = t.get_account("ren.ame@d118.org").await.unwrap().unwrap();
    assert_eq!(a.id.as_deref(), Some(id.as_str()));
    assert_eq!(
        (a.given_name.as_str(), a.family_name.as_str()),
        ("Renee", "Ame")
    );
    assert_eq!(
        a.custom_schemas["Synchronization_Data"]["DCID"],
        FieldValue::Int(77)
    );
    assert_eq!(
        a.external_ids,
        vec![ExternalId {
            kind: "sis".into(),
            value: "r-1".into()
        }]
    );
    // Google keeps the old address as an alias: it still names the renamed account.
    let by_old = t.get_account("r1@d118.org").await.unwrap().unwrap();
    assert_eq!(by_old.primary_email, "ren.ame@d118.org");

    // A move to an OU that does not exist: Google's 400, not retryable.
    let e = t
        .apply(&mk(
            "ren.ame@d118.org",
            ChangeKind::Move {
                from: OrgUnitPath::new(G9),
                to: OrgUnitPath::new("/Nowhere"),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(
        (e.status, e.reason.as_str(), e.retryable),
        (400, "invalid", false)
    );
    // A transient failure comes back retryable for the engine.
    emu.set_faults(Faults {
        backend_error: 1.0,
        ..Faults::default()
    });
    let e = t
        .apply(&mk("ren.ame@d118.org", ChangeKind::Suspend))
        .await
        .unwrap_err();
    assert_eq!((e.status, e.retryable), (503, true));
    emu.set_faults(Faults::default());
    // Unknown user: 404.
    let mut gone = mk("nobody@d118.org", ChangeKind::Suspend);
    gone.account_id = None;
    let e = t.apply(&gone).await.unwrap_err();
    assert_eq!((e.status, e.reason.as_str()), (404, "notFound"));
}

#[tokio::test]
async fn list_accounts_dedupes_nested_roots_and_tolerates_missing_ones() {
    let emu = emulator();
    emu.add_org_unit("/A/B").unwrap();
    emu.add_org_unit("/C").unwrap();
    for i in 0..3 {
        seeded_user(&emu, &format!("a{i}"), "A", "A", "/A", json!({}));
        seeded_user(&emu, &format!("b{i}"), "B", "B", "/A/B", json!({}));
        seeded_user(&emu, &format!("c{i}"), "C", "C", "/C", json!({}));
    }
    let t = GoogleDirectory::connect(
        config(&emu),
        std::sync::Arc::new(roster_google::StaticToken::new(
            emu.issue_access_token(ADMIN),
        )),
    )
    .unwrap();
    let roots: Vec<OrgUnitPath> = ["/A", "/A/B", "/Not There"]
        .into_iter()
        .map(OrgUnitPath::new)
        .collect();
    let accounts = t.list_accounts(&roots).await.unwrap();
    let emails: Vec<&str> = accounts.iter().map(|a| a.primary_email.as_str()).collect();
    assert_eq!(
        emails,
        ["a0", "a1", "a2", "b0", "b1", "b2"]
            .map(|n| format!("{n}@d118.org"))
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
    );
    let all = t.list_accounts(&[OrgUnitPath::root()]).await.unwrap();
    assert_eq!(all.len(), 9);
}

#[tokio::test]
async fn ensure_org_unit_creates_parents_first_once() {
    let emu = emulator();
    emu.add_org_unit("/X").unwrap();
    let t = target(&emu);
    let path = OrgUnitPath::new("/X/Y Z/W");
    t.ensure_org_unit(&path).await.unwrap();
    let st = emu.state();
    assert!(st.ou_exists("/X/Y Z") && st.ou_exists("/X/Y Z/W"));
    assert_eq!(counter(&emu, "orgunits.insert"), 2);
    // Known now: no call at all.
    let before = emu.total_calls();
    t.ensure_org_unit(&path).await.unwrap();
    t.ensure_org_unit(&OrgUnitPath::new("/X/Y Z"))
        .await
        .unwrap();
    assert_eq!(emu.total_calls(), before);
    // Another target (another run): one get, no insert.
    let t2 = target(&emu);
    t2.ensure_org_unit(&path).await.unwrap();
    assert_eq!(emu.total_calls(), before + 1);
    assert_eq!(counter(&emu, "orgunits.insert"), 2);
    // Under faults, creation still succeeds (it retries on its own).
    emu.set_faults(Faults {
        backend_error: 0.4,
        ..Faults::default()
    });
    t2.ensure_org_unit(&OrgUnitPath::new("/X/Q/R/S"))
        .await
        .unwrap();
    emu.set_faults(Faults::default());
    assert!(emu.state().ou_exists("/X/Q/R/S"));
}
