//! The directory side: accounts as they exist (observed) or should exist (desired).

use std::borrow::Borrow;
use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use crate::field_map::FieldMap;

/// An organizational unit path such as `/D118 Students/HHS Students/9th`: always starts with
/// `/`, never ends with one (except the root `/`), single spaces kept as written.
///
/// Cheap to clone: the text is shared (`Arc<str>`), so a million accounts in a few hundred
/// OUs hold a few hundred strings when their paths come from one [`OrgUnitPaths`] or are
/// clones of the policy's paths.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OrgUnitPath(Arc<str>);

impl OrgUnitPath {
    /// A path from text: trimmed, without a trailing `/`, with a leading `/` added if missing (empty text is the root).
    pub fn new(path: impl AsRef<str>) -> Self {
        match normalized(path.as_ref()) {
            Ok(p) => OrgUnitPath(p.into()),
            Err(p) => OrgUnitPath(p.into()),
        }
    }

    /// The root OU, `/`.
    pub fn root() -> Self {
        OrgUnitPath("/".into())
    }

    /// The path as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// This path with `child` (one or more segments, with or without a leading `/`) appended.
    pub fn join(&self, child: &str) -> Self {
        let child = child.trim_matches('/');
        if child.is_empty() {
            return self.clone();
        }
        if &*self.0 == "/" {
            OrgUnitPath(format!("/{child}").into())
        } else {
            OrgUnitPath(format!("{}/{child}", self.0).into())
        }
    }

    /// True when `self` is `root` or lies under it (compared case-insensitively, as Google does).
    pub fn is_within(&self, root: &OrgUnitPath) -> bool {
        let (me, r) = (self.as_str(), root.as_str());
        if r == "/" {
            return true;
        }
        if me.is_ascii() && r.is_ascii() {
            // The common case, without allocating: a case-insensitive prefix at a `/`.
            return me.len() >= r.len()
                && me.as_bytes()[..r.len()].eq_ignore_ascii_case(r.as_bytes())
                && (me.len() == r.len() || me.as_bytes()[r.len()] == b'/');
        }
        let (me, r) = (me.to_lowercase(), r.to_lowercase());
        me == r || me.starts_with(&format!("{r}/"))
    }

    /// The parent path; `None` for the root.
    pub fn parent(&self) -> Option<OrgUnitPath> {
        if &*self.0 == "/" {
            return None;
        }
        match self.0.rfind('/') {
            Some(0) => Some(OrgUnitPath::root()),
            Some(i) => Some(OrgUnitPath(self.0[..i].into())),
            None => None,
        }
    }

    /// The last segment (the OU's name); empty for the root.
    pub fn name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or("")
    }
}

/// `path` in the form [`OrgUnitPath`] keeps: borrowed when it already is, built otherwise.
fn normalized(path: &str) -> Result<&str, String> {
    let trimmed = path.trim().trim_end_matches('/');
    if trimmed.is_empty() {
        Ok("/")
    } else if trimmed.starts_with('/') {
        Ok(trimmed)
    } else {
        Err(format!("/{trimmed}"))
    }
}

impl Serialize for OrgUnitPath {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for OrgUnitPath {
    /// As written (like the `String` it wraps), not normalised.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|s| OrgUnitPath(s.into()))
    }
}

/// Hands out one shared [`OrgUnitPath`] per distinct path: a listing of a million accounts
/// in a few hundred OUs then holds a few hundred path strings, not a million.
#[derive(Debug, Default)]
pub struct OrgUnitPaths(HashSet<OrgUnitPath>);

impl OrgUnitPaths {
    /// An empty set of shared paths.
    pub fn new() -> Self {
        Self::default()
    }

    /// The path for `path` (normalised as [`OrgUnitPath::new`] does), shared with every
    /// earlier request for the same text.
    pub fn get(&mut self, path: &str) -> OrgUnitPath {
        let owned;
        let text = match normalized(path) {
            Ok(p) => p,
            Err(p) => {
                owned = p;
                owned.as_str()
            }
        };
        if let Some(p) = self.0.get(text) {
            return p.clone();
        }
        let p = OrgUnitPath(text.into());
        self.0.insert(p.clone());
        p
    }

    /// `path` itself, or the shared copy of it when there is one already.
    pub fn share(&mut self, path: OrgUnitPath) -> OrgUnitPath {
        match self.0.get(path.as_str()) {
            Some(p) => p.clone(),
            None => {
                self.0.insert(path.clone());
                path
            }
        }
    }

    /// Distinct paths handed out.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// No path interned yet?
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Borrow<str> for OrgUnitPath {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrgUnitPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for OrgUnitPath {
    fn from(s: &str) -> Self {
        OrgUnitPath::new(s)
    }
}

/// A single-valued custom schema field value. Google returns INT64 fields as numbers or as
/// numeric strings depending on how they were written, so equality compares the text forms:
/// `Int(5)` equals `Text("5")`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FieldValue {
    /// A boolean field.
    Bool(bool),
    /// An integer field (Google sends and takes these as strings or numbers).
    Int(i64),
    /// A string field.
    Text(String),
}

impl FieldValue {
    /// The value as text, the form used for matching and display.
    pub fn text(&self) -> String {
        match self {
            FieldValue::Bool(b) => b.to_string(),
            FieldValue::Int(i) => i.to_string(),
            FieldValue::Text(s) => s.clone(),
        }
    }
}

impl PartialEq for FieldValue {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (FieldValue::Text(a), FieldValue::Text(b)) => a == b,
            (FieldValue::Int(a), FieldValue::Int(b)) => a == b,
            _ => self.text() == other.text(),
        }
    }
}

impl Eq for FieldValue {}

impl From<i64> for FieldValue {
    fn from(v: i64) -> Self {
        FieldValue::Int(v)
    }
}

impl From<i32> for FieldValue {
    fn from(v: i32) -> Self {
        FieldValue::Int(v.into())
    }
}

impl From<&str> for FieldValue {
    fn from(v: &str) -> Self {
        FieldValue::Text(v.into())
    }
}

impl From<String> for FieldValue {
    fn from(v: String) -> Self {
        FieldValue::Text(v)
    }
}

/// A custom schema or field name (`Synchronization_Data`, `DCID`). Names of up to 24 bytes
/// are stored inline: a million accounts' schema values hold no name strings on the heap.
pub type FieldName = compact_str::CompactString;

/// The fields of one custom schema: field name -> value.
pub type SchemaFields = FieldMap<FieldName, FieldValue>;

/// Custom schema values: schema name -> field name -> value
/// (e.g. `Synchronization_Data` -> `DCID` -> `12345`). Ordered maps on sorted vectors: an
/// account has a few fields, a run a million accounts.
pub type SchemaValues = FieldMap<FieldName, SchemaFields>;

/// Looks up `schema.field` in a set of schema values.
pub fn schema_field<'a>(
    values: &'a SchemaValues,
    schema: &str,
    field: &str,
) -> Option<&'a FieldValue> {
    values.get(schema).and_then(|s| s.get(field))
}

/// An entry of the user's `externalIds` (`type` is e.g. `organization`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ExternalId {
    #[serde(rename = "type")]
    /// Google's type (`organization`, `custom`, ...).
    pub kind: String,
    /// The id itself.
    pub value: String,
}

/// A directory account as the engine sees it: the fields it manages, nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The directory's immutable id (Google's numeric user id), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The primary email, the account's sign-in name.
    pub primary_email: String,
    /// First name.
    pub given_name: String,
    /// Last name.
    pub family_name: String,
    /// The OU the account is in.
    pub org_unit_path: OrgUnitPath,
    /// Whether the account is suspended.
    pub suspended: bool,
    #[serde(default, skip_serializing_if = "SchemaValues::is_empty")]
    /// Custom schema fields, by schema and field name.
    pub custom_schemas: SchemaValues,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    /// External ids (e.g. the SIS number).
    pub external_ids: Vec<ExternalId>,
    /// The account's admin role (`isAdmin`, `isDelegatedAdmin`), when it has one: the sync
    /// never suspends, moves, renames or ungroups an admin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin: Option<AdminRole>,
}

/// An administrator role as the directory reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdminRole {
    /// A super admin (`isAdmin`).
    Super,
    /// An admin with a delegated role (`isDelegatedAdmin`).
    Delegated,
}

impl AdminRole {
    /// The role from Google's two flags; super admin wins when both are set.
    pub fn from_flags(is_admin: bool, is_delegated_admin: bool) -> Option<AdminRole> {
        match (is_admin, is_delegated_admin) {
            (true, _) => Some(AdminRole::Super),
            (false, true) => Some(AdminRole::Delegated),
            (false, false) => None,
        }
    }
}

impl fmt::Display for AdminRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AdminRole::Super => "super admin",
            AdminRole::Delegated => "delegated admin",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_normalise_and_nest() {
        assert_eq!(
            OrgUnitPath::new("D118 Students/").as_str(),
            "/D118 Students"
        );
        assert_eq!(OrgUnitPath::new("").as_str(), "/");
        let p = OrgUnitPath::new("/D118 Students")
            .join("HHS Students")
            .join("/9th");
        assert_eq!(p.as_str(), "/D118 Students/HHS Students/9th");
        assert!(p.is_within(&"/d118 students".into()));
        assert!(!OrgUnitPath::new("/D118 Students2").is_within(&"/D118 Students".into()));
        assert!(!OrgUnitPath::new("/D118").is_within(&"/D118 Students".into()));
        assert!(OrgUnitPath::new("/Élèves/CM1").is_within(&"/élèves".into()));
        assert_eq!(p.parent().unwrap().as_str(), "/D118 Students/HHS Students");
        assert_eq!(OrgUnitPath::new("/A").parent().unwrap().as_str(), "/");
        assert_eq!(p.name(), "9th");
    }

    #[test]
    fn paths_from_one_set_share_their_text() {
        let mut ous = OrgUnitPaths::new();
        let a = ous.get("/D118 Students/9th");
        let b = ous.get(" D118 Students/9th/ ");
        assert_eq!(b.as_str(), "/D118 Students/9th");
        assert!(Arc::ptr_eq(&a.0, &b.0));
        let c = ous.share(OrgUnitPath::new("/D118 Students/9th"));
        assert!(Arc::ptr_eq(&a.0, &c.0));
        assert_eq!(ous.get("/").as_str(), "/");
        assert_eq!(ous.len(), 2);
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(json, r#""/D118 Students/9th""#);
        assert_eq!(serde_json::from_str::<OrgUnitPath>(&json).unwrap(), a);
    }

    #[test]
    fn int_and_numeric_text_are_equal() {
        assert_eq!(FieldValue::Int(2031), FieldValue::Text("2031".into()));
        assert_ne!(FieldValue::Int(2031), FieldValue::Text("2032".into()));
        let v: FieldValue = serde_json::from_str("12").unwrap();
        assert_eq!(v, FieldValue::Int(12));
    }
}
