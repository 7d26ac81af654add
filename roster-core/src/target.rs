//! Where accounts live: a directory (Google Workspace, or the in-memory one for tests).

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::directory::{Account, OrgUnitPath};
use crate::licence::Licence;
use crate::plan::{AccountPatch, Change, ChangeKind};

/// Why a directory call failed. `retryable` errors (rate limits, 5xx, dropped connections)
/// are retried by the apply engine with backoff; the rest are recorded and skipped.
#[derive(Debug, Clone, thiserror::Error, Serialize, Deserialize, PartialEq, Eq)]
#[error("{status} {reason}: {message}")]
pub struct TargetError {
    /// HTTP status (0 when no response arrived).
    pub status: u16,
    /// Google's reason (`notFound`, `duplicate`, `invalid`, `userRateLimitExceeded`, ...).
    pub reason: String,
    /// The server's message.
    pub message: String,
    /// Is it worth trying again (rate limits, 5xx, no response)?
    pub retryable: bool,
    /// A server-requested wait (`Retry-After`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<Duration>,
}

impl TargetError {
    /// An error from a status and Google's reason; `retryable` follows from them.
    pub fn new(status: u16, reason: impl Into<String>, message: impl Into<String>) -> Self {
        let reason = reason.into();
        // 412 conditionNotMet: Google's "User creation is not complete." right after a create.
        let retryable = matches!(status, 0 | 429 | 500..=599)
            || (status == 403
                && matches!(
                    reason.as_str(),
                    "userRateLimitExceeded" | "rateLimitExceeded" | "quotaExceeded"
                ))
            || (status == 412 && reason == "conditionNotMet");
        TargetError {
            status,
            reason,
            message: message.into(),
            retryable,
            retry_after: None,
        }
    }

    /// A 404 `notFound`.
    pub fn not_found(message: impl Into<String>) -> Self {
        TargetError::new(404, "notFound", message)
    }
}

/// The outcome of one applied change: how many API calls it took.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    /// API calls the change took.
    pub api_calls: u32,
    /// What the target did beyond the plan (e.g. "409 on create: updated the existing account").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A directory of accounts. Object-safe: districts hold a `Box<dyn DirectoryTarget>`.
#[async_trait]
pub trait DirectoryTarget: Send + Sync {
    /// Every account under these OU roots (and their sub-OUs), read in bulk.
    async fn list_accounts(&self, under: &[OrgUnitPath]) -> Result<Vec<Account>, TargetError>;
    /// One account by primary email; `None` when it does not exist.
    async fn get_account(&self, email: &str) -> Result<Option<Account>, TargetError>;
    /// The accounts with these immutable ids, each read on its own (`users.get`), never by
    /// listing; an id that no longer exists is absent from the result. `apply --plan` reads
    /// only the accounts its changes touch this way. A target that cannot read by id says so.
    async fn get_accounts_by_id(
        &self,
        ids: &[String],
    ) -> Result<BTreeMap<String, Account>, TargetError> {
        let _ = ids;
        Err(TargetError::new(
            501,
            "notImplemented",
            "this directory cannot read accounts by id",
        ))
    }
    /// Applies one change. Must be safe to call again after a failure (the engine retries).
    async fn apply(&self, change: &Change) -> Result<Applied, TargetError>;
    /// Applies several changes of one account together: the engine passes the consecutive
    /// changes of one account that [`ChangeKind::is_combinable`] accepts (at least two, in
    /// plan order); [`AccountWrite::of`] merges them into the fields one write sets. Google
    /// makes this one `users.patch`. Must be safe to call again after a failure (the engine
    /// retries the whole call); a failure fails every change it carried.
    ///
    /// The default applies the changes one after the other with [`Self::apply`], stopping at
    /// the first failure, so a directory without a combined write keeps working unchanged.
    async fn apply_combined(&self, changes: &[Change]) -> Result<Applied, TargetError> {
        let mut total = Applied::default();
        for change in changes {
            let applied = self.apply(change).await?;
            total.api_calls += applied.api_calls;
            total.note = match (total.note.take(), applied.note) {
                (Some(a), Some(b)) => Some(format!("{a}; {b}")),
                (a, b) => a.or(b),
            };
        }
        Ok(total)
    }
    /// The primary emails of the users holding `licence` (Enterprise License Manager), read
    /// in bulk. The default: this directory has no licences (an error, so a job that removes
    /// licences never runs against a target that cannot tell who holds one).
    async fn licence_holders(&self, licence: &Licence) -> Result<Vec<String>, TargetError> {
        Err(TargetError::new(
            501,
            "notImplemented",
            format!("this directory does not manage licences ({licence})"),
        ))
    }
    /// Makes sure an OU (and its parents) exists.
    async fn ensure_org_unit(&self, path: &OrgUnitPath) -> Result<(), TargetError>;
    /// The account the target acts as (the admin a service account impersonates), when
    /// known: the sync never suspends, moves or renames it.
    fn acting_as(&self) -> Option<String> {
        None
    }
    /// API calls made so far (for reports and benchmarks).
    fn api_calls(&self) -> u64 {
        0
    }
}

/// The fields one combined write sets for one account: what an update, an unsuspend, a move
/// and a suspend of the same account amount to together ([`DirectoryTarget::apply_combined`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountWrite {
    /// Names, custom schema fields and external ids (from an update).
    pub patch: AccountPatch,
    /// The new OU (from a move).
    pub org_unit_path: Option<OrgUnitPath>,
    /// The new suspension state (from a suspend or an unsuspend).
    pub suspended: Option<bool>,
}

impl AccountWrite {
    /// The merged write of `changes`; `None` when one of them cannot be combined (a create,
    /// a rename, a group or licence removal, a skip): those always run on their own.
    pub fn of(changes: &[Change]) -> Option<AccountWrite> {
        let mut w = AccountWrite::default();
        for change in changes {
            match &change.kind {
                ChangeKind::Update(patch) => {
                    let mut merged = std::mem::take(&mut w.patch);
                    if patch.given_name.is_some() {
                        merged.given_name.clone_from(&patch.given_name);
                    }
                    if patch.family_name.is_some() {
                        merged.family_name.clone_from(&patch.family_name);
                    }
                    for (schema, fields) in &patch.custom_schemas {
                        merged
                            .custom_schemas
                            .entry(schema.clone())
                            .or_default()
                            .extend(fields.clone());
                    }
                    if patch.external_ids.is_some() {
                        merged.external_ids.clone_from(&patch.external_ids);
                    }
                    w.patch = merged;
                }
                ChangeKind::Move { to, .. } => w.org_unit_path = Some(to.clone()),
                ChangeKind::Suspend => w.suspended = Some(true),
                ChangeKind::Unsuspend => w.suspended = Some(false),
                _ => return None,
            }
        }
        Some(w)
    }
}
