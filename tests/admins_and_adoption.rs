//! Issue 14, items 1 and 2, end to end: D118's staff job through `run_accounts` against the
//! Directory emulator over HTTP, on a generated PowerSchool-shaped SQLite district.
//!
//! - Admins (`isAdmin`, `isDelegatedAdmin`, read in the listing) and the admin the
//!   credentials act as are never suspended, moved or removed from groups when they leave;
//!   the report lists them as skipped with the reason.
//! - A create that meets an account outside the listed OUs (409) changes only what the plan's
//!   rules allow (it is not moved out of `/Staff Lounge`); frozen OUs are listed, so an
//!   account in `/Administrators` is matched, not created; an alias is never adopted or
//!   written through.

#[path = "support/reliability.rs"]
mod reliability;

use std::path::Path;
use std::time::Instant;

use reliability::{cli, desired, fast_directory, today};
use roster::core::plan::{Change, ChangeKind};
use roster::core::report::{ExitCode, RunReport};
use roster::core::{DesiredAccount, DirectoryTarget};
use roster::demo::Demo;
use roster::google::GoogleDirectory;
use roster::{AccountJob, Mode, Site, run_accounts};
use serde_json::{Value, json};

const STUDENTS: usize = 600;
const STAFF_GROUP: &str = "all-staff@d118.org";

async fn run(
    job: &AccountJob,
    site: &Site,
    demo: &Demo,
    target: &GoogleDirectory,
    dir: &Path,
    mode: Mode,
) -> RunReport {
    let sis = demo.sis(site.powerschool.clone()).unwrap();
    let opts = cli(dir, &[mode.name()]).opts;
    let mut out = Vec::new();
    run_accounts(job, mode, &opts, &sis, target, &mut out).await
}

fn user(demo: &Demo, email: &str) -> Value {
    demo.emulator
        .user(email)
        .unwrap_or_else(|| panic!("{email} missing"))
}

/// `SCHOOLSTAFF.STATUS = 0` on every row of the person: they have left.
fn leave(demo: &Demo, who: &DesiredAccount) {
    let db = rusqlite::Connection::open(&demo.db).unwrap();
    let dcid: i64 = who.key.as_deref().unwrap().parse().unwrap();
    let n = db
        .execute(
            "UPDATE SCHOOLSTAFF SET STATUS = 0 WHERE USERS_DCID = ?1",
            [dcid],
        )
        .unwrap();
    assert!(n > 0, "no SCHOOLSTAFF rows for DCID {dcid}");
}

fn skipped_reason(report: &RunReport, who: &DesiredAccount) -> String {
    report
        .skipped
        .iter()
        .find(|s| s.person == who.person)
        .map(|s| s.reason.clone())
        .unwrap_or_else(|| panic!("{} not skipped: {:?}", who.person, report.skipped))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn admins_are_never_suspended_moved_or_ungrouped_when_they_leave() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::start(dir.path(), d118_staff::DOMAIN, today(), STUDENTS).unwrap();
    let job = d118_staff::job();
    let site = d118_staff::site();
    let base = fast_directory(&demo, &job).await;
    let first = run(&job, &site, &demo, &base, dir.path(), Mode::Apply).await;
    assert_eq!(first.exit_code(), ExitCode::Ok, "{}", first.summary());

    let sis = demo.sis(site.powerschool.clone()).unwrap();
    let (active, _) = desired(&job, &sis).await;
    let [super_admin, delegated, subject, plain] = [0, 1, 2, 3].map(|i| active[i].clone());
    demo.emulator
        .set_admin(&super_admin.primary_email, true)
        .unwrap();
    demo.emulator
        .set_delegated_admin(&delegated.primary_email, true)
        .unwrap();
    let everyone = [&super_admin, &delegated, &subject, &plain];
    let emails: Vec<&str> = everyone.iter().map(|d| d.primary_email.as_str()).collect();
    demo.emulator.add_group(STAFF_GROUP, &emails);
    for who in everyone {
        leave(&demo, who);
    }
    // The district's GOOGLE_ADMIN_SUBJECT is a staff member who is in PowerSchool.
    let target = fast_directory(&demo, &job)
        .await
        .acting_as(subject.primary_email.clone());

    demo.emulator.reset_counters();
    let t = Instant::now();
    let report = run(&job, &site, &demo, &target, dir.path(), Mode::Apply).await;
    let elapsed = t.elapsed();
    assert_eq!(report.exit_code(), ExitCode::Ok, "{}", report.summary());
    // Only the plain leaver is suspended, moved and ungrouped.
    assert_eq!(
        report.applied.get("suspend"),
        Some(&1),
        "{}",
        report.summary()
    );
    assert_eq!(report.applied.get("move"), Some(&1));
    assert_eq!(report.applied.get("remove_from_groups"), Some(&1));
    let gone = user(&demo, &plain.primary_email);
    assert_eq!(gone["suspended"], true);
    assert_eq!(gone["orgUnitPath"], "/Suspended Accounts");
    let members = demo.emulator.group_members(STAFF_GROUP).unwrap();
    for (who, role) in [
        (&super_admin, "super admin"),
        (&delegated, "delegated admin"),
        (&subject, "the admin the sync acts as"),
    ] {
        let u = user(&demo, &who.primary_email);
        assert_eq!(u["suspended"], false, "{}", who.primary_email);
        assert_eq!(
            u["orgUnitPath"].as_str().unwrap().to_lowercase(),
            who.org_unit_path.as_str().to_lowercase()
        );
        assert!(
            members
                .iter()
                .any(|m| m.eq_ignore_ascii_case(&who.primary_email))
        );
        let reason = skipped_reason(&report, who);
        assert!(reason.starts_with(&format!("{role}:")), "{reason}");
        assert!(
            reason.contains("held back: move, suspend, remove_from_groups"),
            "{reason}"
        );
    }
    assert_eq!(members.len(), 3, "{members:?}");
    let writes = demo.emulator.write_calls();
    eprintln!(
        "FIGURES admins: {} staff accounts, 4 leavers (3 protected): {} API calls, {writes} writes, {} skipped, {:?}",
        first.applied.get("create").copied().unwrap_or(0),
        demo.emulator.total_calls(),
        report.skipped.len(),
        elapsed
    );
    // The only members.delete is the plain leaver's.
    assert_eq!(demo.emulator.counters().get("members.delete"), Some(&1));

    // The next plan holds the same skips and writes nothing.
    let again = run(&job, &site, &demo, &target, dir.path(), Mode::Plan).await;
    assert!(again.planned.get("skip").copied().unwrap_or(0) >= 3);
    for k in ["suspend", "move", "remove_from_groups", "rename", "create"] {
        assert_eq!(again.planned.get(k), None, "{k}: {}", again.summary());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_409_and_the_listing_follow_the_same_rules_as_the_plan() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::start(dir.path(), d118_staff::DOMAIN, today(), STUDENTS).unwrap();
    // D118's frozen OUs (the staff script's FROZEN_OUS) include /Administrators: listed.
    // /Staff Lounge is in no list.
    let job = d118_staff::job();
    let site = d118_staff::site();
    let sis = demo.sis(site.powerschool.clone()).unwrap();
    let (active, _) = desired(&job, &sis).await;
    let [utility, administrator, aliased] = [0, 1, 2].map(|i| active[i].clone());
    for ou in ["/Staff Lounge", "/Administrators"] {
        demo.emulator.add_org_unit(ou).unwrap();
    }
    let seed = |email: &str, ou: &str| {
        demo.emulator
            .add_user(&json!({
                "primaryEmail": email,
                "name": {"givenName": "Old", "familyName": "Name"},
                "orgUnitPath": ou,
            }))
            .unwrap();
    };
    seed(&utility.primary_email, "/Staff Lounge");
    seed(&administrator.primary_email, "/Administrators");
    // An account that holds a staff member's address as an alias.
    seed("front.desk@d118.org", "/Staff Lounge");
    demo.emulator
        .add_alias("front.desk@d118.org", &aliased.primary_email)
        .unwrap();

    let target = fast_directory(&demo, &job).await;
    demo.emulator.reset_counters();
    let report = run(&job, &site, &demo, &target, dir.path(), Mode::Apply).await;
    let counters = demo.emulator.counters();

    // /Administrators is listed and frozen: matched and updated in place, never "created".
    let admin_ou = user(&demo, &administrator.primary_email);
    assert_eq!(admin_ou["orgUnitPath"], "/Administrators");
    let dcid = &admin_ou["customSchemas"]["Synchronization_Data"]["DCID"];
    assert_eq!(
        dcid.to_string().trim_matches('"'),
        administrator.key.as_deref().unwrap()
    );
    assert!(
        !report
            .notes
            .iter()
            .any(|n| n.contains(&administrator.primary_email)),
        "{:?}",
        report.notes
    );

    // /Staff Lounge is not listed: the create meets a 409, and the account gets only
    // what the plan allows outside the managed roots (its schema fields stamped, no move).
    let util = user(&demo, &utility.primary_email);
    assert_eq!(util["orgUnitPath"], "/Staff Lounge");
    let dcid = &util["customSchemas"]["Synchronization_Data"]["DCID"];
    assert_eq!(
        dcid.to_string().trim_matches('"'),
        utility.key.as_deref().unwrap()
    );
    let note = report
        .notes
        .iter()
        .find(|n| n.contains(&utility.primary_email))
        .unwrap_or_else(|| panic!("no note: {:?}", report.notes));
    assert!(note.contains("409 on create"), "{note}");
    assert!(note.contains("applied update"), "{note}");
    assert!(note.contains("not moved to /D118 Staff/"), "{note}");
    assert!(note.contains("outside the managed OUs"), "{note}");

    // The alias is not taken over: the create fails and the alias's owner is untouched.
    assert_eq!(
        report.exit_code(),
        ExitCode::SomeFailed,
        "{}",
        report.summary()
    );
    assert_eq!(report.failures.len(), 1, "{:?}", report.failures);
    let failure = &report.failures[0];
    assert_eq!(failure.email, aliased.primary_email);
    assert!(
        failure
            .error
            .message
            .contains("is an alias of front.desk@d118.org")
    );
    let desk = user(&demo, "front.desk@d118.org");
    assert_eq!(desk["name"]["givenName"], "Old");
    assert_eq!(desk["orgUnitPath"], "/Staff Lounge");

    // Writes by id: a change built without an id, addressed by the alias, is refused.
    let by_alias = Change {
        person: aliased.person.clone(),
        email: aliased.primary_email.clone(),
        account_id: None,
        kind: ChangeKind::Suspend,
    };
    let refused = target.apply(&by_alias).await.unwrap_err();
    assert!(refused.message.contains("never by an alias"), "{refused}");
    assert_eq!(user(&demo, "front.desk@d118.org")["suspended"], false);

    eprintln!(
        "FIGURES adoption: users.list {} users.get {} users.insert {} users.patch {} ({} writes); notes {:?}",
        counters.get("users.list").copied().unwrap_or(0),
        counters.get("users.get").copied().unwrap_or(0),
        counters.get("users.insert").copied().unwrap_or(0),
        counters.get("users.patch").copied().unwrap_or(0),
        demo.emulator.write_calls(),
        report.notes.iter().filter(|n| n.contains("409")).count(),
    );

    // Next night: the /Administrators account plans nothing; the /Staff Lounge one is
    // still outside the listing (a create that adopts it again, changing nothing).
    let again = run(&job, &site, &demo, &target, dir.path(), Mode::Apply).await;
    assert_eq!(again.planned.get("create"), Some(&2), "{}", again.summary());
    let note = again
        .notes
        .iter()
        .find(|n| n.contains(&utility.primary_email))
        .unwrap();
    assert!(note.contains("nothing to change"), "{note}");
    assert_eq!(
        user(&demo, &utility.primary_email)["orgUnitPath"],
        "/Staff Lounge"
    );
}
