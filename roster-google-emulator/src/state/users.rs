//! Users: lookup by email or id, users.insert and users.update/patch (validation and merge
//! rules), and rendering as the API returns them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{State, etag, index, now_rfc3339};
use crate::discovery;
use crate::error::ApiError;

/// A stored user: system fields plus the writable fields as given (password never stored).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StoredUser {
    /// Stable numeric id.
    pub id: String,
    /// RFC 3339 creation time.
    pub creation_time: String,
    /// Super admin?
    #[serde(default)]
    pub is_admin: bool,
    /// Holds a delegated admin role (`isDelegatedAdmin`)?
    #[serde(default)]
    pub is_delegated_admin: bool,
    /// Bumped on every change; the etag derives from id and version.
    #[serde(default)]
    pub version: u64,
    /// Writable fields (primaryEmail, name, orgUnitPath, suspended, customSchemas, ...).
    pub data: Map<String, Value>,
}

/// What users.list/get should include.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Projection {
    /// No custom schemas.
    Basic,
    /// All custom schemas.
    Full,
    /// Only the named schemas.
    Custom(Vec<String>),
}

impl State {
    /// Look a user up by primary email (case-insensitive) or id; returns its map key.
    pub fn user_key(&self, key: &str) -> Option<String> {
        let lower = key.to_lowercase();
        if self.users.contains_key(&lower) {
            return Some(lower);
        }
        let id = self.aliases.get(&lower).map_or(key, String::as_str);
        self.ids.get(id).cloned()
    }

    /// Removes a user (as an admin deleting it in the console would) and its aliases;
    /// returns it, or `None` when there is no such user.
    pub fn remove_user(&mut self, key: &str) -> Option<StoredUser> {
        let k = self.user_key(key)?;
        let u = self.users.remove(&k)?;
        self.unindex_user(&k, &index::ou_key(&u.data));
        self.ids.remove(&u.id);
        self.aliases.retain(|_, id| *id != u.id);
        Some(u)
    }

    /// A user by key.
    pub fn user(&self, key: &str) -> Option<&StoredUser> {
        self.user_key(key).and_then(|k| self.users.get(&k))
    }

    /// users.insert. `require_password` is false for seeding.
    pub fn insert_user(
        &mut self,
        body: &Value,
        require_password: bool,
    ) -> Result<StoredUser, ApiError> {
        let mut data = self.clean_user_body(body)?;
        let email = data
            .get("primaryEmail")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| ApiError::invalid("Invalid Input: primary_user_email"))?;
        require_names(&data)?;
        let has_password = body
            .get("password")
            .and_then(Value::as_str)
            .is_some_and(|p| !p.is_empty());
        if require_password && !has_password {
            return Err(ApiError::invalid("Invalid Password"));
        }
        let key = email.to_lowercase();
        if self.address_taken(&key) {
            return Err(ApiError::duplicate());
        }
        data.entry("orgUnitPath").or_insert_with(|| json!("/"));
        data.entry("suspended").or_insert(json!(false));
        let user = StoredUser {
            id: self.next_numeric_id(),
            creation_time: now_rfc3339(),
            is_admin: false,
            is_delegated_admin: false,
            version: 1,
            data,
        };
        self.ids.insert(user.id.clone(), key.clone());
        self.index_user(&key, index::ou_key(&user.data));
        self.users.insert(key, user.clone());
        Ok(user)
    }

    /// users.update / users.patch (both with patch semantics: absent fields are kept, nested
    /// objects are merged, arrays replaced, `null` clears).
    pub fn update_user(&mut self, user_key: &str, body: &Value) -> Result<StoredUser, ApiError> {
        let key = self
            .user_key(user_key)
            .ok_or_else(|| ApiError::not_found("userKey"))?;
        let patch = self.clean_user_body(body)?;
        let mut user = self.users.get(&key).cloned().expect("key from index");
        let old_ou = index::ou_key(&user.data);
        merge(&mut user.data, patch);
        user.version += 1;
        // Required fields cannot be cleared.
        require_names(&user.data)?;
        let new_email = user
            .data
            .get("primaryEmail")
            .and_then(Value::as_str)
            .ok_or_else(|| ApiError::invalid("Invalid Input: primary_user_email"))?
            .to_string();
        if user.data.get("orgUnitPath").is_none_or(Value::is_null) {
            user.data.insert("orgUnitPath".into(), json!("/"));
        }
        if user.data.get("suspended").is_none_or(Value::is_null) {
            user.data.insert("suspended".into(), json!(false));
        }
        let new_key = new_email.to_lowercase();
        if new_key != key {
            // An address taken by another user, a group or another user's alias is a 409; the
            // user's own alias may become its primary address again.
            let own_alias = self.aliases.get(&new_key) == Some(&user.id);
            if self.address_taken(&new_key) && !own_alias {
                return Err(ApiError::duplicate());
            }
            self.users.remove(&key);
            // Google keeps the old address as an alias of the renamed user.
            self.aliases.remove(&new_key);
            self.aliases.insert(key.clone(), user.id.clone());
            // Group memberships follow the renamed user.
            let old_email = key.clone();
            for g in self.groups.values_mut() {
                for m in &mut g.members {
                    if m.email.to_lowercase() == old_email {
                        m.email = new_email.clone();
                    }
                }
            }
        }
        self.ids.insert(user.id.clone(), new_key.clone());
        self.unindex_user(&key, &old_ou);
        self.index_user(&new_key, index::ou_key(&user.data));
        self.users.insert(new_key, user.clone());
        Ok(user)
    }

    /// Validate a users.insert/update/patch body and return the writable fields to store.
    fn clean_user_body(&self, body: &Value) -> Result<Map<String, Value>, ApiError> {
        discovery::validate_body("User", body)?;
        let obj = body.as_object().expect("validated object");
        let user_props = discovery::schema("User")
            .and_then(|s| s.get("properties"))
            .and_then(Value::as_object);
        let mut data = Map::new();
        for (k, v) in obj {
            let read_only = user_props
                .and_then(|p| p.get(k))
                .and_then(|p| p.get("readOnly"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            // Output-only fields (and id/etag/kind, which clients echo back) are ignored, as
            // Google ignores them; the password and its hash function are never stored.
            if read_only || matches!(k.as_str(), "id" | "password" | "hashFunction") {
                continue;
            }
            data.insert(k.clone(), v.clone());
        }
        if let Some(p) = obj.get("password").and_then(Value::as_str) {
            let hashed = obj.get("hashFunction").is_some_and(|h| !h.is_null());
            if !hashed && (p.chars().count() < 8 || p.chars().count() > 100) {
                return Err(ApiError::invalid("Invalid Password"));
            }
        }
        if let Some(email) = data.get("primaryEmail") {
            let email = email
                .as_str()
                .ok_or_else(|| ApiError::invalid("Invalid Input: primary_user_email"))?;
            let (local, domain) = email
                .split_once('@')
                .filter(|(l, d)| !l.is_empty() && !d.is_empty() && !d.contains('@'))
                .ok_or_else(|| ApiError::invalid("Invalid Input: primary_user_email"))?;
            if local.contains(char::is_whitespace)
                || !self.domains.iter().any(|d| d.eq_ignore_ascii_case(domain))
            {
                return Err(ApiError::invalid("Invalid Input: primary_user_email"));
            }
        }
        if let Some(name) = data.get_mut("name").and_then(Value::as_object_mut) {
            // fullName is derived from given and family names.
            name.remove("fullName");
            for (field, label) in [("givenName", "GivenName"), ("familyName", "FamilyName")] {
                if let Some(v) = name.get(field)
                    && !v.is_null()
                {
                    let s = v.as_str().unwrap_or_default();
                    let n = s.chars().count();
                    if n == 0 || n > 60 || s.trim().is_empty() {
                        return Err(ApiError::invalid(format!(
                            "Invalid Given/Family Name: {label}"
                        )));
                    }
                }
            }
        }
        if let Some(ou) = data.get("orgUnitPath")
            && !ou.is_null()
        {
            let path = ou.as_str().unwrap_or_default();
            let found = self.find_ou(path).ok_or_else(ApiError::invalid_ou)?;
            data.insert("orgUnitPath".into(), json!(found.path));
        }
        if let Some(ext) = data.get("externalIds")
            && !ext.is_null()
        {
            let items = ext
                .as_array()
                .ok_or_else(|| ApiError::invalid("Invalid Input: externalIds"))?;
            for item in items {
                discovery::validate_body("UserExternalId", item).map_err(|e| {
                    ApiError::invalid(e.message.replace("'userExternalId", "'user.externalIds"))
                })?;
            }
        }
        if let Some(cs) = data.get_mut("customSchemas")
            && !cs.is_null()
        {
            self.normalize_custom_schemas(cs)?;
        }
        Ok(data)
    }
    /// Render a user as the API returns it.
    pub fn user_json(&self, user: &StoredUser, projection: &Projection) -> Value {
        render_user(&self.customer_id, user, projection)
    }
}

/// Given and family names are required: a user without either is `Invalid Given/Family Name`.
fn require_names(data: &Map<String, Value>) -> Result<(), ApiError> {
    for (field, label) in [("givenName", "GivenName"), ("familyName", "FamilyName")] {
        if data
            .get("name")
            .and_then(|n| n.get(field))
            .and_then(Value::as_str)
            .is_none()
        {
            return Err(ApiError::invalid(format!(
                "Invalid Given/Family Name: {label}"
            )));
        }
    }
    Ok(())
}

/// Render a user as the API returns it, for a customer id.
pub fn render_user(customer_id: &str, user: &StoredUser, projection: &Projection) -> Value {
    let mut out = Map::new();
    out.insert("kind".into(), json!("admin#directory#user"));
    out.insert("id".into(), json!(user.id));
    let email = user
        .data
        .get("primaryEmail")
        .cloned()
        .unwrap_or(Value::Null);
    out.insert("primaryEmail".into(), email.clone());
    let mut name = user
        .data
        .get("name")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let given = name.get("givenName").and_then(Value::as_str).unwrap_or("");
    let family = name.get("familyName").and_then(Value::as_str).unwrap_or("");
    let full = format!("{given} {family}").trim().to_string();
    name.insert("fullName".into(), json!(full));
    out.insert("name".into(), Value::Object(name));
    out.insert("isAdmin".into(), json!(user.is_admin));
    out.insert("isDelegatedAdmin".into(), json!(user.is_delegated_admin));
    out.insert("lastLoginTime".into(), json!("1970-01-01T00:00:00.000Z"));
    out.insert("creationTime".into(), json!(user.creation_time));
    out.insert("agreedToTerms".into(), json!(false));
    let suspended = user
        .data
        .get("suspended")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    out.insert("suspended".into(), json!(suspended));
    if suspended {
        out.insert("suspensionReason".into(), json!("ADMIN"));
    }
    out.insert("archived".into(), json!(false));
    out.insert("changePasswordAtNextLogin".into(), json!(false));
    out.insert("ipWhitelisted".into(), json!(false));
    out.insert(
        "emails".into(),
        json!([{"address": email, "primary": true}]),
    );
    out.insert("customerId".into(), json!(customer_id));
    out.insert("isMailboxSetup".into(), json!(true));
    out.insert("isEnrolledIn2Sv".into(), json!(false));
    out.insert("isEnforcedIn2Sv".into(), json!(false));
    out.insert("includeInGlobalAddressList".into(), json!(true));
    for (k, v) in &user.data {
        if matches!(k.as_str(), "name" | "customSchemas") || v.is_null() {
            continue;
        }
        out.insert(k.clone(), v.clone());
    }
    if let Some(cs) = user.data.get("customSchemas").and_then(Value::as_object) {
        let selected: Map<String, Value> = cs
            .iter()
            .filter(|(name, v)| {
                !v.is_null()
                    && match projection {
                        Projection::Basic => false,
                        Projection::Full => true,
                        Projection::Custom(names) => names.iter().any(|n| n == *name),
                    }
            })
            .map(|(k, v)| (k.clone(), strip_nulls(v)))
            .filter(|(_, v)| v.as_object().is_some_and(|o| !o.is_empty()))
            .collect();
        if !selected.is_empty() {
            out.insert("customSchemas".into(), Value::Object(selected));
        }
    }
    // The etag changes whenever the user does (hashing the rendered JSON of every user of a
    // 500-user page was the most expensive part of users.list).
    out.insert("etag".into(), json!(etag(&json!([user.id, user.version]))));
    Value::Object(out)
}

/// Merge `patch` into `target`: objects recursively, everything else replaced, `null` removes
/// the key (at any depth).
pub fn merge(target: &mut Map<String, Value>, patch: Map<String, Value>) {
    for (k, v) in patch {
        match v {
            Value::Null => {
                target.remove(&k);
            }
            Value::Object(p) => match target.get_mut(&k) {
                Some(Value::Object(t)) => merge(t, p),
                _ => {
                    let mut fresh = Map::new();
                    merge(&mut fresh, p);
                    target.insert(k, Value::Object(fresh));
                }
            },
            other => {
                target.insert(k, other);
            }
        }
    }
}

fn strip_nulls(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::fixture::state;

    #[test]
    fn merge_keeps_absent_and_clears_null() {
        let mut t = json!({"a": 1, "name": {"givenName": "A", "familyName": "B"}})
            .as_object()
            .cloned()
            .unwrap();
        merge(
            &mut t,
            json!({"name": {"givenName": "C"}, "a": null})
                .as_object()
                .cloned()
                .unwrap(),
        );
        assert_eq!(
            Value::Object(t),
            json!({"name": {"givenName": "C", "familyName": "B"}})
        );
    }

    #[test]
    fn int64_fields_are_stored_as_numbers() {
        let mut s = state();
        let u = s
            .insert_user(
                &json!({"primaryEmail": "a@x.edu", "name": {"givenName": "A", "familyName": "B"},
                    "password": "12345678", "customSchemas": {"Sync": {"DCID": "42",
                    "Tags": [{"value": 7}]}}}),
                true,
            )
            .unwrap();
        assert_eq!(u.data["customSchemas"]["Sync"]["DCID"], json!(42));
        assert_eq!(
            u.data["customSchemas"]["Sync"]["Tags"][0]["value"],
            json!("7")
        );
        let bad = s.insert_user(
            &json!({"primaryEmail": "b@x.edu", "name": {"givenName": "A", "familyName": "B"},
                "password": "12345678", "customSchemas": {"Sync": {"DCID": "4x2"}}}),
            true,
        );
        assert!(bad.unwrap_err().message.contains("expects INT64"));
    }
}
