//! Where accounts live: a directory (Google Workspace, or the in-memory one for tests).

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::directory::{Account, OrgUnitPath};
use crate::licence::Licence;
use crate::plan::Change;

/// Why a directory call failed. `retryable` errors (rate limits, 5xx, dropped connections)
/// are retried by the apply engine with backoff; the rest are recorded and skipped.
#[derive(Debug, Clone, thiserror::Error, Serialize, Deserialize, PartialEq, Eq)]
#[error("{status} {reason}: {message}")]
pub struct TargetError {
    /// HTTP status (0 when no response arrived).
    pub status: u16,
    /// Google's reason (`notFound`, `duplicate`, `invalid`, `userRateLimitExceeded`, ...).
    pub reason: String,
    pub message: String,
    pub retryable: bool,
    /// A server-requested wait (`Retry-After`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<Duration>,
}

impl TargetError {
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

    pub fn not_found(message: impl Into<String>) -> Self {
        TargetError::new(404, "notFound", message)
    }
}

/// The outcome of one applied change: how many API calls it took.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
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
