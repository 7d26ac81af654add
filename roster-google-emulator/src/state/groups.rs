//! Groups and their members: seeding, lookup, and rendering.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{State, etag};
use crate::discovery;
use crate::error::ApiError;

/// A group with its members.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Group {
    /// Opaque id.
    pub id: String,
    /// Email.
    pub email: String,
    /// Name.
    pub name: String,
    /// Members in insertion order.
    pub members: Vec<GroupMember>,
}

/// A member of a group.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GroupMember {
    /// Id (the user's id when the member is a known user).
    pub id: String,
    /// Email.
    pub email: String,
    /// OWNER, MANAGER or MEMBER.
    pub role: String,
}

impl State {
    /// Add (or replace) a group with members (seeding).
    pub fn add_group(&mut self, email: &str, name: &str, members: &[&str]) -> Group {
        let n = self.next_id;
        self.next_id += 1;
        let members = members
            .iter()
            .map(|m| {
                let id = self
                    .user(m)
                    .map(|u| u.id.clone())
                    .unwrap_or_else(|| format!("mem{:016x}", fnv(m)));
                GroupMember {
                    id,
                    email: m.to_string(),
                    role: "MEMBER".into(),
                }
            })
            .collect();
        let g = Group {
            id: format!("grp{n:012x}"),
            email: email.to_string(),
            name: name.to_string(),
            members,
        };
        self.groups.insert(email.to_lowercase(), g.clone());
        g
    }

    /// groups.insert: `email` must be in one of the customer's domains and not taken by a
    /// user, group or alias (409 `duplicate`).
    pub fn insert_group(&mut self, body: &Value) -> Result<Group, ApiError> {
        discovery::validate_body("Group", body)?;
        let email = body
            .get("email")
            .and_then(Value::as_str)
            .filter(|e| !e.trim().is_empty())
            .ok_or_else(|| ApiError::new(400, "required", "Missing required field: email"))?;
        let in_domain = email.split_once('@').is_some_and(|(l, d)| {
            !l.is_empty() && self.domains.iter().any(|x| x.eq_ignore_ascii_case(d))
        });
        if !in_domain {
            return Err(ApiError::invalid("Invalid Input: email"));
        }
        if self.address_taken(email) {
            return Err(ApiError::duplicate());
        }
        let name = body
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_else(|| email.split('@').next().unwrap_or(email))
            .to_string();
        Ok(self.add_group(email, &name, &[]))
    }

    /// members.insert: 404 for an unknown group, 409 `duplicate` "Member already exists." for
    /// an address already in it, 400 `invalid` for a role other than OWNER, MANAGER or MEMBER.
    pub fn insert_member(&mut self, group_key: &str, body: &Value) -> Result<Value, ApiError> {
        discovery::validate_body("Member", body)?;
        let gk = self
            .group_key(group_key)
            .ok_or_else(|| ApiError::not_found("groupKey"))?;
        let email = body
            .get("email")
            .and_then(Value::as_str)
            .filter(|e| e.contains('@'))
            .ok_or_else(|| ApiError::invalid("Invalid Input: memberKey"))?;
        let role = body
            .get("role")
            .and_then(Value::as_str)
            .unwrap_or("MEMBER")
            .to_uppercase();
        if !matches!(role.as_str(), "OWNER" | "MANAGER" | "MEMBER") {
            return Err(ApiError::invalid("Invalid Input: role"));
        }
        // A user named by an alias joins under its primary address.
        let (id, email) = match self.user(email) {
            Some(u) => (
                u.id.clone(),
                u.data
                    .get("primaryEmail")
                    .and_then(Value::as_str)
                    .unwrap_or(email)
                    .to_string(),
            ),
            None => (format!("mem{:016x}", fnv(email)), email.to_string()),
        };
        let group = self.groups.get_mut(&gk).expect("key from lookup");
        if group
            .members
            .iter()
            .any(|m| m.email.eq_ignore_ascii_case(&email))
        {
            return Err(ApiError::new(409, "duplicate", "Member already exists."));
        }
        let member = GroupMember { id, email, role };
        group.members.push(member.clone());
        Ok(self.member_json(&member))
    }

    /// A group by email (case-insensitive) or id; returns its map key.
    pub fn group_key(&self, key: &str) -> Option<String> {
        let lower = key.to_lowercase();
        if self.groups.contains_key(&lower) {
            return Some(lower);
        }
        self.groups
            .iter()
            .find(|(_, g)| g.id == key)
            .map(|(k, _)| k.clone())
    }

    /// Render a group as Google does.
    pub fn group_json(g: &Group) -> Value {
        let mut v = json!({
            "kind": "admin#directory#group",
            "id": g.id,
            "email": g.email,
            "name": g.name,
            "directMembersCount": g.members.len().to_string(),
            "description": "",
            "adminCreated": true,
        });
        v["etag"] = json!(etag(&v));
        v
    }

    /// Render a member as Google does.
    pub fn member_json(&self, m: &GroupMember) -> Value {
        let mut v = json!({
            "kind": "admin#directory#member",
            "id": m.id,
            "email": m.email,
            "role": m.role,
            "type": if self.user(&m.email).is_some() || !self.groups.contains_key(&m.email.to_lowercase()) { "USER" } else { "GROUP" },
            "status": "ACTIVE",
        });
        v["etag"] = json!(etag(&v));
        v
    }
}

fn fnv(s: &str) -> u64 {
    s.to_lowercase()
        .bytes()
        .fold(0xcbf29ce484222325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
        })
}
