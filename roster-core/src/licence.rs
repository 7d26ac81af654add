//! Licences the sync takes away (Google's Enterprise License Manager). D118's student script
//! removes Education Plus (product 101031, SKU 1010310008) from this year's graduates during
//! the summer they stay active (d118-studentsync.py:136-154).
//!
//! The rule decides who loses a licence ([`crate::policy::students::StudentPolicy::licence_losses`]);
//! [`add_removals`] turns that, and the list of who holds the licence, into plan changes, so a
//! graduate without the licence costs no write and a second run plans nothing.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::directory::Account;
use crate::model::Person;
use crate::plan::{Change, ChangeKind, Plan};
use crate::policy::{Policy, email_key};

/// A licence: Google's product id and SKU id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Licence {
    /// The product, e.g. `101031` (Google Workspace for Education).
    pub product_id: String,
    /// The SKU within the product, e.g. `1010310008` (Education Plus).
    pub sku_id: String,
}

impl Licence {
    /// A licence from its product and SKU ids.
    pub fn new(product_id: impl Into<String>, sku_id: impl Into<String>) -> Self {
        Licence {
            product_id: product_id.into(),
            sku_id: sku_id.into(),
        }
    }
}

impl std::fmt::Display for Licence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.product_id, self.sku_id)
    }
}

/// Someone the rule says must not hold a licence: the person and their account's email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenceLoss {
    /// The SIS person.
    pub person: Person,
    /// The primary email of their account.
    pub email: String,
}

/// Adds a `remove_licence` change for each loss whose account holds `licence` (`holders`, the
/// emails the licensing API lists) and is under the policy's managed roots (an account outside
/// them is never touched, as for every other change), then restores execution order.
/// Returns how many were added.
pub fn add_removals(
    plan: &mut Plan,
    licence: &Licence,
    losses: &[LicenceLoss],
    holders: &[String],
    observed: &[Account],
    policy: &Policy,
) -> usize {
    let holders: HashSet<_> = holders.iter().map(|h| email_key(h)).collect();
    let managed: HashMap<_, _> = observed
        .iter()
        .filter(|a| policy.manages(&a.org_unit_path))
        .map(|a| (email_key(&a.primary_email), a.id.clone()))
        .collect();
    let mut added = 0;
    for loss in losses {
        let key = email_key(&loss.email);
        if !holders.contains(&key) {
            continue;
        }
        let Some(id) = managed.get(&key) else {
            continue;
        };
        plan.changes.push(Change {
            person: loss.person.clone(),
            email: loss.email.clone(),
            account_id: id.clone(),
            kind: ChangeKind::RemoveLicence {
                product_id: licence.product_id.clone(),
                sku_id: licence.sku_id.clone(),
            },
        });
        added += 1;
    }
    plan.sort();
    added
}
