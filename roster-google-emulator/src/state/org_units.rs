//! Org units: lookup by path or id, orgunits.insert, seeding whole paths, and rendering.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{State, etag};
use crate::error::ApiError;

/// An organisational unit.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OrgUnit {
    /// `id:...`.
    pub org_unit_id: String,
    /// Last path component.
    pub name: String,
    /// Full path, e.g. `/Students/HS`.
    pub path: String,
    /// Parent path (`/` for top-level units).
    pub parent_path: String,
    /// Description.
    #[serde(default)]
    pub description: String,
}

const ROOT_OU_ID: &str = "id:03ph8a2z0emroot";

impl State {
    /// Normalise an org unit path: leading `/`, no trailing `/`, `/` for the root.
    pub fn normalize_path(path: &str) -> String {
        let trimmed = path.trim().trim_matches('/');
        format!("/{trimmed}")
    }

    /// Whether the org unit exists (the root always does).
    pub fn ou_exists(&self, path: &str) -> bool {
        let p = Self::normalize_path(path);
        p == "/" || self.org_units.contains_key(&p.to_lowercase())
    }

    /// Find an org unit by path or `id:...`.
    pub fn find_ou(&self, key: &str) -> Option<OrgUnit> {
        if key.starts_with("id:") {
            if key == ROOT_OU_ID {
                return Some(self.root_ou());
            }
            return self
                .org_units
                .values()
                .find(|o| o.org_unit_id == key)
                .cloned();
        }
        let p = Self::normalize_path(key);
        if p == "/" {
            return Some(self.root_ou());
        }
        self.org_units.get(&p.to_lowercase()).cloned()
    }

    fn root_ou(&self) -> OrgUnit {
        OrgUnit {
            org_unit_id: ROOT_OU_ID.into(),
            name: "root".into(),
            path: "/".into(),
            parent_path: String::new(),
            description: String::new(),
        }
    }

    /// Create an org unit under an existing parent (orgunits.insert semantics).
    pub fn insert_ou(
        &mut self,
        name: &str,
        parent: &str,
        description: &str,
    ) -> Result<OrgUnit, ApiError> {
        let name = name.trim();
        if name.is_empty() || name.contains('/') {
            return Err(ApiError::invalid("Invalid Ou Name"));
        }
        let parent = self
            .find_ou(parent)
            .ok_or_else(|| ApiError::invalid("Invalid Parent Orgunit Id"))?;
        let path = if parent.path == "/" {
            format!("/{name}")
        } else {
            format!("{}/{name}", parent.path)
        };
        let key = path.to_lowercase();
        if self.org_units.contains_key(&key) {
            // Google answers an existing org unit with 400 "Invalid Ou Id", not 409.
            return Err(ApiError::duplicate_ou());
        }
        let n = self.next_id;
        self.next_id += 1;
        let ou = OrgUnit {
            org_unit_id: format!("id:03ph8a2z{n:06x}"),
            name: name.to_string(),
            path,
            parent_path: parent.path,
            description: description.to_string(),
        };
        self.org_units.insert(key, ou.clone());
        Ok(ou)
    }

    /// Create an org unit and any missing ancestors (seeding convenience).
    pub fn ensure_ou_path(&mut self, path: &str) -> Result<OrgUnit, ApiError> {
        let norm = Self::normalize_path(path);
        let mut current = String::from("/");
        let mut last = self.root_ou();
        for part in norm.split('/').filter(|p| !p.is_empty()) {
            let next = if current == "/" {
                format!("/{part}")
            } else {
                format!("{current}/{part}")
            };
            last = match self.find_ou(&next) {
                Some(o) => o,
                None => self.insert_ou(part, &current, "")?,
            };
            current = last.path.clone();
        }
        Ok(last)
    }

    /// Render an org unit as Google does.
    pub fn ou_json(&self, ou: &OrgUnit) -> Value {
        let mut v = json!({
            "kind": "admin#directory#orgUnit",
            "name": ou.name,
            "orgUnitPath": ou.path,
            "orgUnitId": ou.org_unit_id,
        });
        if !ou.description.is_empty() {
            v["description"] = json!(ou.description);
        }
        if !ou.parent_path.is_empty() {
            let parent_id = self
                .find_ou(&ou.parent_path)
                .map(|p| p.org_unit_id)
                .unwrap_or_default();
            v["parentOrgUnitPath"] = json!(ou.parent_path);
            v["parentOrgUnitId"] = json!(parent_id);
        }
        v["etag"] = json!(etag(&v));
        v
    }
}
