//! An in-memory [`DirectoryTarget`] for unit tests and property tests. It follows Google's
//! rules that matter to the engine (emails unique case-insensitively, OUs must exist, a
//! create of an existing email is a 409) but it is no emulator: the HTTP one lives in
//! `roster-google`.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;

use crate::directory::{Account, OrgUnitPath};
use crate::licence::Licence;
use crate::plan::{Change, ChangeKind};
use crate::policy::normalize_email;
use crate::target::{Applied, DirectoryTarget, TargetError};

#[derive(Debug, Default)]
struct State {
    /// id -> account
    accounts: BTreeMap<String, Account>,
    org_units: BTreeSet<String>,
    /// email -> groups
    groups: BTreeMap<String, BTreeSet<String>>,
    next_id: u64,
    /// Errors returned by the next calls to `apply`, in order.
    faults: VecDeque<TargetError>,
    writes: Vec<String>,
    /// Licence assignments: (product, SKU) -> lower-cased emails holding it.
    licences: BTreeMap<(String, String), BTreeSet<String>>,
}

#[derive(Debug, Default)]
pub struct InMemoryDirectory {
    state: Mutex<State>,
    calls: AtomicU64,
}

impl InMemoryDirectory {
    /// Assigns `licence` to the account with `email` (for tests and the demo).
    pub fn assign_licence(&self, licence: &Licence, email: &str) {
        let key = (licence.product_id.clone(), licence.sku_id.clone());
        let mut st = self.state.lock().unwrap();
        st.licences
            .entry(key)
            .or_default()
            .insert(normalize_email(email));
    }

    /// The emails holding `licence`, sorted.
    pub fn licence_holders_now(&self, licence: &Licence) -> Vec<String> {
        let key = (licence.product_id.clone(), licence.sku_id.clone());
        let st = self.state.lock().unwrap();
        st.licences
            .get(&key)
            .map(|h| h.iter().cloned().collect())
            .unwrap_or_default()
    }

    pub fn new() -> Self {
        let d = InMemoryDirectory::default();
        d.state.lock().unwrap().org_units.insert("/".into());
        d
    }

    /// Adds an account (and its OU chain), assigning an id when it has none.
    pub fn insert(&self, mut account: Account) -> String {
        let mut st = self.state.lock().unwrap();
        add_ou_chain(&mut st.org_units, &account.org_unit_path);
        let id = account.id.clone().unwrap_or_else(|| {
            st.next_id += 1;
            format!("{}", 100_000 + st.next_id)
        });
        account.id = Some(id.clone());
        st.accounts.insert(id.clone(), account);
        id
    }

    pub fn add_to_group(&self, email: &str, group: &str) {
        let mut st = self.state.lock().unwrap();
        st.groups
            .entry(normalize_email(email))
            .or_default()
            .insert(group.into());
    }

    pub fn groups_of(&self, email: &str) -> BTreeSet<String> {
        let st = self.state.lock().unwrap();
        st.groups
            .get(&normalize_email(email))
            .cloned()
            .unwrap_or_default()
    }

    /// Makes the next calls to `apply` fail with these errors, in order.
    pub fn inject_faults(&self, errors: impl IntoIterator<Item = TargetError>) {
        self.state.lock().unwrap().faults.extend(errors);
    }

    /// Every account, sorted by primary email.
    pub fn accounts(&self) -> Vec<Account> {
        let st = self.state.lock().unwrap();
        let mut v: Vec<Account> = st.accounts.values().cloned().collect();
        v.sort_by(|a, b| a.primary_email.cmp(&b.primary_email));
        v
    }

    pub fn account(&self, email: &str) -> Option<Account> {
        let st = self.state.lock().unwrap();
        find(&st, email).map(|id| st.accounts[&id].clone())
    }

    pub fn org_units(&self) -> BTreeSet<String> {
        self.state.lock().unwrap().org_units.clone()
    }

    /// Successful writes so far, as "label email" strings in the order they happened.
    pub fn writes(&self) -> Vec<String> {
        self.state.lock().unwrap().writes.clone()
    }
}

fn add_ou_chain(ous: &mut BTreeSet<String>, path: &OrgUnitPath) {
    let mut p = Some(path.clone());
    while let Some(cur) = p {
        ous.insert(cur.as_str().to_lowercase());
        p = cur.parent();
    }
}

fn find(st: &State, key: &str) -> Option<String> {
    if st.accounts.contains_key(key) {
        return Some(key.to_string());
    }
    let key = normalize_email(key);
    st.accounts
        .iter()
        .find(|(_, a)| normalize_email(&a.primary_email) == key)
        .map(|(id, _)| id.clone())
}

fn invalid_ou(ous: &BTreeSet<String>, ou: &OrgUnitPath) -> Result<(), TargetError> {
    if ous.contains(&ou.as_str().to_lowercase()) {
        Ok(())
    } else {
        Err(TargetError::new(
            400,
            "invalid",
            "Invalid Input: INVALID_OU_ID",
        ))
    }
}

#[async_trait]
impl DirectoryTarget for InMemoryDirectory {
    async fn list_accounts(&self, under: &[OrgUnitPath]) -> Result<Vec<Account>, TargetError> {
        self.calls.fetch_add(under.len() as u64, Ordering::Relaxed);
        let st = self.state.lock().unwrap();
        Ok(st
            .accounts
            .values()
            .filter(|a| under.iter().any(|r| a.org_unit_path.is_within(r)))
            .cloned()
            .collect())
    }

    async fn get_account(&self, email: &str) -> Result<Option<Account>, TargetError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        Ok(self.account(email))
    }

    async fn get_accounts_by_id(
        &self,
        ids: &[String],
    ) -> Result<std::collections::BTreeMap<String, Account>, TargetError> {
        self.calls.fetch_add(ids.len() as u64, Ordering::Relaxed);
        let st = self.state.lock().unwrap();
        Ok(ids
            .iter()
            .filter_map(|id| st.accounts.get(id).map(|a| (id.clone(), a.clone())))
            .collect())
    }

    async fn apply(&self, change: &Change) -> Result<Applied, TargetError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let mut st = self.state.lock().unwrap();
        if let Some(e) = st.faults.pop_front() {
            return Err(e);
        }
        let key = change
            .account_id
            .clone()
            .unwrap_or_else(|| change.email.clone());
        match &change.kind {
            ChangeKind::Create { account, .. } => {
                invalid_ou(&st.org_units, &account.org_unit_path)?;
                if find(&st, &account.primary_email).is_some() {
                    // Like Google: the engine reads the account and plans what may change.
                    return Err(TargetError::new(409, "duplicate", "Entity already exists."));
                } else {
                    st.next_id += 1;
                    let id = format!("{}", 100_000 + st.next_id);
                    let mut a = account.clone();
                    a.id = Some(id.clone());
                    st.accounts.insert(id, a);
                }
            }
            ChangeKind::Skip { .. } => return Ok(Applied::default()),
            kind => {
                let id = find(&st, &key)
                    .ok_or_else(|| TargetError::not_found(format!("Resource Not Found: {key}")))?;
                if let ChangeKind::Rename { to, .. } = kind
                    && let Some(other) = find(&st, to)
                    && other != id
                {
                    return Err(TargetError::new(409, "duplicate", "Entity already exists."));
                }
                if let ChangeKind::Move { to, .. } = kind {
                    invalid_ou(&st.org_units, to)?;
                }
                if let ChangeKind::RemoveLicence { product_id, sku_id } = kind {
                    let email = normalize_email(&st.accounts[&id].primary_email);
                    let key = (product_id.clone(), sku_id.clone());
                    if let Some(holders) = st.licences.get_mut(&key) {
                        holders.remove(&email);
                    }
                }
                if let ChangeKind::RemoveFromGroups = kind {
                    let email = normalize_email(&st.accounts[&id].primary_email);
                    st.groups.remove(&email);
                }
                let a = st.accounts.get_mut(&id).expect("found above");
                match kind {
                    ChangeKind::Rename { to, .. } => a.primary_email = to.clone(),
                    ChangeKind::Update(patch) => patch.apply_to(a),
                    ChangeKind::Unsuspend => a.suspended = false,
                    ChangeKind::Suspend => a.suspended = true,
                    ChangeKind::Move { to, .. } => a.org_unit_path = to.clone(),
                    _ => {}
                }
            }
        }
        let entry = format!("{} {}", change.kind.label(), change.email);
        st.writes.push(entry);
        Ok(Applied {
            api_calls: 1,
            note: None,
        })
    }

    async fn licence_holders(&self, licence: &Licence) -> Result<Vec<String>, TargetError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let key = (licence.product_id.clone(), licence.sku_id.clone());
        let st = self.state.lock().unwrap();
        Ok(st
            .licences
            .get(&key)
            .map(|h| h.iter().cloned().collect())
            .unwrap_or_default())
    }

    async fn ensure_org_unit(&self, path: &OrgUnitPath) -> Result<(), TargetError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        add_ou_chain(&mut self.state.lock().unwrap().org_units, path);
        Ok(())
    }

    fn api_calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }
}
