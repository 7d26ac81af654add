//! Property tests of the plan/apply loop (DESIGN §4): for random desired and observed states,
//!
//! 1. applying the plan to an [`InMemoryDirectory`] (with injected retryable faults) leaves a
//!    directory for which a fresh plan writes nothing (idempotence), and every desired active
//!    account exists exactly once with the desired values;
//! 2. no account outside the managed OUs is touched, except the one documented adoption: a
//!    create whose email is taken by an account outside the managed OUs (Google's `409
//!    duplicate`) takes that account over.
//!
//! Both match keys are covered: primary email (students) and a custom schema field (staff,
//! `Synchronization_Data.DCID`), with frozen and reactivation OUs, duplicate SIS keys,
//! case-different emails and OUs, skips, suspensions and renames.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::NaiveDate;
use proptest::prelude::*;
use roster_core::apply::{ApplyOptions, Retry, apply};
use roster_core::directory::{Account, ExternalId, FieldValue, OrgUnitPath, SchemaValues};
use roster_core::model::{Person, PersonKind};
use roster_core::plan::{ChangeKind, Plan, plan};
use roster_core::policy::{DesiredAccount, Intent, MatchKey, Policy, normalize_email};
use roster_core::report::RunReport;
use roster_core::{DirectoryTarget, InMemoryDirectory, TargetError};

const SCHEMA: &str = "Synchronization_Data";
const FIELD: &str = "DCID";

/// OUs a desired account may want (all inside the managed roots, as a district's policy
/// guarantees: a desired OU outside the roots could never be observed again).
const DESIRED_OUS: &[&str] = &[
    "/Students",
    "/Students/A",
    "/Students/B",
    "/Suspended",
    "/Suspended/Graduated",
];

/// OUs an observed account may be in: managed, frozen, reactivation, and unmanaged ones
/// (including a name that only shares a prefix with a root, and a case variant).
const OBSERVED_OUS: &[&str] = &[
    "/Students",
    "/Students/A",
    "/students/b",
    "/Suspended",
    "/Students/Frozen",
    "/Students/Frozen/Deep",
    "/Students/Reactivated",
    "/Other",
    "/StudentsX",
    "/",
];

fn roots() -> Vec<OrgUnitPath> {
    vec!["/Students".into(), "/Suspended".into()]
}

fn policy(key: &MatchKey) -> Policy {
    let mut p = Policy::new(key.clone(), roots());
    p.frozen_ous = vec!["/Students/Frozen".into()];
    p.reactivation_ous = vec!["/Students/Reactivated".into()];
    p
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

/// Emails `u0@d.org` ... `u{n}@d.org`; unmanaged-only ones are `x{n}@d.org`.
fn email(i: u8) -> String {
    format!("u{i}@d.org")
}

/// One generated SIS person before the match key is chosen.
#[derive(Debug, Clone)]
struct GenPerson {
    email: u8,
    /// Staff DCID (shared by two people now and then: a duplicate SIS key).
    dcid: u8,
    given: u8,
    family: u8,
    ou: usize,
    suspended: bool,
    field: Option<u8>,
    ext: Option<u8>,
    skip: bool,
}

fn gen_person() -> impl Strategy<Value = GenPerson> {
    (
        0u8..10,
        0u8..10,
        0u8..3,
        0u8..3,
        0..DESIRED_OUS.len(),
        prop::bool::weighted(0.25),
        prop::option::of(0u8..3),
        prop::option::of(0u8..2),
        prop::bool::weighted(0.1),
    )
        .prop_map(
            |(email, dcid, given, family, ou, suspended, field, ext, skip)| GenPerson {
                email,
                dcid,
                given,
                family,
                ou,
                suspended,
                field,
                ext,
                skip,
            },
        )
}

/// One generated directory account.
#[derive(Debug, Clone)]
struct GenAccount {
    /// Index into the shared pool (`u{i}`), or into the unmanaged-only pool (`x{i}`).
    email: u8,
    shared_email: bool,
    upper_case: bool,
    dcid: Option<u8>,
    given: u8,
    family: u8,
    ou: usize,
    suspended: bool,
    field: Option<u8>,
    ext: Option<u8>,
}

fn gen_account() -> impl Strategy<Value = GenAccount> {
    (
        (0u8..10, prop::bool::weighted(0.8), any::<bool>()),
        prop::option::of(0u8..10),
        0u8..3,
        0u8..3,
        0..OBSERVED_OUS.len(),
        any::<bool>(),
        prop::option::of(0u8..3),
        prop::option::of(0u8..2),
    )
        .prop_map(
            |(
                (email, shared_email, upper_case),
                dcid,
                given,
                family,
                ou,
                suspended,
                field,
                ext,
            )| {
                GenAccount {
                    email,
                    shared_email,
                    upper_case,
                    dcid,
                    given,
                    family,
                    ou,
                    suspended,
                    field,
                    ext,
                }
            },
        )
}

const NAMES: &[&str] = &["Ana", "Minh", "Zoë"];

fn schemas(dcid: Option<u8>, field: Option<u8>) -> SchemaValues {
    let mut s = SchemaValues::new();
    if let Some(d) = dcid {
        s.entry(SCHEMA.into())
            .or_default()
            .insert(FIELD.into(), FieldValue::Int(d.into()));
    }
    if let Some(f) = field {
        // Sometimes written as text: "1" and 1 are the same value to Google and the plan.
        let v = if f == 2 {
            FieldValue::Text("2".into())
        } else {
            FieldValue::Int(f.into())
        };
        s.entry(SCHEMA.into())
            .or_default()
            .insert("Homeschool_ID".into(), v);
    }
    s
}

fn ext(e: Option<u8>) -> Vec<ExternalId> {
    e.map(|v| {
        vec![ExternalId {
            kind: "organization".into(),
            value: format!("T{v}"),
        }]
    })
    .unwrap_or_default()
}

fn desired(people: &[GenPerson], key: &MatchKey) -> Vec<Intent> {
    people
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let person = Person {
                kind: PersonKind::Staff,
                id: format!("p{i:02}"),
                name: format!("{}, {}", NAMES[g.family as usize], NAMES[g.given as usize]),
            };
            if g.skip {
                return Intent::Skip {
                    person,
                    reason: "bad name".into(),
                    school: Some(1),
                };
            }
            let primary_email = email(g.email);
            let (k, dcid) = match key {
                MatchKey::PrimaryEmail => (None, None),
                MatchKey::SchemaField { .. } => (Some(g.dcid.to_string()), Some(g.dcid)),
            };
            Intent::Account {
                account: DesiredAccount {
                    person,
                    key: k,
                    primary_email,
                    given_name: NAMES[g.given as usize].into(),
                    family_name: NAMES[g.family as usize].into(),
                    org_unit_path: DESIRED_OUS[g.ou].into(),
                    suspended: g.suspended,
                    custom_schemas: schemas(dcid, g.field),
                    external_ids: ext(g.ext),
                },
                school: Some(1),
            }
        })
        .collect()
}

/// Fills a directory with the generated accounts (emails unique, as Google enforces).
/// In schema-field mode, unmanaged accounts never hold an email a desired person wants:
/// see [`rename_onto_an_unmanaged_email_fails_and_leaves_it_alone`] for that conflict.
fn directory(
    accounts: &[GenAccount],
    key: &MatchKey,
    wanted: &BTreeSet<String>,
) -> InMemoryDirectory {
    let dir = InMemoryDirectory::new();
    let mut used = BTreeSet::new();
    for (i, g) in accounts.iter().enumerate() {
        let ou: OrgUnitPath = OBSERVED_OUS[g.ou].into();
        let managed = roots().iter().any(|r| ou.is_within(r));
        let mut addr = if g.shared_email {
            email(g.email)
        } else {
            format!("x{}@d.org", g.email)
        };
        if !managed && matches!(key, MatchKey::SchemaField { .. }) && wanted.contains(&addr) {
            addr = format!("x{i}-{addr}");
        }
        if !used.insert(normalize_email(&addr)) {
            continue;
        }
        if g.upper_case {
            addr = addr.to_uppercase();
        }
        let dcid = match key {
            MatchKey::SchemaField { .. } => g.dcid,
            MatchKey::PrimaryEmail => None,
        };
        dir.insert(Account {
            id: None,
            primary_email: addr,
            given_name: NAMES[g.given as usize].into(),
            family_name: NAMES[g.family as usize].into(),
            org_unit_path: ou,
            suspended: g.suspended,
            custom_schemas: schemas(dcid, g.field),
            external_ids: ext(g.ext),
            admin: None,
        });
    }
    dir
}

fn key_strategy() -> impl Strategy<Value = MatchKey> {
    prop_oneof![
        Just(MatchKey::PrimaryEmail),
        Just(MatchKey::SchemaField {
            schema: SCHEMA.into(),
            field: FIELD.into()
        }),
    ]
}

fn fast_apply() -> ApplyOptions {
    ApplyOptions {
        concurrency: 4,
        retry: Retry {
            max_attempts: 8,
            base: Duration::from_micros(100),
            max: Duration::from_millis(1),
        },
        ..ApplyOptions::default()
    }
}

fn run<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
        .block_on(f)
}

async fn observe(dir: &InMemoryDirectory) -> Vec<Account> {
    dir.list_accounts(&roots()).await.unwrap()
}

/// Emails of accounts that a create may legitimately take over (Google's 409 adoption).
fn created_emails(p: &Plan) -> BTreeSet<String> {
    p.changes
        .iter()
        .filter_map(|c| match &c.kind {
            ChangeKind::Create { account, .. } => Some(normalize_email(&account.primary_email)),
            _ => None,
        })
        .collect()
}

/// Plans and applies until the plan writes nothing (at most 5 rounds); returns the last
/// plan and the plans applied after the first. A rename chain (A wants B's email while B is
/// renamed away) needs one more run: the plan only renames onto emails that are free when
/// it is computed.
fn settle(dir: &InMemoryDirectory, desired: &[Intent], policy: &Policy) -> (Plan, Vec<Plan>) {
    let mut applied = Vec::new();
    loop {
        let p = plan(desired, &run(observe(dir)), policy, today());
        if settled(&p, dir, policy) || applied.len() >= 5 {
            return (p, applied);
        }
        let mut report = RunReport::new("prop", "apply");
        run(apply(dir, &p, &fast_apply(), None, None, &mut report));
        assert!(report.failures.is_empty(), "{:?}", report.failures);
        applied.push(p);
    }
}

/// Does the plan write nothing but creates that meet an account outside the managed OUs?
/// Those accounts are never moved in (issue 14), so each run's create meets them again and
/// adopts them with nothing left to change.
fn settled(p: &Plan, dir: &InMemoryDirectory, policy: &Policy) -> bool {
    let parked: BTreeSet<String> = dir
        .accounts()
        .iter()
        .filter(|a| !policy.manages(&a.org_unit_path))
        .map(|a| normalize_email(&a.primary_email))
        .collect();
    p.writes().all(|c| match &c.kind {
        ChangeKind::Create { account, .. } => {
            parked.contains(&normalize_email(&account.primary_email))
        }
        _ => false,
    })
}

/// Does this plan rename an account away from an email that another person of the same
/// plan was refused because it was still in use? Then the next run gives that person the
/// freed email. (Deliberately not done in the same run: changes of different accounts run
/// concurrently, so a create could reach Google before the rename and adopt the wrong
/// account on its 409.)
fn waits_for_a_rename(p: &Plan) -> bool {
    let renamed_from: BTreeSet<String> = p
        .changes
        .iter()
        .filter_map(|c| match &c.kind {
            ChangeKind::Rename { from, .. } => Some(normalize_email(from)),
            _ => None,
        })
        .collect();
    p.changes.iter().any(|c| match &c.kind {
        ChangeKind::Skip { reason } => renamed_from
            .iter()
            .any(|from| reason.contains(&format!(" {from}"))),
        _ => false,
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn apply_then_plan_is_empty_and_unmanaged_accounts_are_untouched(
        key in key_strategy(),
        people in prop::collection::vec(gen_person(), 0..12),
        accounts in prop::collection::vec(gen_account(), 0..12),
        faults in 0usize..7,
    ) {
        let desired = desired(&people, &key);
        let wanted: BTreeSet<String> = desired
            .iter()
            .filter_map(|i| match i {
                Intent::Account { account, .. } => Some(normalize_email(&account.primary_email)),
                _ => None,
            })
            .collect();
        let dir = directory(&accounts, &key, &wanted);
        let policy = policy(&key);
        let before: BTreeMap<String, Account> = dir
            .accounts()
            .into_iter()
            .map(|a| (a.id.clone().unwrap(), a))
            .collect();

        let first = plan(&desired, &run(observe(&dir)), &policy, today());
        // Determinism: the same inputs give the same plan.
        prop_assert_eq!(&first, &plan(&desired, &run(observe(&dir)), &policy, today()));

        // Retryable faults (fewer than the attempts allowed): nothing may fail.
        dir.inject_faults(
            (0..faults).map(|i| TargetError::new(if i % 2 == 0 { 503 } else { 429 }, "backendError", "injected")),
        );
        let mut report = RunReport::new("prop", "apply");
        run(apply(&dir, &first, &fast_apply(), None, None, &mut report));
        prop_assert!(report.failures.is_empty(), "failures: {:?}", report.failures);
        let applied: usize = report.applied.values().sum();
        prop_assert_eq!(applied, first.writes().count());

        // Unmanaged accounts: untouched unless a create adopted them by email.
        let adopted = created_emails(&first);
        let after_first: BTreeMap<String, Account> = dir
            .accounts()
            .into_iter()
            .map(|a| (a.id.clone().unwrap(), a))
            .collect();
        for (id, old) in &before {
            if policy.manages(&old.org_unit_path) {
                continue;
            }
            if adopted.contains(&normalize_email(&old.primary_email)) {
                let now = &after_first[id];
                prop_assert_eq!(&now.org_unit_path, &old.org_unit_path, "an adopted account was moved out of its OU");
                continue;
            }
            prop_assert_eq!(Some(old), after_first.get(id), "an unmanaged account changed");
        }
        // Nothing was deleted, and nothing was created beyond the plan's creates.
        prop_assert!(before.keys().all(|id| after_first.contains_key(id)));
        let new_accounts = after_first.len() - before.len();
        prop_assert!(new_accounts <= first.count("create"));

        // Idempotence: the next plan writes nothing. The one exception: a person refused an
        // email that the same plan renames away from another account gets it in the next
        // run (a chain of such renames takes one run per link); then the plan is empty.
        let (again, extra) = settle(&dir, &desired, &policy);
        prop_assert!(settled(&again, &dir, &policy), "not converged after {} extra runs:\n{}", extra.len(), again.table());
        let mut previous = &first;
        for p in &extra {
            prop_assert!(
                waits_for_a_rename(previous),
                "an extra run was needed without a rename chain:\n{}\nthen:\n{}",
                previous.table(),
                p.table()
            );
            previous = p;
        }
        let after: BTreeMap<String, Account> = dir
            .accounts()
            .into_iter()
            .map(|a| (a.id.clone().unwrap(), a))
            .collect();
        for (id, old) in &before {
            if !policy.manages(&old.org_unit_path) && !adopted.contains(&normalize_email(&old.primary_email)) {
                prop_assert_eq!(Some(old), after.get(id), "an unmanaged account changed in a later run");
            }
        }

        // Every desired active person who was not skipped has exactly one account with the
        // desired values (the first SIS person wins a duplicated key).
        let settled = plan(&desired, &run(observe(&dir)), &policy, today());
        let skipped: BTreeSet<&Person> = settled
            .changes
            .iter()
            .filter(|c| matches!(c.kind, ChangeKind::Skip { .. }))
            .map(|c| &c.person)
            .collect();
        for intent in &desired {
            let Intent::Account { account: d, .. } = intent else { continue };
            if d.suspended || skipped.contains(&d.person) {
                continue;
            }
            let holders: Vec<Account> = dir
                .accounts()
                .into_iter()
                .filter(|a| normalize_email(&a.primary_email) == normalize_email(&d.primary_email))
                .collect();
            prop_assert_eq!(holders.len(), 1, "{} has {} accounts", d.primary_email, holders.len());
            let a = &holders[0];
            prop_assert_eq!(&a.given_name, &d.given_name);
            prop_assert_eq!(&a.family_name, &d.family_name);
            prop_assert!(!a.suspended || policy.is_reactivated(&a.org_unit_path), "{:?}", a);
            prop_assert!(
                a.org_unit_path.as_str().eq_ignore_ascii_case(d.org_unit_path.as_str())
                    || policy.is_frozen(&a.org_unit_path)
                    || policy.is_reactivated(&a.org_unit_path)
                    || !policy.manages(&a.org_unit_path),
                "{:?} wants {}", a, d.org_unit_path
            );
        }
    }
}

/// A staff rename onto an email held by an account outside the managed OUs cannot succeed
/// (Google answers 409): it is reported as a failure, the outside account is left exactly as
/// it was, and the other changes still apply.
#[test]
fn rename_onto_an_unmanaged_email_fails_and_leaves_it_alone() {
    let key = MatchKey::SchemaField {
        schema: SCHEMA.into(),
        field: FIELD.into(),
    };
    let policy = policy(&key);
    let dir = InMemoryDirectory::new();
    let outside = Account {
        id: None,
        primary_email: "u2@d.org".into(),
        given_name: "Ana".into(),
        family_name: "Ana".into(),
        org_unit_path: "/Other".into(),
        suspended: false,
        custom_schemas: SchemaValues::new(),
        external_ids: Vec::new(),
        admin: None,
    };
    let outside_id = dir.insert(outside.clone());
    dir.insert(Account {
        primary_email: "u1@d.org".into(),
        org_unit_path: "/Students".into(),
        custom_schemas: schemas(Some(7), None),
        ..outside.clone()
    });
    let people = [
        GenPerson {
            email: 2,
            dcid: 7,
            given: 1,
            family: 1,
            ou: 1,
            suspended: false,
            field: None,
            ext: None,
            skip: false,
        },
        GenPerson {
            email: 3,
            dcid: 8,
            given: 0,
            family: 0,
            ou: 0,
            suspended: false,
            field: None,
            ext: None,
            skip: false,
        },
    ];
    let desired = desired(&people, &key);
    let p = plan(&desired, &run(observe(&dir)), &policy, today());
    assert_eq!(p.count("rename"), 1, "{}", p.table());
    let mut report = RunReport::new("prop", "apply");
    run(apply(&dir, &p, &fast_apply(), None, None, &mut report));
    // The rename failed with Google's reason; the later changes of that account (they
    // depend on it) are reported as not attempted.
    assert_eq!(report.failures[0].action, "rename");
    assert_eq!(report.failures[0].error.reason, "duplicate");
    assert!(report.failures.len() > 1, "{:?}", report.failures);
    for f in &report.failures[1..] {
        assert_eq!(f.person.id, "p00");
        assert_eq!(f.error.reason, "skippedAfterFailure");
    }
    // The other person was still created.
    assert_eq!(report.applied.get("create"), Some(&1));
    let mut expected = outside.clone();
    expected.id = Some(outside_id);
    assert_eq!(dir.account("u2@d.org"), Some(expected));
    assert!(dir.account("u3@d.org").is_some());
}

/// Found by the property above: two staff rows with different DCIDs and one email (a
/// person with two `USERS` records). The plan used to create (or rename onto) the address
/// for both; whichever write lost got Google's 409 and adopted the winner's account, so which
/// person ended up owning it depended on timing. Now the first in SIS order gets the email and
/// the other is skipped with the reason, in every combination of new and existing accounts.
#[test]
fn two_people_with_one_email_the_first_in_sis_order_gets_it() {
    let key = MatchKey::SchemaField {
        schema: SCHEMA.into(),
        field: FIELD.into(),
    };
    let policy = policy(&key);
    let person = |email: u8, dcid: u8| GenPerson {
        email,
        dcid,
        given: 0,
        family: 0,
        ou: 0,
        suspended: false,
        field: None,
        ext: None,
        skip: false,
    };
    let existing = |dir: &InMemoryDirectory, email: &str, dcid: u8| {
        dir.insert(Account {
            id: None,
            primary_email: email.into(),
            given_name: "Ana".into(),
            family_name: "Ana".into(),
            org_unit_path: "/Students".into(),
            suspended: false,
            custom_schemas: schemas(Some(dcid), None),
            external_ids: Vec::new(),
            admin: None,
        })
    };

    // Both new: one create (the first person), one skip.
    let dir = InMemoryDirectory::new();
    let desired = desired(&[person(8, 1), person(8, 2)], &key);
    let p = plan(&desired, &run(observe(&dir)), &policy, today());
    assert_eq!(p.count("create"), 1, "{}", p.table());
    assert_eq!(p.changes[0].person.id, "p00");
    assert!(
        matches!(&p.changes[1].kind, ChangeKind::Skip { reason } if reason.contains("already claims u8@d.org"))
    );

    // The second has an account to rename onto the email the first is created with: the
    // rename is skipped, the account is otherwise kept up to date.
    let dir = InMemoryDirectory::new();
    existing(&dir, "x1@d.org", 2);
    let p = plan(&desired, &run(observe(&dir)), &policy, today());
    assert_eq!(p.count("create"), 1, "{}", p.table());
    assert_eq!(p.count("rename"), 0, "{}", p.table());
    let mut report = RunReport::new("prop", "apply");
    run(apply(&dir, &p, &fast_apply(), None, None, &mut report));
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let owner = dir.account("u8@d.org").unwrap();
    assert_eq!(
        owner.custom_schemas[SCHEMA][FIELD],
        FieldValue::Int(1),
        "the first person owns the email"
    );
    assert!(dir.account("x1@d.org").is_some());
    assert!(plan(&desired, &run(observe(&dir)), &policy, today()).is_empty());

    // The first is renamed onto the email the second would be created with.
    let dir = InMemoryDirectory::new();
    existing(&dir, "x1@d.org", 1);
    let p = plan(&desired, &run(observe(&dir)), &policy, today());
    assert_eq!(p.count("rename"), 1, "{}", p.table());
    assert_eq!(p.count("create"), 0, "{}", p.table());
}
