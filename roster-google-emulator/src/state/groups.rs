//! Groups and their members: seeding, lookup, and rendering.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{State, etag};

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
