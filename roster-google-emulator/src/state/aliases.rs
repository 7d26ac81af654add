//! Alias addresses of users: the old address a rename leaves behind (as Google keeps it),
//! users.aliases.list/insert/delete, and the checks that keep an address unique across
//! users, groups and aliases.

use serde_json::{Value, json};

use super::{State, etag};
use crate::error::ApiError;

impl State {
    /// Whether `address` (any case) is taken by a user, a group or an alias.
    pub fn address_taken(&self, address: &str) -> bool {
        let key = address.to_lowercase();
        self.users.contains_key(&key)
            || self.groups.contains_key(&key)
            || self.aliases.contains_key(&key)
    }

    /// The map key (lower-cased primary email) of the user that `alias` belongs to.
    pub fn alias_owner(&self, alias: &str) -> Option<String> {
        let id = self.aliases.get(&alias.to_lowercase())?;
        self.ids.get(id).cloned()
    }

    /// The alias addresses of the user with this id, sorted.
    pub fn aliases_of(&self, user_id: &str) -> Vec<String> {
        self.aliases
            .iter()
            .filter(|(_, id)| *id == user_id)
            .map(|(a, _)| a.clone())
            .collect()
    }

    /// users.aliases.insert: `alias` must be in one of the customer's domains and free.
    pub fn insert_alias(&mut self, user_key: &str, alias: &str) -> Result<Value, ApiError> {
        let user = self
            .user(user_key)
            .ok_or_else(|| ApiError::not_found("userKey"))?;
        let (id, primary) = (user.id.clone(), primary_email(&user.data));
        let domain_ok = alias.split_once('@').is_some_and(|(l, d)| {
            !l.is_empty() && self.domains.iter().any(|x| x == &d.to_lowercase())
        });
        if !domain_ok {
            return Err(ApiError::invalid("Invalid Input: alias"));
        }
        if self.address_taken(alias) {
            return Err(ApiError::duplicate());
        }
        self.aliases.insert(alias.to_lowercase(), id.clone());
        Ok(alias_json(&id, &primary, &alias.to_lowercase()))
    }

    /// users.aliases.delete: 404 `notFound` "Resource Not Found: alias" when the user has no
    /// such alias.
    pub fn delete_alias(&mut self, user_key: &str, alias: &str) -> Result<(), ApiError> {
        let id = self
            .user(user_key)
            .map(|u| u.id.clone())
            .ok_or_else(|| ApiError::not_found("userKey"))?;
        let key = alias.to_lowercase();
        if self.aliases.get(&key) != Some(&id) {
            return Err(ApiError::not_found("alias"));
        }
        self.aliases.remove(&key);
        Ok(())
    }

    /// users.aliases.list, as Google renders it.
    pub fn aliases_json(&self, user_key: &str) -> Result<Value, ApiError> {
        let user = self
            .user(user_key)
            .ok_or_else(|| ApiError::not_found("userKey"))?;
        let primary = primary_email(&user.data);
        let items: Vec<Value> = self
            .aliases_of(&user.id)
            .iter()
            .map(|a| alias_json(&user.id, &primary, a))
            .collect();
        let mut v = json!({"kind": "admin#directory#aliases"});
        if !items.is_empty() {
            v["aliases"] = Value::Array(items);
        }
        v["etag"] = json!(etag(&v));
        Ok(v)
    }
}

fn primary_email(data: &serde_json::Map<String, Value>) -> String {
    data.get("primaryEmail")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn alias_json(id: &str, primary: &str, alias: &str) -> Value {
    let mut v = json!({"kind": "admin#directory#alias", "id": id,
        "primaryEmail": primary, "alias": alias});
    v["etag"] = json!(etag(&v));
    v
}
