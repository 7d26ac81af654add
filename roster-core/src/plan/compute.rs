//! Computing the plan: each person matched to at most one managed account, competing claims
//! resolved (the first in SIS order wins), and the changes sorted into execution order.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::NaiveDate;

use super::diff::{EmailChange, diff};
use super::{Change, ChangeKind, Plan};
use crate::directory::{Account, schema_field};
use crate::model::Person;
use crate::policy::{Intent, MatchKey, Policy, email_key};

/// The plan's indexes: a million keys per run, all from the district's own data, so a fast
/// hash (foldhash) rather than SipHash's flooding resistance.
type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Computes the plan. Pure and deterministic: the same inputs give the same plan, sorted by
/// person and then by the order changes must run in.
///
/// Rules (DESIGN §4):
/// - accounts outside `policy.managed_roots` are ignored, never touched;
/// - a person with an account gets only the fields that differ; a frozen OU blocks moves, a
///   reactivation OU blocks moves, suspensions and unsuspensions;
/// - a person without an account gets one only if they should be active;
/// - two SIS people claiming one account: the first (in SIS order) wins, the other is skipped.
///
/// `today` is part of the signature so time-dependent rules stay injectable; the built-in
/// rules are already resolved into the desired state.
pub fn plan(desired: &[Intent], observed: &[Account], policy: &Policy, _today: NaiveDate) -> Plan {
    let managed: Vec<&Account> = observed
        .iter()
        .filter(|a| policy.manages(&a.org_unit_path))
        .collect();
    let mut by_email: Map<Cow<str>, usize> =
        Map::with_capacity_and_hasher(managed.len(), <_>::default());
    by_email.extend(
        managed
            .iter()
            .enumerate()
            .map(|(i, a)| (email_key(&a.primary_email), i)),
    );
    // Matching by email needs no second index; by a schema field it does.
    let by_field: Option<Map<String, usize>> = match &policy.match_key {
        MatchKey::PrimaryEmail => None,
        MatchKey::SchemaField { schema, field } => Some(
            managed
                .iter()
                .enumerate()
                .filter_map(|(i, a)| {
                    schema_field(&a.custom_schemas, schema, field).map(|v| (v.text(), i))
                })
                .collect(),
        ),
    };
    let by_key = |key: &str| match &by_field {
        Some(m) => m.get(key).copied(),
        None => by_email.get(key).copied(),
    };

    let mut out = Plan {
        managed_accounts: managed.len(),
        people: desired.len(),
        ..Plan::default()
    };
    // Who claimed each managed account, by its index in `managed`. Two people with one key
    // find one account, so this also catches duplicate keys among people with an account;
    // `keys_seen` catches them among the others.
    let mut claimed: Vec<Option<&Person>> = vec![None; managed.len()];
    let mut keys_seen: Map<Cow<str>, &Person> = Map::default();
    let by_email_key = policy.match_key == MatchKey::PrimaryEmail;
    // Emails the plan gives to someone (kept, renamed onto or created). Two people with
    // different keys (staff DCIDs) but one email would otherwise both create or rename onto
    // the same address, and the loser's 409 would adopt the winner's account. Matched by
    // email, the keys are the emails: `keys_seen` already holds them.
    let mut emails_seen: Map<Cow<str>, &Person> =
        Map::with_capacity_and_hasher(if by_email_key { 0 } else { desired.len() }, <_>::default());

    for intent in desired {
        if let Some(school) = intent.school() {
            *out.rows_per_school.entry(school).or_insert(0) += 1;
        }
        let d = match intent {
            Intent::Skip { person, reason, .. } => {
                out.changes.push(skip(person, "", reason.clone()));
                continue;
            }
            Intent::Account { account, .. } => account,
        };
        let key = if by_email_key {
            email_key(&d.primary_email)
        } else {
            d.match_key()
        };
        let found = by_key(&key);
        if found.is_none()
            && let Some(first) = first_claim(&mut keys_seen, key, &d.person)
        {
            let reason = format!("duplicate: {first} already claims {}", d.match_key());
            out.changes.push(skip(&d.person, &d.primary_email, reason));
            continue;
        }
        let found = match found {
            Some(i) => Some(i),
            // Staff not yet stamped with their DCID: adopt the account with their email,
            // unless it already belongs to another DCID.
            None => match (
                &policy.match_key,
                by_email.get(&email_key(&d.primary_email)),
            ) {
                (MatchKey::SchemaField { schema, field }, Some(&i)) => {
                    match schema_field(&managed[i].custom_schemas, schema, field) {
                        Some(other) => {
                            let reason = format!(
                                "email {} belongs to the account with {schema}.{field}={}",
                                d.primary_email,
                                other.text()
                            );
                            out.changes.push(skip(&d.person, &d.primary_email, reason));
                            continue;
                        }
                        None => Some(i),
                    }
                }
                _ => None,
            },
        };
        match found {
            Some(i) => {
                if let Some(first) = claimed[i] {
                    let reason = format!(
                        "duplicate: {first} already claims {}",
                        managed[i].primary_email
                    );
                    out.changes.push(skip(&d.person, &d.primary_email, reason));
                    continue;
                }
                claimed[i] = Some(&d.person);
                if let Some(school) = intent.school() {
                    *out.managed_per_school.entry(school).or_insert(0) += 1;
                }
                // A rename onto an email another account has, or that an earlier person of
                // this plan gets, is skipped: the account keeps its email.
                let a = managed[i];
                let wanted = email_key(&d.primary_email);
                let current = email_key(&a.primary_email);
                let email = if current == wanted {
                    EmailChange::Keep
                } else if by_email.contains_key(&wanted) || emails_seen.contains_key(&wanted) {
                    EmailChange::Blocked
                } else {
                    EmailChange::Rename
                };
                if !by_email_key {
                    // A protected account (an admin) keeps its email: the rename is held back.
                    let kept = if email == EmailChange::Blocked || policy.protection(a).is_some() {
                        current
                    } else {
                        wanted
                    };
                    emails_seen.insert(kept, &d.person);
                }
                diff(d, a, policy, email, &mut out.changes);
            }
            None if d.suspended => {} // an inactive person without an account needs none
            None => {
                if let Some(&i) = by_email.get(&email_key(&d.primary_email)) {
                    // The email is taken by an account keyed to someone else.
                    let reason = format!(
                        "email {} is used by another account",
                        managed[i].primary_email
                    );
                    out.changes.push(skip(&d.person, &d.primary_email, reason));
                    continue;
                }
                if !by_email_key
                    && let Some(first) =
                        first_claim(&mut emails_seen, email_key(&d.primary_email), &d.person)
                {
                    let reason = format!("duplicate: {first} already claims {}", d.primary_email);
                    out.changes.push(skip(&d.person, &d.primary_email, reason));
                    continue;
                }
                out.changes.push(Change {
                    person: d.person.clone(),
                    email: d.primary_email.clone(),
                    account_id: None,
                    kind: ChangeKind::Create {
                        account: Account {
                            id: None,
                            primary_email: d.primary_email.clone(),
                            given_name: d.given_name.clone(),
                            family_name: d.family_name.clone(),
                            org_unit_path: d.org_unit_path.clone(),
                            suspended: false,
                            custom_schemas: d.custom_schemas.clone(),
                            external_ids: d.external_ids.clone(),
                            admin: None,
                        },
                        password: policy.new_account.password.clone(),
                        change_password_at_next_login: policy
                            .new_account
                            .change_password_at_next_login,
                    },
                });
            }
        }
    }
    // Stable sort: per person, changes in execution order; persons in (kind, id) order.
    out.sort();
    out
}

/// Records `person`'s claim on `key`; returns the earlier claimant if there is one (who keeps it).
fn first_claim<'a, K: std::hash::Hash + Eq>(
    claims: &mut Map<K, &'a Person>,
    key: K,
    person: &'a Person,
) -> Option<&'a Person> {
    match claims.entry(key) {
        std::collections::hash_map::Entry::Occupied(e) => Some(*e.get()),
        std::collections::hash_map::Entry::Vacant(e) => {
            e.insert(person);
            None
        }
    }
}

fn skip(person: &Person, email: &str, reason: String) -> Change {
    Change {
        person: person.clone(),
        email: email.to_string(),
        account_id: None,
        kind: ChangeKind::Skip { reason },
    }
}
