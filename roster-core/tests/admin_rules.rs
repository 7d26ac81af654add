//! Admins and the admin the sync acts as are never suspended, moved, renamed or ungrouped;
//! a create that meets an existing account (409) is planned by the same rules.
mod common;

use common::*;
use roster_core::plan::{Change, ChangeKind, adopt};
use roster_core::{AdminRole, OrgUnitPath, Plan, Policy, plan};

fn today() -> chrono::NaiveDate {
    date(2026, 11, 24)
}

fn kinds(p: &Plan) -> Vec<&'static str> {
    p.changes.iter().map(|c| c.kind.label()).collect()
}

fn skip_reason(p: &Plan) -> &str {
    p.changes
        .iter()
        .find_map(|c| match &c.kind {
            ChangeKind::Skip { reason } => Some(reason.as_str()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no skip in {}", p.table()))
}

/// An account in step with `staff(dcid, email, "Ann", "Lee", 101, [(101, 1, 1)])`.
fn staff_account(email: &str, dcid: i64, ou: &str) -> roster_core::Account {
    let mut a = account(email, "Ann", "Lee", ou, false, dcid_schema(dcid));
    a.id = Some(format!("g{dcid}"));
    a.external_ids = vec![roster_core::ExternalId {
        kind: "organization".into(),
        value: format!("T{dcid}"),
    }];
    a
}

const WHS_STAFF: &str = "/D118 Staff/Wauconda High School Staff";

/// Ann (DCID 7) has left: her only SCHOOLSTAFF row is inactive.
fn leaving_plan(admin: Option<AdminRole>, rules: &Policy) -> Plan {
    let s = staff(7, "ann.lee@d118.org", "Ann", "Lee", 101, &[(101, 2, 1)]);
    let desired = staff_policy().desired(&[s], &schools());
    let mut a = staff_account("ann.lee@d118.org", 7, WHS_STAFF);
    a.admin = admin;
    plan(&desired, &[a], rules, today())
}

const TOUCHING: [&str; 4] = ["suspend", "move", "rename", "remove_from_groups"];

#[test]
fn a_leaving_staff_member_is_suspended_moved_and_ungrouped() {
    // The baseline the admin tests depart from.
    let p = leaving_plan(None, &staff_rules());
    // The update: her SIS schema fields (school access) change too.
    assert_eq!(
        kinds(&p),
        ["update", "move", "suspend", "remove_from_groups"]
    );
}

#[test]
fn a_leaving_super_admin_is_skipped_with_the_reason() {
    let p = leaving_plan(Some(AdminRole::Super), &staff_rules());
    assert!(
        !kinds(&p).iter().any(|k| TOUCHING.contains(k)),
        "{}",
        p.table()
    );
    // Her schema fields still follow the SIS; nothing else does.
    assert_eq!(kinds(&p), ["update", "skip"]);
    let reason = skip_reason(&p);
    assert!(reason.starts_with("super admin:"), "{reason}");
    assert!(
        reason.contains("held back: move, suspend, remove_from_groups"),
        "{reason}"
    );
    assert_eq!(p.changes[1].account_id.as_deref(), Some("g7"));
}

#[test]
fn a_leaving_delegated_admin_is_skipped_with_the_reason() {
    let p = leaving_plan(Some(AdminRole::Delegated), &staff_rules());
    assert_eq!(kinds(&p), ["update", "skip"]);
    assert!(
        skip_reason(&p).starts_with("delegated admin:"),
        "{}",
        skip_reason(&p)
    );
}

#[test]
fn the_admin_the_sync_acts_as_is_skipped_with_the_reason() {
    let mut rules = staff_rules();
    rules.protected_accounts = vec!["Ann.Lee@D118.org".into()];
    let p = leaving_plan(None, &rules);
    assert_eq!(kinds(&p), ["update", "skip"]);
    assert!(
        skip_reason(&p).starts_with("the admin the sync acts as:"),
        "{}",
        skip_reason(&p)
    );
}

#[test]
fn an_admin_is_not_renamed_but_its_names_still_follow_the_sis() {
    let s = staff(7, "ann.park@d118.org", "Annie", "Lee", 101, &[(101, 1, 1)]);
    let desired = staff_policy().desired(&[s], &schools());
    let mut a = staff_account("ann.lee@d118.org", 7, WHS_STAFF);
    a.admin = Some(AdminRole::Super);
    let p = plan(&desired, &[a], &staff_rules(), today());
    assert_eq!(kinds(&p), ["update", "skip"], "{}", p.table());
    assert_eq!(p.changes[0].email, "ann.lee@d118.org");
    assert!(skip_reason(&p).contains("held back: rename"));
}

#[test]
fn an_admin_in_step_plans_nothing() {
    let s = staff(7, "ann.lee@d118.org", "Ann", "Lee", 101, &[(101, 1, 1)]);
    let desired = staff_policy().desired(&[s], &schools());
    let mut a = staff_account("ann.lee@d118.org", 7, WHS_STAFF);
    a.admin = Some(AdminRole::Super);
    let p = plan(&desired, &[a], &staff_rules(), today());
    assert!(p.changes.is_empty(), "{}", p.table());
}

// --- the listing and the 409 path ---

fn d118_staff_rules() -> Policy {
    let mut rules = staff_rules();
    rules.frozen_ous = vec!["/Administrators".into(), "/Utility Accounts".into()];
    rules
}

#[test]
fn frozen_and_reactivation_ous_are_listed_and_matched() {
    let rules = d118_staff_rules();
    let roots: Vec<String> = rules.listed_roots().iter().map(|r| r.to_string()).collect();
    assert_eq!(
        roots,
        [
            "/D118 Staff",
            "/Substitute Teachers",
            "/Suspended Accounts",
            "/Administrators",
            "/Utility Accounts",
            "/Temporary Reactivation"
        ]
    );
    // Ann's account sits in /Administrators: matched (not created), never moved.
    let s = staff(7, "ann.lee@d118.org", "Annie", "Lee", 101, &[(101, 1, 1)]);
    let desired = staff_policy().desired(&[s], &schools());
    let a = staff_account("ann.lee@d118.org", 7, "/Administrators");
    let p = plan(&desired, &[a], &rules, today());
    assert_eq!(kinds(&p), ["update"], "{}", p.table());
}

/// The create the plan makes for Ann (DCID 7, active) when her account was not listed.
fn create_for_ann() -> Change {
    let s = staff(7, "ann.lee@d118.org", "Annie", "Lee", 101, &[(101, 1, 1)]);
    let desired = staff_policy().desired(&[s], &schools());
    let p = plan(&desired, &[], &staff_rules(), today());
    assert_eq!(kinds(&p), ["create"]);
    p.changes[0].clone()
}

#[test]
fn a_409_on_an_account_outside_the_managed_roots_updates_it_in_place() {
    let existing = staff_account("ann.lee@d118.org", 7, "/Utility Accounts");
    let p = adopt(&create_for_ann(), &existing, &staff_rules(), today());
    assert_eq!(kinds(&p), ["update"], "{}", p.table());
    assert_eq!(p.changes[0].account_id.as_deref(), Some("g7"));
    let ChangeKind::Update(patch) = &p.changes[0].kind else {
        panic!()
    };
    assert_eq!(patch.given_name.as_deref(), Some("Annie"));
}

#[test]
fn a_409_on_an_account_in_a_managed_ou_moves_it_like_the_plan_would() {
    let existing = staff_account("ann.lee@d118.org", 7, "/Suspended Accounts");
    let mut existing = existing;
    existing.suspended = true;
    let p = adopt(&create_for_ann(), &existing, &staff_rules(), today());
    assert_eq!(kinds(&p), ["update", "unsuspend", "move"], "{}", p.table());
    let ChangeKind::Move { to, .. } = &p.changes[2].kind else {
        panic!()
    };
    assert_eq!(to, &OrgUnitPath::new(WHS_STAFF));
}

#[test]
fn a_409_on_an_admin_changes_only_what_an_admin_may() {
    let mut existing = staff_account("ann.lee@d118.org", 7, "/D118 Staff/Other Staff");
    existing.admin = Some(AdminRole::Delegated);
    let p = adopt(&create_for_ann(), &existing, &staff_rules(), today());
    assert_eq!(kinds(&p), ["update", "skip"], "{}", p.table());
    assert!(skip_reason(&p).contains("held back: move"));
}

#[test]
fn a_409_on_another_persons_account_is_not_adopted() {
    // The address belongs to DCID 8: planning it is a skip with no account.
    let existing = staff_account("ann.lee@d118.org", 8, "/Utility Accounts");
    let p = adopt(&create_for_ann(), &existing, &staff_rules(), today());
    assert_eq!(kinds(&p), ["skip"]);
    assert_eq!(p.changes[0].account_id, None);
    assert!(skip_reason(&p).contains("DCID=8"), "{}", skip_reason(&p));
}
