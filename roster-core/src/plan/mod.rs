//! The plan: a pure, deterministic diff of desired against observed accounts (DESIGN §4.3).

//!
//! - [`plan()`] (compute.rs) matches each person to an account and resolves competing claims;
//! - diff.rs: the changes that bring one existing account to its desired state;
//! - render.rs: the plan as a table for people and as JSON;
//! - [`adopt()`] (adopt.rs): the same rules for an account a create met (409).

mod adopt;
mod compute;
mod diff;
pub mod file;
mod render;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::directory::{Account, ExternalId, OrgUnitPath, SchemaValues};
use crate::model::{Person, SchoolNumber};
use crate::secret::Secret;

pub use adopt::adopt;
pub use compute::plan;
pub use file::{PlanFile, PlanFileError, RefusedChange};

/// One change to one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// Who the change is for.
    pub person: Person,
    /// The account's primary email when this change runs (after an earlier rename in the
    /// same plan, the new one). For a skip, the email the person would have, if any.
    pub email: String,
    /// The directory's id for the account, when it exists: targets address it by id, so a
    /// rename earlier in the run cannot misdirect a later change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(flatten)]
    /// What it does.
    pub kind: ChangeKind,
}

/// What a change does. The order of the variants is the order they run in for one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ChangeKind {
    /// A new account. The initial password travels with it but never serialises.
    Create {
        /// The account to create.
        account: Account,
        #[serde(skip)]
        /// The initial password (never serialised).
        password: Option<Secret>,
        /// Make the person set their own password at first sign-in.
        change_password_at_next_login: bool,
    },
    /// The primary email changes (staff matched by DCID whose SIS email changed).
    Rename {
        /// The current primary email.
        from: String,
        /// The new primary email.
        to: String,
    },
    /// Name, custom schema or external id fields; only the ones that differ are present.
    Update(AccountPatch),
    /// The account leaves a suspended state.
    Unsuspend,
    /// The account changes OU.
    Move {
        /// The current OU.
        from: OrgUnitPath,
        /// The new OU.
        to: OrgUnitPath,
    },
    /// The account is suspended (the person left).
    Suspend,
    /// Removes the (just suspended) account from every group it belongs to.
    RemoveFromGroups,
    /// Takes a licence (Enterprise License Manager) away from the account
    /// ([`crate::licence`]); a licence already gone counts as done.
    RemoveLicence {
        /// Google's product id.
        product_id: String,
        /// The SKU id within the product.
        sku_id: String,
    },
    /// The person gets no change: a bad name, an unusable email, a conflict.
    Skip {
        /// Why nothing is done.
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
            ChangeKind::RemoveLicence { .. } => "remove_licence",
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
            ChangeKind::RemoveLicence { .. } => 7,
            ChangeKind::Skip { .. } => 8,
        }
    }

    /// Can this change share one write with the other combinable changes of its account
    /// (Google: one `users.patch` for names, custom schemas, external ids, OU and
    /// suspension)? A create, a rename (its email change is checked and retried on its own),
    /// group and licence removals (other APIs) and skips cannot.
    pub fn is_combinable(&self) -> bool {
        matches!(
            self,
            ChangeKind::Update(_)
                | ChangeKind::Unsuspend
                | ChangeKind::Move { .. }
                | ChangeKind::Suspend
        )
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
    /// The new first name.
    pub given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The new last name.
    pub family_name: Option<String>,
    /// Only the changed fields of each schema.
    #[serde(default, skip_serializing_if = "SchemaValues::is_empty")]
    pub custom_schemas: SchemaValues,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The new external ids (the whole list, as Google replaces it).
    pub external_ids: Option<Vec<ExternalId>>,
}

impl AccountPatch {
    /// Nothing to change?
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
    /// The changes, in execution order.
    pub changes: Vec<Change>,
    /// Accounts observed under the managed roots (the base for the suspension share).
    pub managed_accounts: usize,
    /// SIS rows (people, including skipped ones) per school, for the empty-school check.
    pub rows_per_school: BTreeMap<SchoolNumber, usize>,
    /// People the SIS returned in total.
    pub people: usize,
    /// Managed accounts the plan matched to a person of each school: the base of per-school
    /// limits (creates excepted: a school's creates count against its SIS rows).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub managed_per_school: BTreeMap<SchoolNumber, usize>,
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

    /// Number of changes with this kind label (see [`ChangeKind::label`]).
    pub fn count(&self, label: &str) -> usize {
        self.changes
            .iter()
            .filter(|c| c.kind.label() == label)
            .count()
    }

    /// No change that writes?
    pub fn is_empty(&self) -> bool {
        self.writes().next().is_none()
    }

    /// Puts the changes in execution order (stable): per person, in the order changes must
    /// run in; persons in (kind, id) order.
    pub fn sort(&mut self) {
        self.changes
            .sort_by(|a, b| (&a.person, a.kind.rank()).cmp(&(&b.person, b.kind.rank())));
    }
}
