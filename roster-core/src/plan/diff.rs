//! The diff of one existing account against the account its person should have.

use super::{AccountPatch, Change, ChangeKind};
use crate::directory::{Account, schema_field};
use crate::policy::{DesiredAccount, InactiveAccounts, NameUpdates, Policy};

/// What happens to an existing account's primary email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum EmailChange {
    /// The account already has the person's email (compared as Google does).
    Keep,
    Rename,
    /// The person's email belongs to another account, or to an earlier person of the plan.
    Blocked,
}

/// Changes the sync holds back from a protected account (an admin): they are listed in one
/// skip with the reason instead.
#[derive(Debug)]
struct Held {
    why: Option<String>,
    what: Vec<&'static str>,
}

impl Held {
    /// Is `kind` held back? Then it is remembered for the skip.
    fn holds(&mut self, kind: &'static str) -> bool {
        if self.why.is_some() {
            self.what.push(kind);
        }
        self.why.is_some()
    }
}

/// The changes that bring one existing account to its desired state.
pub(super) fn diff(
    d: &DesiredAccount,
    a: &Account,
    policy: &Policy,
    email_change: EmailChange,
    changes: &mut Vec<Change>,
) {
    // Both D118 scripts only suspend and move an inactive person's account.
    let only_suspend_and_move =
        d.suspended && policy.inactive == InactiveAccounts::SuspendAndMoveOnly;
    let email_change = if only_suspend_and_move {
        EmailChange::Keep
    } else {
        email_change
    };
    let mut email = a.primary_email.as_str();
    let mut held = Held {
        why: policy.protection(a),
        what: Vec::new(),
    };
    let mut push = |email: &str, kind: ChangeKind| {
        changes.push(Change {
            person: d.person.clone(),
            email: email.to_string(),
            account_id: a.id.clone(),
            kind,
        })
    };
    match email_change {
        EmailChange::Keep => {}
        EmailChange::Blocked => {
            let reason = format!(
                "cannot rename {} to {}: that email is in use",
                a.primary_email, d.primary_email
            );
            push(email, ChangeKind::Skip { reason });
        }
        EmailChange::Rename if held.holds("rename") => {}
        EmailChange::Rename => {
            push(
                email,
                ChangeKind::Rename {
                    from: a.primary_email.clone(),
                    to: d.primary_email.clone(),
                },
            );
            email = &d.primary_email;
        }
    }
    let mut patch = AccountPatch::default();
    let names_differ = |have: &str, want: &str| match policy.name_updates {
        NameUpdates::Exact => have != want,
        NameUpdates::IgnoringCase => have.to_uppercase() != want.to_uppercase(),
        NameUpdates::WithEmailChange => email_change == EmailChange::Rename && have != want,
    };
    if names_differ(&a.given_name, &d.given_name) {
        patch.given_name = Some(d.given_name.clone());
    }
    if names_differ(&a.family_name, &d.family_name) {
        patch.family_name = Some(d.family_name.clone());
    }
    for (schema, fields) in &d.custom_schemas {
        for (field, value) in fields {
            if schema_field(&a.custom_schemas, schema, field) != Some(value) {
                patch
                    .custom_schemas
                    .entry(schema.clone())
                    .or_default()
                    .insert(field.clone(), value.clone());
            }
        }
    }
    if !d.external_ids.is_empty() && d.external_ids != a.external_ids {
        let mut want = d.external_ids.clone();
        let mut have = a.external_ids.clone();
        want.sort();
        have.sort();
        if want != have {
            patch.external_ids = Some(d.external_ids.clone());
        }
    }
    if !patch.is_empty() && !only_suspend_and_move {
        push(email, ChangeKind::Update(patch));
    }
    let reactivated = policy.is_reactivated(&a.org_unit_path)
        && (d.suspended || policy.inactive == InactiveAccounts::FollowSis);
    if !reactivated {
        state_changes(
            d,
            a,
            policy,
            only_suspend_and_move,
            email,
            &mut held,
            &mut push,
        );
    }
    if let Some(why) = held.why.filter(|_| !held.what.is_empty()) {
        let reason = format!(
            "{why}: the sync never suspends, moves, renames or ungroups it (held back: {})",
            held.what.join(", ")
        );
        push(email, ChangeKind::Skip { reason });
    }
}

/// Unsuspend, move, suspend and group removal: what a frozen OU, a reactivation OU or a
/// protected account may stop.
fn state_changes(
    d: &DesiredAccount,
    a: &Account,
    policy: &Policy,
    only_suspend_and_move: bool,
    email: &str,
    held: &mut Held,
    push: &mut impl FnMut(&str, ChangeKind),
) {
    if a.suspended && !d.suspended {
        push(email, ChangeKind::Unsuspend);
    }
    let same_ou = a
        .org_unit_path
        .as_str()
        .eq_ignore_ascii_case(d.org_unit_path.as_str());
    let frozen = policy.is_frozen(&a.org_unit_path) && !only_suspend_and_move;
    let would_move = !same_ou && !frozen;
    let moved = would_move && !held.holds("move");
    if moved {
        push(
            email,
            ChangeKind::Move {
                from: a.org_unit_path.clone(),
                to: d.org_unit_path.clone(),
            },
        );
    }
    let would_suspend = d.suspended && !a.suspended;
    let suspended = would_suspend && !held.holds("suspend");
    if suspended {
        push(email, ChangeKind::Suspend);
    }
    // The scripts leave groups after the suspend-and-move update, whichever it held.
    let would_leave = would_suspend || (only_suspend_and_move && would_move);
    if would_leave && policy.remove_groups_on_suspend {
        if suspended || (only_suspend_and_move && moved) {
            push(email, ChangeKind::RemoveFromGroups);
        } else {
            held.holds("remove_from_groups");
        }
    }
}
