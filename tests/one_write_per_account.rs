//! Issue 16, item 3: one `users.patch` per changed account. Against the Directory emulator
//! over HTTP: an account's update, unsuspend, move and suspend go in one call (counted at the
//! emulator), the plan and the report still show each change, the audit log names the call,
//! a lost reply to a combined patch converges, and a failed combined patch fails each change
//! it carried with Google's reason.

#[path = "support/reliability.rs"]
mod reliability;

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use reliability::{audit_lines, fast_client, fast_retry, today};
use roster::core::apply::{ApplyOptions, apply};
use roster::core::model::{Person, PersonKind};
use roster::core::plan::{Change, ChangeKind, Plan};
use roster::core::policy::{DesiredAccount, Intent, MatchKey, Policy};
use roster::core::report::{AuditLog, RunReport};
use roster::core::{Account, Applied, DirectoryTarget, OrgUnitPath, TargetError, plan};
use roster::demo::Demo;
use roster::google::GoogleDirectory;
use serde_json::json;

const ROOT: &str = "/Combined";
const SCHOOL_A: &str = "/Combined/School A";
const SCHOOL_B: &str = "/Combined/School B";
const LEFT: &str = "/Combined/Left";

/// One account in the directory and what the SIS wants it to be.
struct Case {
    name: &'static str,
    have: (&'static str, &'static str, bool),
    want: (&'static str, &'static str, bool),
}

/// A leaver whose name was also fixed (update + move + suspend, and its groups), a transfer
/// with a name fix (update + move), a returning student (unsuspend + move), a plain
/// transfer (move) and an account in sync.
const CASES: &[Case] = &[
    Case {
        name: "leaver",
        have: ("Anne", SCHOOL_A, false),
        want: ("Ann", LEFT, true),
    },
    Case {
        name: "transfer",
        have: ("Bobb", SCHOOL_A, false),
        want: ("Bob", SCHOOL_B, false),
    },
    Case {
        name: "returner",
        have: ("Cy", LEFT, true),
        want: ("Cy", SCHOOL_A, false),
    },
    Case {
        name: "mover",
        have: ("Dee", SCHOOL_A, false),
        want: ("Dee", SCHOOL_B, false),
    },
    Case {
        name: "steady",
        have: ("Eve", SCHOOL_B, false),
        want: ("Eve", SCHOOL_B, false),
    },
];

fn email(demo: &Demo, name: &str) -> String {
    format!("{name}@{}", demo.domain)
}

/// The emulator with the cases' accounts (and the leaver in one group); their OUs exist.
async fn setup(dir: &std::path::Path) -> (Demo, GoogleDirectory) {
    let demo = Demo::start(dir, "combined.example.org", today(), 20).unwrap();
    let target = demo
        .directory(fast_client())
        .await
        .unwrap()
        .with_retry(fast_retry());
    for ou in [ROOT, SCHOOL_A, SCHOOL_B, LEFT] {
        target.ensure_org_unit(&OrgUnitPath::new(ou)).await.unwrap();
    }
    for c in CASES {
        let (given, ou, suspended) = c.have;
        demo.emulator
            .add_user(&json!({
                "primaryEmail": email(&demo, c.name),
                "name": {"givenName": given, "familyName": "Case"},
                "orgUnitPath": ou,
                "suspended": suspended,
            }))
            .unwrap();
    }
    let leaver = email(&demo, "leaver");
    demo.emulator
        .add_group(&format!("class-of-2027@{}", demo.domain), &[&leaver]);
    (demo, target)
}

fn policy() -> Policy {
    Policy::new(MatchKey::PrimaryEmail, vec![OrgUnitPath::new(ROOT)])
}

fn desired(demo: &Demo) -> Vec<Intent> {
    CASES
        .iter()
        .map(|c| {
            let (given, ou, suspended) = c.want;
            Intent::Account {
                account: DesiredAccount {
                    person: Person {
                        kind: PersonKind::Student,
                        id: c.name.into(),
                        name: format!("Case, {given}"),
                    },
                    key: None,
                    primary_email: email(demo, c.name),
                    given_name: given.into(),
                    family_name: "Case".into(),
                    org_unit_path: OrgUnitPath::new(ou),
                    suspended,
                    custom_schemas: Default::default(),
                    external_ids: Vec::new(),
                },
                school: None,
            }
        })
        .collect()
}

async fn plan_now(demo: &Demo, target: &dyn DirectoryTarget) -> Plan {
    let observed = target
        .list_accounts(&[OrgUnitPath::new(ROOT)])
        .await
        .unwrap();
    plan(&desired(demo), &observed, &policy(), today())
}

fn opts() -> ApplyOptions {
    ApplyOptions {
        retry: fast_retry(),
        ..ApplyOptions::default()
    }
}

fn count(demo: &Demo, method: &str) -> u64 {
    demo.emulator
        .counters()
        .get(method)
        .copied()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accounts_update_move_and_suspend_are_one_users_patch() {
    let dir = tempfile::tempdir().unwrap();
    let (demo, target) = setup(dir.path()).await;
    let p = plan_now(&demo, &target).await;
    // The plan still shows every change.
    let labels = |name: &str| -> Vec<&str> {
        p.writes()
            .filter(|c| c.email.starts_with(&format!("{name}@")))
            .map(|c| c.kind.label())
            .collect()
    };
    assert_eq!(
        labels("leaver"),
        ["update", "move", "suspend", "remove_from_groups"]
    );
    assert_eq!(labels("transfer"), ["update", "move"]);
    assert_eq!(labels("returner"), ["unsuspend", "move"]);
    assert_eq!(labels("mover"), ["move"]);
    assert!(labels("steady").is_empty());

    demo.emulator.reset_counters();
    let audit_path = dir.path().join("combined-audit.jsonl");
    let audit = AuditLog::open(&audit_path).unwrap();
    let mut report = RunReport::new("combined", "apply");
    apply(&target, &p, &opts(), Some(&audit), None, &mut report).await;
    assert!(report.failures.is_empty(), "{}", report.summary());

    // At the emulator: one users.patch per changed account, the group removal apart.
    assert_eq!(
        count(&demo, "users.patch"),
        4,
        "{:?}",
        demo.emulator.counters()
    );
    assert_eq!(count(&demo, "members.delete"), 1);
    assert_eq!(demo.emulator.write_calls(), 5);
    // The report counts each change.
    let applied: Vec<(&str, usize)> = report
        .applied
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(
        applied,
        [
            ("move", 4),
            ("remove_from_groups", 1),
            ("suspend", 1),
            ("unsuspend", 1),
            ("update", 2)
        ]
    );
    // The audit log: one line per change; the leaver's three share one call.
    let lines = audit_lines(&audit_path);
    assert_eq!(lines.len(), 9);
    let leaver = email(&demo, "leaver");
    let calls: Vec<_> = lines
        .iter()
        .filter(|l| l["change"]["email"] == leaver.as_str())
        .map(|l| l["call"].clone())
        .collect();
    assert_eq!(calls.len(), 4);
    assert_eq!(calls[0]["carried"], json!(["update", "move", "suspend"]));
    assert_eq!(calls[0], calls[1]);
    assert_eq!(calls[1], calls[2]);
    assert!(calls[3].is_null(), "the group removal is a call of its own");

    let u = demo.emulator.user(&leaver).unwrap();
    assert_eq!(
        (&u["name"]["givenName"], &u["orgUnitPath"], &u["suspended"]),
        (&json!("Ann"), &json!(LEFT), &json!(true))
    );
    assert_eq!(
        demo.emulator
            .group_members(&format!("class-of-2027@{}", demo.domain))
            .unwrap()
            .len(),
        0
    );
    assert!(plan_now(&demo, &target).await.is_empty());
}

type Fut<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, TargetError>> + Send + 'a>>;

/// The Google target, except that the reply to each account's first combined patch is lost
/// after Google applied it (the fault the emulator cannot inject: it drops connections
/// before acting).
struct LostCombinedReplies {
    inner: GoogleDirectory,
    seen: Mutex<std::collections::HashSet<String>>,
    lost: AtomicU64,
}

impl DirectoryTarget for LostCombinedReplies {
    fn list_accounts<'a, 'b, 'f>(&'a self, under: &'b [OrgUnitPath]) -> Fut<'f, Vec<Account>>
    where
        'a: 'f,
        'b: 'f,
    {
        self.inner.list_accounts(under)
    }

    fn get_account<'a, 'b, 'f>(&'a self, email: &'b str) -> Fut<'f, Option<Account>>
    where
        'a: 'f,
        'b: 'f,
    {
        self.inner.get_account(email)
    }

    fn apply<'a, 'b, 'f>(&'a self, change: &'b Change) -> Fut<'f, Applied>
    where
        'a: 'f,
        'b: 'f,
    {
        self.inner.apply(change)
    }

    fn apply_combined<'a, 'b, 'f>(&'a self, changes: &'b [Change]) -> Fut<'f, Applied>
    where
        'a: 'f,
        'b: 'f,
    {
        Box::pin(async move {
            let applied = self.inner.apply_combined(changes).await?;
            let first_time = self.seen.lock().unwrap().insert(changes[0].email.clone());
            if first_time {
                self.lost.fetch_add(1, Ordering::SeqCst);
                return Err(TargetError::new(0, "connectionReset", "the reply was lost"));
            }
            Ok(applied)
        })
    }

    fn ensure_org_unit<'a, 'b, 'f>(&'a self, path: &'b OrgUnitPath) -> Fut<'f, ()>
    where
        'a: 'f,
        'b: 'f,
    {
        self.inner.ensure_org_unit(path)
    }

    fn api_calls(&self) -> u64 {
        self.inner.api_calls()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_reply_to_a_combined_patch_is_retried_and_converges() {
    let dir = tempfile::tempdir().unwrap();
    let (demo, inner) = setup(dir.path()).await;
    let target = LostCombinedReplies {
        inner,
        seen: Mutex::new(Default::default()),
        lost: AtomicU64::new(0),
    };
    let p = plan_now(&demo, &target).await;
    demo.emulator.reset_counters();
    let mut report = RunReport::new("combined", "apply");
    apply(&target, &p, &opts(), None, None, &mut report).await;
    assert!(report.failures.is_empty(), "{}", report.summary());
    // Leaver, transfer and returner: each combined patch applied, its reply lost, repeated.
    let lost = target.lost.load(Ordering::SeqCst);
    assert_eq!(lost, 3);
    assert_eq!(report.retries, lost);
    assert_eq!(count(&demo, "users.patch"), 3 * 2 + 1);
    assert_eq!(report.applied.get("suspend"), Some(&1));
    assert!(plan_now(&demo, &target).await.is_empty());
    let u = demo.emulator.user(&email(&demo, "transfer")).unwrap();
    assert_eq!(
        (&u["name"]["givenName"], &u["orgUnitPath"]),
        (&json!("Bob"), &json!(SCHOOL_B))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_combined_patch_fails_each_change_it_carried_with_googles_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (demo, target) = setup(dir.path()).await;
    let p = plan_now(&demo, &target).await;
    // The leaver's account is deleted between plan and apply.
    let leaver = email(&demo, "leaver");
    demo.emulator.remove_user(&leaver).unwrap();
    let mut report = RunReport::new("combined", "apply");
    apply(&target, &p, &opts(), None, None, &mut report).await;
    let failed: Vec<(&str, &str, u16)> = report
        .failures
        .iter()
        .map(|f| (f.action.as_str(), f.error.reason.as_str(), f.error.status))
        .collect();
    assert_eq!(
        failed,
        [
            ("update", "notFound", 404),
            ("move", "notFound", 404),
            ("suspend", "notFound", 404),
            ("remove_from_groups", "skippedAfterFailure", 0),
        ]
    );
    assert!(report.failures.iter().all(|f| f.email == leaver));
    // The other accounts went through.
    assert_eq!(report.applied.get("move"), Some(&3));
    let after = plan_now(&demo, &target).await;
    assert!(after.is_empty(), "{:?}", after.counts());
    assert!(
        p.changes
            .iter()
            .any(|c| matches!(c.kind, ChangeKind::Suspend) && c.email == leaver)
    );
}
