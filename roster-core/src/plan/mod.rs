//! The plan: a pure, deterministic diff of desired against observed accounts (DESIGN §4.3).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

/// The plan's indexes: a million keys per run, all from the district's own data, so a fast
/// hash (foldhash) rather than SipHash's flooding resistance.
type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
use std::fmt::Write as _;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::directory::{Account, ExternalId, OrgUnitPath, SchemaValues, schema_field};
use crate::model::{Person, SchoolNumber};
use crate::policy::{DesiredAccount, Intent, MatchKey, Policy, email_key};
use crate::secret::Secret;

/// One change to one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub person: Person,
    /// The account's primary email when this change runs (after an earlier rename in the
    /// same plan, the new one). For a skip, the email the person would have, if any.
    pub email: String,
    /// The directory's id for the account, when it exists: targets address it by id, so a
    /// rename earlier in the run cannot misdirect a later change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(flatten)]
    pub kind: ChangeKind,
}

/// What a change does. The order of the variants is the order they run in for one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ChangeKind {
    /// A new account. The initial password travels with it but never serialises.
    Create {
        account: Account,
        #[serde(skip)]
        password: Option<Secret>,
        change_password_at_next_login: bool,
    },
    /// The primary email changes (staff matched by DCID whose SIS email changed).
    Rename {
        from: String,
        to: String,
    },
    /// Name, custom schema or external id fields; only the ones that differ are present.
    Update(AccountPatch),
    /// The account leaves a suspended state.
    Unsuspend,
    Move {
        from: OrgUnitPath,
        to: OrgUnitPath,
    },
    Suspend,
    /// Removes the (just suspended) account from every group it belongs to.
    RemoveFromGroups,
    /// The person gets no change: a bad name, an unusable email, a conflict.
    Skip {
        reason: String,
    },
}

impl ChangeKind {
    /// Short name used in tables, counts and the audit log.
    pub fn label(&self) -> &'static str {
        match self {
            ChangeKind::Create { .. } => "create",
            ChangeKind::Rename { .. } => "rename",
            ChangeKind::Update(_) => "update",
            ChangeKind::Unsuspend => "unsuspend",
            ChangeKind::Move { .. } => "move",
            ChangeKind::Suspend => "suspend",
            ChangeKind::RemoveFromGroups => "remove_from_groups",
            ChangeKind::Skip { .. } => "skip",
        }
    }

    fn rank(&self) -> u8 {
        match self {
            ChangeKind::Create { .. } => 0,
            ChangeKind::Rename { .. } => 1,
            ChangeKind::Update(_) => 2,
            ChangeKind::Unsuspend => 3,
            ChangeKind::Move { .. } => 4,
            ChangeKind::Suspend => 5,
            ChangeKind::RemoveFromGroups => 6,
            ChangeKind::Skip { .. } => 7,
        }
    }

    /// Does applying this change write to the directory?
    pub fn is_write(&self) -> bool {
        !matches!(self, ChangeKind::Skip { .. })
    }
}

/// The fields of an update; `None`/empty means "leave as is".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// Only the changed fields of each schema.
    #[serde(default, skip_serializing_if = "SchemaValues::is_empty")]
    pub custom_schemas: SchemaValues,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ids: Option<Vec<ExternalId>>,
}

impl AccountPatch {
    pub fn is_empty(&self) -> bool {
        self.given_name.is_none()
            && self.family_name.is_none()
            && self.custom_schemas.is_empty()
            && self.external_ids.is_none()
    }

    /// Applies the patch to an account (used by the in-memory target and by tests).
    pub fn apply_to(&self, a: &mut Account) {
        if let Some(g) = &self.given_name {
            a.given_name = g.clone();
        }
        if let Some(f) = &self.family_name {
            a.family_name = f.clone();
        }
        for (schema, fields) in &self.custom_schemas {
            a.custom_schemas
                .entry(schema.clone())
                .or_default()
                .extend(fields.clone());
        }
        if let Some(ids) = &self.external_ids {
            a.external_ids = ids.clone();
        }
    }
}

/// The plan of one run: its changes in execution order, and what it was computed from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub changes: Vec<Change>,
    /// Accounts observed under the managed roots (the base for the suspension share).
    pub managed_accounts: usize,
    /// SIS rows (people, including skipped ones) per school, for the empty-school check.
    pub rows_per_school: BTreeMap<SchoolNumber, usize>,
    /// People the SIS returned in total.
    pub people: usize,
}

impl Plan {
    /// Changes that write (everything but skips).
    pub fn writes(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.kind.is_write())
    }

    /// Number of changes per kind label.
    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        let mut m = BTreeMap::new();
        for c in &self.changes {
            *m.entry(c.kind.label()).or_insert(0) += 1;
        }
        m
    }

    pub fn count(&self, label: &str) -> usize {
        self.changes
            .iter()
            .filter(|c| c.kind.label() == label)
            .count()
    }

    pub fn is_empty(&self) -> bool {
        self.writes().next().is_none()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.changes).expect("a plan always serialises")
    }

    /// A table for people: one line per change, then counts.
    pub fn table(&self) -> String {
        let rows: Vec<[String; 4]> = self
            .changes
            .iter()
            .map(|c| {
                [
                    c.kind.label().to_uppercase(),
                    c.person.to_string(),
                    c.email.clone(),
                    describe(&c.kind),
                ]
            })
            .collect();
        let header = ["ACTION", "PERSON", "ACCOUNT", "DETAIL"];
        let mut widths = header.map(str::len);
        for r in &rows {
            for (w, cell) in widths.iter_mut().zip(r) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        let line = |out: &mut String, cells: [&str; 4]| {
            let mut s = String::new();
            for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
                if i == 3 {
                    s.push_str(cell);
                } else {
                    let pad = w - cell.chars().count();
                    s.push_str(cell);
                    s.push_str(&" ".repeat(pad + 2));
                }
            }
            out.push_str(s.trim_end());
            out.push('\n');
        };
        line(&mut out, header);
        for r in &rows {
            line(&mut out, [&r[0], &r[1], &r[2], &r[3]]);
        }
        let counts = self.counts();
        if counts.is_empty() {
            out.push_str("No changes.\n");
        } else {
            let summary: Vec<String> = counts.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            let _ = writeln!(
                out,
                "{} changes ({})",
                self.changes.len(),
                summary.join(", ")
            );
        }
        out
    }
}

fn describe(kind: &ChangeKind) -> String {
    match kind {
        ChangeKind::Create { account, .. } => format!(
            "{} {} in {}{}",
            account.given_name,
            account.family_name,
            account.org_unit_path,
            if account.suspended {
                " (suspended)"
            } else {
                ""
            }
        ),
        ChangeKind::Rename { from, to } => format!("{from} -> {to}"),
        ChangeKind::Update(p) => {
            let mut parts = Vec::new();
            if let Some(g) = &p.given_name {
                parts.push(format!("givenName={g:?}"));
            }
            if let Some(f) = &p.family_name {
                parts.push(format!("familyName={f:?}"));
            }
            for (schema, fields) in &p.custom_schemas {
                for (k, v) in fields {
                    parts.push(format!("{schema}.{k}={:?}", v.text()));
                }
            }
            if let Some(ids) = &p.external_ids {
                let ids: Vec<String> = ids
                    .iter()
                    .map(|i| format!("{}:{}", i.kind, i.value))
                    .collect();
                parts.push(format!("externalIds=[{}]", ids.join(",")));
            }
            parts.join(" ")
        }
        ChangeKind::Unsuspend | ChangeKind::Suspend | ChangeKind::RemoveFromGroups => String::new(),
        ChangeKind::Move { from, to } => format!("{from} -> {to}"),
        ChangeKind::Skip { reason } => reason.clone(),
    }
}

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
                    let kept = if email == EmailChange::Blocked {
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
    out.changes
        .sort_by(|a, b| (&a.person, a.kind.rank()).cmp(&(&b.person, b.kind.rank())));
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

/// What happens to an existing account's primary email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EmailChange {
    /// The account already has the person's email (compared as Google does).
    Keep,
    Rename,
    /// The person's email belongs to another account, or to an earlier person of the plan.
    Blocked,
}

/// The changes that bring one existing account to its desired state.
fn diff(
    d: &DesiredAccount,
    a: &Account,
    policy: &Policy,
    email_change: EmailChange,
    changes: &mut Vec<Change>,
) {
    let mut email = a.primary_email.as_str();
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
    if a.given_name != d.given_name {
        patch.given_name = Some(d.given_name.clone());
    }
    if a.family_name != d.family_name {
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
    if !patch.is_empty() {
        push(email, ChangeKind::Update(patch));
    }
    let reactivated = policy.is_reactivated(&a.org_unit_path);
    if reactivated {
        return;
    }
    if a.suspended && !d.suspended {
        push(email, ChangeKind::Unsuspend);
    }
    let same_ou = a
        .org_unit_path
        .as_str()
        .eq_ignore_ascii_case(d.org_unit_path.as_str());
    if !same_ou && !policy.is_frozen(&a.org_unit_path) {
        push(
            email,
            ChangeKind::Move {
                from: a.org_unit_path.clone(),
                to: d.org_unit_path.clone(),
            },
        );
    }
    if d.suspended && !a.suspended {
        push(email, ChangeKind::Suspend);
        if policy.remove_groups_on_suspend {
            push(email, ChangeKind::RemoveFromGroups);
        }
    }
}
