//! A create that met an existing account (Google's `409 duplicate`): the account was outside
//! the listing, so the plan never saw it. [`adopt`] plans that one account with the same
//! rules as every other, so frozen and reactivation OUs, admins and OUs outside the managed
//! roots hold on this path too.

use chrono::NaiveDate;

use super::{Change, ChangeKind, Plan, compute::plan};
use crate::directory::{Account, schema_field};
use crate::policy::{DesiredAccount, Intent, MatchKey, Policy};

/// What the plan decides for `existing`, the account a `Create` (`create`) met.
///
/// - The account is matched as the listing would have matched it (by the policy's key, so a
///   staff account stamped with another DCID is not taken over: the result is a skip without
///   an `account_id`).
/// - An account outside the managed roots is not moved (its OU is treated as frozen): it sits
///   there on purpose (`/Administrators`, `/Utility Accounts`).
/// - Everything else follows [`plan`]: only fields that differ, admins untouched.
///
/// The changes carry `existing`'s id. A `create` that is not a [`ChangeKind::Create`] plans
/// nothing.
pub fn adopt(create: &Change, existing: &Account, policy: &Policy, today: NaiveDate) -> Plan {
    let ChangeKind::Create { account, .. } = &create.kind else {
        return Plan::default();
    };
    let key = match &policy.match_key {
        MatchKey::PrimaryEmail => None,
        MatchKey::SchemaField { schema, field } => {
            schema_field(&account.custom_schemas, schema, field).map(|v| v.text())
        }
    };
    let desired = DesiredAccount {
        person: create.person.clone(),
        key,
        primary_email: account.primary_email.clone(),
        given_name: account.given_name.clone(),
        family_name: account.family_name.clone(),
        org_unit_path: account.org_unit_path.clone(),
        suspended: false,
        custom_schemas: account.custom_schemas.clone(),
        external_ids: account.external_ids.clone(),
    };
    let mut rules = policy.clone();
    if !policy.manages(&existing.org_unit_path) {
        rules.managed_roots.push(existing.org_unit_path.clone());
        rules
            .frozen_ous
            .push(existing.org_unit_path.as_str().to_string());
    }
    let intent = Intent::Account {
        account: desired,
        school: None,
    };
    plan(&[intent], std::slice::from_ref(existing), &rules, today)
}
