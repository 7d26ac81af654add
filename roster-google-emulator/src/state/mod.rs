//! The emulator's directory state (org units, custom schemas, users, groups, credentials) and
//! the Google semantics applied to it: validation of user bodies, merge on update/patch,
//! rendering of users as the API returns them, the query subset, and keyset paging.
//!
//! This module holds [`State`], everything the emulator persists, and the helpers every part
//! shares (ids, etags, timestamps); each kind of record and its rules has its own module.

mod aliases;
mod consistency;
mod credentials;
mod groups;
mod index;
mod licenses;
mod org_units;
mod paging;
mod query;
mod schemas;
mod users;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

pub use credentials::{InstalledClient, ServiceAccount};
pub use groups::{Group, GroupMember};
pub use licenses::Licenses;
pub use org_units::OrgUnit;
pub use paging::{decode_page_token, encode_page_token, fingerprint};
pub use query::{Clause, matches, parse_query};
pub use schemas::{FieldDef, SchemaDef};
pub use users::{Projection, StoredUser, render_user};

/// Everything the emulator persists (`save_state` / `load_state` write and read this as JSON).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    /// The customer id (`my_customer` is an alias of it).
    pub customer_id: String,
    /// The customer's domains: primary emails must be in one of them.
    pub domains: Vec<String>,
    /// Next numeric id to hand out.
    pub next_id: u64,
    /// Org units by lower-cased path (the root `/` is implicit).
    pub org_units: BTreeMap<String, OrgUnit>,
    /// Custom schemas by schema name.
    pub schemas: BTreeMap<String, SchemaDef>,
    /// Users by lower-cased primary email.
    pub users: BTreeMap<String, StoredUser>,
    /// Groups by lower-cased email.
    pub groups: BTreeMap<String, Group>,
    /// Service accounts by client email.
    pub service_accounts: BTreeMap<String, ServiceAccount>,
    /// Installed-app OAuth clients by client id.
    pub installed_clients: BTreeMap<String, InstalledClient>,
    /// Alias addresses (lower-cased) -> the user's id: users.get/update/patch accept them as
    /// `userKey`, and users.insert of one is a 409, as at Google.
    pub aliases: BTreeMap<String, String>,
    /// Enterprise License Manager assignments (product -> SKU -> holders' emails).
    pub licenses: Licenses,
    /// id -> lower-cased primary email (rebuilt on load).
    #[serde(skip)]
    ids: HashMap<String, String>,
    /// Lower-cased OU path -> the keys of the users directly in it (the list index; rebuilt
    /// on load).
    #[serde(skip)]
    by_ou: BTreeMap<String, BTreeSet<String>>,
    /// Recent API writes, for the opt-in eventual consistency (not saved).
    #[serde(skip)]
    recent: consistency::Recent,
}

impl State {
    /// A fresh state for a customer.
    pub fn new(customer_id: &str, domains: &[String]) -> Self {
        let mut s = State {
            customer_id: customer_id.to_string(),
            domains: Vec::new(),
            next_id: 1,
            ..Default::default()
        };
        s.add_domains(domains);
        s
    }

    /// Add domains (lower-cased, deduplicated).
    pub fn add_domains(&mut self, domains: &[String]) {
        for d in domains {
            let d = d.to_ascii_lowercase();
            if !self.domains.contains(&d) {
                self.domains.push(d);
            }
        }
    }

    /// Rebuild derived indexes (call after deserialising).
    pub fn reindex(&mut self) {
        self.ids = self
            .users
            .iter()
            .map(|(k, u)| (u.id.clone(), k.clone()))
            .collect();
        self.rebuild_ou_index();
        if self.next_id == 0 {
            self.next_id = 1;
        }
    }

    fn next_numeric_id(&mut self) -> String {
        let n = self.next_id;
        self.next_id += 1;
        // 21 digits like Google's user ids, stable for a given state.
        format!("1{:020}", 7_310_000_000_000_000_000u64 + n)
    }

    /// Whether `customer` names this customer (`my_customer` or the id).
    pub fn is_customer(&self, customer: &str) -> bool {
        customer == "my_customer" || customer == self.customer_id
    }
}

/// An etag like Google's: a quoted opaque string derived from the content.
pub fn etag(v: &Value) -> String {
    let digest = Sha256::digest(v.to_string().as_bytes());
    format!("\"{}\"", URL_SAFE_NO_PAD.encode(&digest[..18]))
}

/// Current time as Google formats it (`2026-01-02T03:04:05.000Z`).
pub fn now_rfc3339() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

#[cfg(test)]
pub(crate) mod fixture {
    use super::State;
    use serde_json::json;

    /// A customer `C0test` on `x.edu` with `/Students/HS` and a `Sync` schema (`DCID` INT64,
    /// multi-valued `Tags`).
    pub fn state() -> State {
        let mut s = State::new("C0test", &["x.edu".to_string()]);
        s.ensure_ou_path("/Students/HS").unwrap();
        s.add_schema(&json!({"schemaName": "Sync", "fields": [
            {"fieldName": "DCID", "fieldType": "INT64"},
            {"fieldName": "Tags", "fieldType": "STRING", "multiValued": true}]}))
            .unwrap();
        s
    }
}
