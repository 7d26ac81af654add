//! One `users.patch` for several changes of one account
//! ([`DirectoryTarget::apply_combined`](roster_core::DirectoryTarget::apply_combined)).
//!
//! Google's `users.patch` takes any subset of the `User` resource's writable fields in one
//! request (discovery document `admin:directory_v1`, `users.patch`: "Updates a user using
//! patch semantics"; `name`, `customSchemas`, `externalIds`, `orgUnitPath` and `suspended`
//! are all writable fields of `User`), so an account's update, unsuspend, move and suspend
//! are one request. A rename (`primaryEmail`) stays a call of its own: its "already done"
//! check after a lost reply reads the account by its old and new address. Group removals use
//! the groups and members APIs, so they stay separate too.

use roster_core::AccountWrite;
use roster_core::plan::Change;

use super::{GoogleDirectory, patch_body};
use crate::client::{DirectoryError, User};

impl GoogleDirectory {
    /// Applies the combinable `changes` of one account as one `users.patch`; the note when
    /// the account needed a look-up by email and that look-up found the work done.
    pub(super) async fn apply_write(
        &self,
        changes: &[Change],
    ) -> Result<Option<String>, DirectoryError> {
        let (Some(first), Some(write)) = (changes.first(), AccountWrite::of(changes)) else {
            return Err(DirectoryError::new(
                0,
                "clientError",
                "only updates, unsuspends, moves and suspends of one account combine",
            ));
        };
        let key = match &first.account_id {
            Some(id) => id.clone(),
            None => match self.user_id(first).await? {
                Ok(id) => id,
                Err(done) => return Ok(Some(done)),
            },
        };
        let types = self.types_if(!write.patch.custom_schemas.is_empty()).await;
        let body = User {
            org_unit_path: write.org_unit_path.map(|ou| ou.as_str().to_string()),
            suspended: write.suspended,
            ..patch_body(&write.patch, &types)
        };
        self.client.patch_user(&key, &body).await.map(|_| None)
    }
}
