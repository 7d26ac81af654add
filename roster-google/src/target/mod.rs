//! [`GoogleDirectory`]: the Directory API as a [`roster_core::DirectoryTarget`].
//!
//! - `list_accounts` lists every managed OU root concurrently (`users.list`,
//!   `query=orgUnitPath='...'`, `projection=full`, 500 per page, `fields` trimmed to the
//!   managed fields) and dedupes by user id (a root inside another root is listed twice);
//!   when Google answers slowly, a root is read as concurrent email-prefix partitions
//!   (`partition`, [`ReadPartitions`]).
//! - `apply` makes one `users.patch` per change (`users.insert` for a create; `groups.list`
//!   plus one `members.delete` per group for `RemoveFromGroups`); `apply_combined` makes one
//!   `users.patch` for an account's update, unsuspend, move and suspend together
//!   (combined.rs). Both address the user by
//!   `change.account_id` when the plan has it, else by `change.email`. A `409 duplicate` on
//!   create means the account exists outside the listed OUs: the error goes back to the
//!   engine, which reads the account (`get_account`) and plans it by the run's rules
//!   (`roster_core::plan::adopt`), never patching it to the whole desired state.
//! - `ensure_org_unit` creates missing OUs parent-first (`orgunits.get` -> 404 ->
//!   `orgunits.insert`, a 409 from a concurrent creator is success), with retries of its own
//!   (the engine does not retry it).
//! - Retries: reads retry inside the client; a retryable write failure is returned to the
//!   engine, which retries the whole change (every change here is safe to repeat).

mod combined;
mod mapping;
mod partition;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use futures::StreamExt;
use rand::Rng;
use roster_core::plan::{Change, ChangeKind};
use roster_core::policy::normalize_email;
use roster_core::{
    Account, Applied, DirectoryTarget, OrgUnitPath, OrgUnitPaths, Retry, TargetError,
};
use tokio::sync::OnceCell;

pub use mapping::{
    EXTERNAL_ID_TYPES, SchemaTypes, account_from_user, custom_schemas_json,
    external_id_from_google, external_id_to_google, patch_body, user_from_account,
};
pub use partition::{MAX_PARTITIONS, MIN_SLOW_PAGE, ReadPartitions, USERNAME_CHARACTERS};

use crate::client::{
    DirectoryClient, DirectoryError, ListUsers, OrgUnit, Password, Projection, USER_FIELDS,
    USER_LIST_FIELDS, User, count_calls, ou_query,
};

/// Length of the random initial password used when the policy configures none.
const GENERATED_PASSWORD_LEN: usize = 24;

/// Google Workspace as a directory target.
#[derive(Debug)]
pub struct GoogleDirectory {
    client: Arc<DirectoryClient>,
    retry: Retry,
    schema_types: OnceCell<SchemaTypes>,
    /// OUs known to exist (lower-cased paths), so repeated `ensure_org_unit` calls are free.
    known_ous: Mutex<HashSet<String>>,
    /// Groups whose memberships are removed at once for one user.
    group_concurrency: usize,
    /// The admin the credentials act as (`GOOGLE_ADMIN_SUBJECT`), when known.
    subject: Option<String>,
    /// The licensing API, for jobs that remove licences ([`Self::with_licensing`]).
    licensing: Option<crate::licensing::LicensingClient>,
    /// When a root's listing is split into email-prefix partitions.
    read_partitions: ReadPartitions,
}

impl GoogleDirectory {
    /// A target on a client, with the default retry.
    pub fn new(client: Arc<DirectoryClient>) -> Self {
        GoogleDirectory {
            client,
            retry: Retry::default(),
            schema_types: OnceCell::new(),
            known_ous: Mutex::new(HashSet::new()),
            group_concurrency: 4,
            subject: None,
            licensing: None,
            read_partitions: ReadPartitions::Auto,
        }
    }

    /// When `list_accounts` splits a root into concurrent email-prefix partitions
    /// ([`ReadPartitions::Auto`] by default).
    pub fn with_read_partitions(mut self, mode: ReadPartitions) -> Self {
        self.read_partitions = mode;
        self
    }

    /// The admin the credentials act as (a service account's `sub`): the sync never
    /// suspends, moves or renames it ([`DirectoryTarget::acting_as`]).
    pub fn acting_as(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// Enables the licensing API (on the same client) for `remove_licence` changes and
    /// [`DirectoryTarget::licence_holders`]; the credentials need
    /// [`crate::licensing::SCOPE_LICENSING`].
    pub fn with_licensing(mut self) -> Self {
        self.licensing = Some(crate::licensing::LicensingClient::new(self.client.clone()));
        self
    }

    /// A target on a new client: `GoogleDirectory::connect(ClientConfig::default(), auth)`.
    pub fn connect(
        config: crate::client::ClientConfig,
        auth: Arc<dyn crate::auth::TokenSource>,
    ) -> Result<Self, DirectoryError> {
        let retry = config.retry.clone();
        Ok(GoogleDirectory::new(Arc::new(DirectoryClient::new(config, auth)?)).with_retry(retry))
    }

    /// The backoff `ensure_org_unit` uses for its writes (reads retry in the client).
    pub fn with_retry(mut self, retry: Retry) -> Self {
        self.retry = retry;
        self
    }

    /// The underlying client.
    pub fn client(&self) -> &DirectoryClient {
        &self.client
    }

    /// The declared types of custom schema fields (`schemas.list`, once; empty when the
    /// credentials lack the `userschema.readonly` scope, values then keep their own types).
    pub async fn schema_types(&self) -> &SchemaTypes {
        self.schema_types
            .get_or_init(|| async {
                match self.client.list_schemas().await {
                    Ok(s) => SchemaTypes::from_schemas(&s),
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot read custom schema definitions; sending values with their own JSON types");
                        SchemaTypes::default()
                    }
                }
            })
            .await
    }

    async fn types_if(&self, needed: bool) -> SchemaTypes {
        if needed {
            self.schema_types().await.clone()
        } else {
            SchemaTypes::default()
        }
    }

    /// One account by its immutable id; `None` when it no longer exists.
    async fn get_by_id(&self, id: String) -> Result<Option<(String, Account)>, TargetError> {
        match self
            .client
            .get_user(&id, &Projection::Full, Some(USER_FIELDS))
            .await
        {
            Ok(u) => Ok(account_from_user(&u).map(|a| (id, a))),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Every account under one OU root (all pages).
    async fn list_root(&self, root: &OrgUnitPath) -> Result<Vec<Account>, DirectoryError> {
        let params = ListUsers {
            query: (root.as_str() != "/").then(|| ou_query(root.as_str())),
            projection: Projection::Full,
            max_results: 500,
            fields: Some(USER_LIST_FIELDS.into()),
            ..ListUsers::default()
        };
        // Each page becomes accounts as it arrives, and thousands of accounts share each OU:
        // one copy of each path.
        let mut ous = OrgUnitPaths::new();
        let keep = |u: User| {
            let mut a = account_from_user(&u)?;
            a.org_unit_path = ous.share(a.org_unit_path);
            a.org_unit_path.is_within(root).then_some(a)
        };
        let mut keep = keep;
        let listed =
            partition::list_root_users(&self.client, &params, self.read_partitions, &mut keep)
                .await;
        let accounts = match listed {
            Ok(u) => u,
            // A root that does not exist (yet) has no accounts.
            Err(e) if e.status == 400 || e.is_not_found() => {
                match self.client.get_org_unit(root.as_str()).await {
                    Err(g) if g.is_not_found() => {
                        tracing::info!(root = %root, "managed OU does not exist; no accounts under it");
                        return Ok(Vec::new());
                    }
                    _ => return Err(e),
                }
            }
            Err(e) => return Err(e),
        };
        tracing::debug!(root = %root, accounts = accounts.len(), "listed");
        Ok(accounts)
    }

    async fn apply_change(&self, change: &Change) -> Result<Option<String>, DirectoryError> {
        let key = match (&change.kind, &change.account_id) {
            (
                ChangeKind::Create { .. }
                | ChangeKind::Skip { .. }
                | ChangeKind::RemoveLicence { .. },
                _,
            ) => String::new(),
            (_, Some(id)) => id.clone(),
            (_, None) => match self.user_id(change).await? {
                Ok(id) => id,
                Err(done) => return Ok(Some(done)),
            },
        };
        let key = key.as_str();
        match &change.kind {
            ChangeKind::Create {
                account,
                password,
                change_password_at_next_login,
            } => {
                self.create(
                    account,
                    password.as_ref().map(|p| p.expose()),
                    *change_password_at_next_login,
                )
                .await
            }
            ChangeKind::Rename { to, .. } => {
                let body = User {
                    primary_email: Some(to.clone()),
                    ..User::default()
                };
                self.client.patch_user(key, &body).await.map(|_| None)
            }
            ChangeKind::Update(patch) => {
                let types = self.types_if(!patch.custom_schemas.is_empty()).await;
                self.client
                    .patch_user(key, &patch_body(patch, &types))
                    .await
                    .map(|_| None)
            }
            ChangeKind::Move { to, .. } => self
                .client
                .patch_user(
                    key,
                    &User {
                        org_unit_path: Some(to.as_str().to_string()),
                        ..User::default()
                    },
                )
                .await
                .map(|_| None),
            ChangeKind::Suspend | ChangeKind::Unsuspend => self
                .client
                .patch_user(
                    key,
                    &User {
                        suspended: Some(matches!(change.kind, ChangeKind::Suspend)),
                        ..User::default()
                    },
                )
                .await
                .map(|_| None),
            ChangeKind::RemoveFromGroups => self.remove_from_groups(key).await,
            ChangeKind::RemoveLicence { product_id, sku_id } => {
                let licensing = self.licensing.as_ref().ok_or_else(no_licensing)?;
                match licensing.remove(product_id, sku_id, &change.email).await {
                    Ok(()) => Ok(None),
                    // Already gone (an earlier attempt whose answer was lost, or an admin):
                    // the goal is reached.
                    Err(e) if e.is_not_found() => Ok(Some(format!(
                        "{} no longer held {product_id}/{sku_id}",
                        change.email
                    ))),
                    Err(e) => Err(e),
                }
            }
            ChangeKind::Skip { .. } => Ok(None),
        }
    }

    /// The immutable id of the account a change without one addresses by `change.email`:
    /// writes never go to an address that could be an alias of another account. `Err(note)`
    /// when a rename finds its work already done (an earlier attempt whose answer was lost).
    async fn user_id(&self, change: &Change) -> Result<Result<String, String>, DirectoryError> {
        let email = &change.email;
        let renamed_to = match &change.kind {
            ChangeKind::Rename { to, .. } => Some(to.as_str()),
            _ => None,
        };
        let done = |to: &str| Err(format!("{email} was already renamed to {to}"));
        let user = match self
            .client
            .get_user(email, &Projection::Basic, Some("id,primaryEmail"))
            .await
        {
            Ok(u) => u,
            Err(e) if e.is_not_found() => {
                let Some(to) = renamed_to else { return Err(e) };
                return match self
                    .client
                    .get_user(to, &Projection::Basic, Some("id,primaryEmail"))
                    .await
                {
                    Ok(u) if same_email(u.primary_email.as_deref(), to) => Ok(done(to)),
                    _ => Err(e),
                };
            }
            Err(e) => return Err(e),
        };
        let primary = user.primary_email.as_deref();
        match (user.id, renamed_to) {
            (Some(id), _) if same_email(primary, email) => Ok(Ok(id)),
            // The old address is kept as an alias of the renamed account.
            (_, Some(to)) if same_email(primary, to) => Ok(done(to)),
            _ => Err(DirectoryError::new(
                400,
                "invalid",
                format!(
                    "{email} is an alias of {}: changes address an account by its id, never by an alias",
                    primary.unwrap_or("another account")
                ),
            )),
        }
    }

    async fn create(
        &self,
        account: &Account,
        password: Option<&str>,
        change_at_next_login: bool,
    ) -> Result<Option<String>, DirectoryError> {
        let types = self.types_if(!account.custom_schemas.is_empty()).await;
        let mut user = user_from_account(account, &types);
        let mut note = None;
        let password = match password.filter(|p| !p.is_empty()) {
            Some(p) => p.to_string(),
            None => {
                note = Some("no initial password configured: a random one was set".to_string());
                random_password()
            }
        };
        user.password = Some(Password(password));
        user.change_password_at_next_login = Some(change_at_next_login);
        // A 409 (the account exists outside the listing) goes back to the engine, which
        // reads the account and applies only what the plan's rules allow for it.
        self.client.insert_user(&user).await.map(|_| note)
    }

    async fn remove_from_groups(&self, user_key: &str) -> Result<Option<String>, DirectoryError> {
        let groups = self.client.list_groups_of(user_key).await?;
        let keys: Vec<String> = groups
            .iter()
            .filter_map(|g| g.key().map(str::to_string))
            .collect();
        let results: Vec<Result<(), DirectoryError>> = futures::stream::iter(keys.clone())
            .map(|g: String| async move {
                match self.client.delete_member(&g, user_key).await {
                    // Already removed (an earlier attempt, or by hand): nothing to do.
                    Err(e) if e.is_not_found() => Ok(()),
                    other => other,
                }
            })
            .buffer_unordered(self.group_concurrency)
            .collect()
            .await;
        if let Some(e) = results.into_iter().find_map(Result::err) {
            return Err(e);
        }
        Ok((!keys.is_empty()).then(|| format!("removed from {} group(s)", keys.len())))
    }

    fn is_known(&self, path: &OrgUnitPath) -> bool {
        self.known_ous
            .lock()
            .expect("known_ous lock")
            .contains(&path.as_str().to_lowercase())
    }

    fn mark_known(&self, path: &OrgUnitPath) {
        let mut known = self.known_ous.lock().expect("known_ous lock");
        let mut p = Some(path.clone());
        while let Some(cur) = p {
            known.insert(cur.as_str().to_lowercase());
            p = cur.parent();
        }
    }

    /// `orgunits.get`: `Ok(true)` exists, `Ok(false)` 404.
    async fn ou_exists(&self, path: &OrgUnitPath) -> Result<bool, DirectoryError> {
        match self.client.get_org_unit(path.as_str()).await {
            Ok(_) => Ok(true),
            Err(e) if e.is_not_found() => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn create_ou(&self, path: &OrgUnitPath) -> Result<(), DirectoryError> {
        let parent = path.parent().unwrap_or_else(OrgUnitPath::root);
        let body = OrgUnit {
            name: Some(path.name().to_string()),
            parent_org_unit_path: Some(parent.as_str().to_string()),
            ..OrgUnit::default()
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.client.insert_org_unit(&body).await {
                Ok(_) => {
                    tracing::info!(org_unit = %path, "created org unit");
                    return Ok(());
                }
                // Google answers an existing org unit with 400 "Invalid Ou Id" (the emulator
                // too; 409 elsewhere): confirm with orgunits.get before calling it success, as
                // the same 400 also means a name Google rejects.
                Err(e) if e.is_duplicate() || e.status == 400 => {
                    return match self.ou_exists(path).await {
                        Ok(true) => {
                            tracing::debug!(org_unit = %path, status = e.status, "org unit exists");
                            Ok(())
                        }
                        Ok(false) => Err(e),
                        Err(get_err) => Err(get_err),
                    };
                }
                Err(e) if e.retryable && attempt < self.retry.max_attempts => {
                    tokio::time::sleep(self.retry.delay(attempt, e.retry_after)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

fn same_email(a: Option<&str>, b: &str) -> bool {
    a.is_some_and(|a| normalize_email(a) == normalize_email(b))
}

fn random_password() -> String {
    const CHARS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%+-";
    let mut rng = rand::thread_rng();
    (0..GENERATED_PASSWORD_LEN)
        .map(|_| CHARS[rng.gen_range(0..CHARS.len())] as char)
        .collect()
}

#[async_trait]
impl DirectoryTarget for GoogleDirectory {
    async fn list_accounts(&self, under: &[OrgUnitPath]) -> Result<Vec<Account>, TargetError> {
        let lists = futures::future::join_all(under.iter().map(|r| self.list_root(r))).await;
        let lists = lists.into_iter().collect::<Result<Vec<_>, _>>()?;
        Ok(partition::merge(lists))
    }

    async fn get_account(&self, email: &str) -> Result<Option<Account>, TargetError> {
        match self
            .client
            .get_user(email, &Projection::Full, Some(USER_FIELDS))
            .await
        {
            Ok(u) => Ok(account_from_user(&u)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn get_accounts_by_id(
        &self,
        ids: &[String],
    ) -> Result<std::collections::BTreeMap<String, Account>, TargetError> {
        use futures::StreamExt;
        let reads = futures::stream::iter(ids.iter().cloned().map(|id| self.get_by_id(id)))
            .buffer_unordered(16)
            .collect::<Vec<_>>()
            .await;
        let mut out = std::collections::BTreeMap::new();
        for r in reads {
            out.extend(r?);
        }
        Ok(out)
    }

    async fn apply(&self, change: &Change) -> Result<Applied, TargetError> {
        let (result, calls) = count_calls(self.apply_change(change)).await;
        match result {
            Ok(note) => {
                if let Some(n) = &note {
                    tracing::debug!(person = %change.person, action = change.kind.label(), note = %n, "applied");
                }
                Ok(Applied {
                    api_calls: calls,
                    note,
                })
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn apply_combined(&self, changes: &[Change]) -> Result<Applied, TargetError> {
        let (result, calls) = count_calls(self.apply_write(changes)).await;
        Ok(Applied {
            api_calls: calls,
            note: result?,
        })
    }

    async fn licence_holders(
        &self,
        licence: &roster_core::licence::Licence,
    ) -> Result<Vec<String>, TargetError> {
        let licensing = self.licensing.as_ref().ok_or_else(no_licensing)?;
        Ok(licensing
            .holders(&licence.product_id, &licence.sku_id)
            .await?)
    }

    async fn ensure_org_unit(&self, path: &OrgUnitPath) -> Result<(), TargetError> {
        if path.as_str() == "/" || self.is_known(path) {
            return Ok(());
        }
        if self.ou_exists(path).await? {
            self.mark_known(path);
            return Ok(());
        }
        // Parent first: the chain from the top down.
        let mut chain = Vec::new();
        let mut p = path.parent();
        while let Some(cur) = p {
            if cur.as_str() == "/" || self.is_known(&cur) {
                break;
            }
            p = cur.parent();
            chain.push(cur);
        }
        chain.reverse();
        for ou in &chain {
            if !self.ou_exists(ou).await? {
                self.create_ou(ou).await?;
            }
            self.mark_known(ou);
        }
        self.create_ou(path).await?;
        self.mark_known(path);
        Ok(())
    }

    fn api_calls(&self) -> u64 {
        self.client.api_calls()
    }

    fn acting_as(&self) -> Option<String> {
        self.subject.clone()
    }
}

/// A `remove_licence` change or a holders list on a target built without the licensing API.
fn no_licensing() -> DirectoryError {
    DirectoryError::new(
        0,
        "clientError",
        "licensing is not enabled on this target (GoogleDirectory::with_licensing)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_are_long_and_differ() {
        let a = random_password();
        let b = random_password();
        assert_eq!(a.chars().count(), GENERATED_PASSWORD_LEN);
        assert_ne!(a, b);
    }

    #[test]
    fn emails_compare_case_insensitively() {
        assert!(same_email(Some("A@X.org"), "a@x.org"));
        assert!(!same_email(None, "a@x.org"));
        assert!(!same_email(Some("b@x.org"), "a@x.org"));
    }
}
