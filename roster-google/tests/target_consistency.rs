//! `GoogleDirectory` against the emulator's Google-like answers: an existing org unit answered
//! with 400 "Invalid Ou Id", and the opt-in eventual consistency (`users.list` lagging writes,
//! 412 "User creation is not complete." right after a create).

mod client_support;

use std::time::{Duration, Instant};

use client_support::*;
use roster_core::policy::{DesiredAccount, Intent, MatchKey, Policy};
use roster_core::report::RunReport;
use roster_core::{
    ApplyOptions, DirectoryTarget, ExternalId, OrgUnitPath, Person, PersonKind, Retry,
    SchemaValues, Secret,
};
use roster_google::GoogleDirectory;
use roster_google_emulator::{Consistency, Emulator, EmulatorConfig, RunningEmulator};

const ROOT: &str = "/Students";
const OU: &str = "/Students/HS";

fn lagging(consistency: Consistency) -> RunningEmulator {
    Emulator::start(EmulatorConfig {
        domains: vec![DOMAIN.into()],
        consistency,
        ..Default::default()
    })
    .expect("emulator starts")
}

/// Backoff long enough to outlast a settle time of a second (about 2.4 s over 12 attempts).
fn patient_retry() -> Retry {
    Retry {
        max_attempts: 12,
        base: Duration::from_millis(50),
        max: Duration::from_millis(500),
    }
}

fn target(emu: &RunningEmulator) -> GoogleDirectory {
    GoogleDirectory::new(client(emu)).with_retry(fast_retry())
}

fn policy() -> Policy {
    let mut p = Policy::new(MatchKey::PrimaryEmail, vec![OrgUnitPath::new(ROOT)]);
    p.new_account.password = Some(Secret::new("Welcome-2024!"));
    p
}

fn intent(n: &str, family: &str) -> Intent {
    Intent::Account {
        account: DesiredAccount {
            person: Person {
                kind: PersonKind::Student,
                id: n.into(),
                name: format!("Student, {n}"),
            },
            key: None,
            primary_email: format!("{n}@{DOMAIN}"),
            given_name: "Given".into(),
            family_name: family.into(),
            org_unit_path: OrgUnitPath::new(OU),
            suspended: false,
            custom_schemas: SchemaValues::new(),
            external_ids: vec![ExternalId {
                kind: "organization".into(),
                value: n.into(),
            }],
        },
        school: Some(1),
    }
}

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

async fn plan(t: &GoogleDirectory, intents: &[Intent]) -> roster_core::Plan {
    let p = policy();
    let observed = t.list_accounts(&p.managed_roots).await.unwrap();
    roster_core::plan(intents, &observed, &p, today())
}

async fn apply(t: &GoogleDirectory, plan: &roster_core::Plan, retry: Retry) -> RunReport {
    let mut report = RunReport::new("test", "apply");
    let opts = ApplyOptions {
        retry,
        rules: Some(std::sync::Arc::new(policy())),
        ..ApplyOptions::default()
    };
    roster_core::apply(t, plan, &opts, None, None, &mut report).await;
    report
}

/// Two syncs create the same org unit at once: both see it missing, one insert wins, and the
/// other's 400 "Invalid Ou Id" is confirmed with orgunits.get and taken as success.
#[tokio::test]
async fn an_existing_org_unit_answered_400_is_confirmed_and_taken_as_success() {
    let emu = emulator();
    // Every call waits 200 ms in the emulator: the three gets all answer 404 before any
    // insert lands, even on a loaded machine.
    emu.set_latency(Duration::from_millis(200));
    let targets: Vec<GoogleDirectory> = (0..3).map(|_| target(&emu)).collect();
    let path = OrgUnitPath::new("/Race");
    let results = futures::future::join_all(targets.iter().map(|t| t.ensure_org_unit(&path))).await;
    for r in &results {
        assert!(r.is_ok(), "{r:?}");
    }
    assert_eq!(counter(&emu, "orgunits.insert"), 3, "all three tried");
    // one insert created it; two met 400 and each confirmed with a get
    assert_eq!(counter(&emu, "orgunits.get"), 3 + 2);
    assert!(emu.state().ou_exists("/Race"));
}

/// Under a list lag, a plan made right after an apply still sees none of the new accounts
/// and plans to create them again: the 409 adoption turns each create into "exists" (no
/// duplicate, no failure), and the plan after the lag is empty.
#[tokio::test]
async fn plan_right_after_apply_under_list_lag_creates_no_duplicates_and_converges() {
    let lag = Duration::from_secs(3);
    let emu = lagging(Consistency {
        list_lag: lag,
        ..Consistency::default()
    });
    emu.add_org_unit(OU).unwrap();
    let t = target(&emu);
    let intents: Vec<Intent> = ["a1", "a2", "a3"]
        .iter()
        .map(|n| intent(n, "Lee"))
        .collect();

    let started = Instant::now();
    let first = plan(&t, &intents).await;
    assert_eq!(first.writes().count(), 3, "{}", first.table());
    let report = apply(&t, &first, fast_retry()).await;
    assert!(report.failures.is_empty(), "{:#?}", report.failures);

    // Right after: the list lags, so the plan wants the same three creates again.
    let second = plan(&t, &intents).await;
    assert!(
        started.elapsed() < lag,
        "the second plan ran inside the lag"
    );
    assert_eq!(second.writes().count(), 3, "{}", second.table());
    let report = apply(&t, &second, fast_retry()).await;
    assert!(report.failures.is_empty(), "{:#?}", report.failures);
    assert_eq!(emu.users().len(), 3, "no duplicate accounts");
    assert_eq!(
        counter(&emu, "users.insert"),
        6,
        "3 created, 3 answered 409"
    );

    // After the lag the next run converges: nothing to do.
    tokio::time::sleep(lag).await;
    let third = plan(&t, &intents).await;
    assert_eq!(third.writes().count(), 0, "{}", third.table());
}

/// A change to an account created moments ago answers 412 "User creation is not complete."
/// while it settles; the engine's retry waits it out and the change lands.
#[tokio::test]
async fn engine_retry_covers_user_creation_is_not_complete() {
    let settle = Duration::from_secs(1);
    let emu = lagging(Consistency {
        settle,
        ..Consistency::default()
    });
    emu.add_org_unit(OU).unwrap();
    let t = target(&emu);
    let created = apply(&t, &plan(&t, &[intent("b1", "Lee")]).await, fast_retry()).await;
    assert!(created.failures.is_empty(), "{:#?}", created.failures);

    let renamed = [intent("b1", "Lee-Smith")];
    let change = plan(&t, &renamed).await;
    assert_eq!(change.writes().count(), 1, "{}", change.table());
    let report = apply(&t, &change, patient_retry()).await;
    assert!(report.failures.is_empty(), "{:#?}", report.failures);
    let u = emu.user("b1@d118.org").unwrap();
    assert_eq!(u["name"]["familyName"], "Lee-Smith");
    let refused = counter(&emu, "users.patch") + counter(&emu, "users.update") - 1;
    assert!(
        refused >= 1,
        "the first write met the settle error and was retried"
    );
}
