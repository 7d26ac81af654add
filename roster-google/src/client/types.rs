//! The Directory API's resources as the client reads and writes them. Field names follow the
//! discovery document (`reference/admin-directory-v1.json`); every field is optional so the
//! same type serves full resources, `fields`-trimmed responses and patch bodies (absent fields
//! are not sent).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A password as sent on `users.insert`. It serialises (it has to reach Google) but never
/// prints: `Debug` shows `***`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Password(pub String);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Custom schema values as Google sends them: schema name -> field name -> JSON value (a plain
/// value for single-valued fields, a list of `{value, type}` for multi-valued ones).
pub type CustomSchemas = BTreeMap<String, Map<String, Value>>;

/// `User` (the fields this project reads or writes; others are kept in `extra`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Google's immutable id.
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The primary email.
    pub primary_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The name.
    pub name: Option<UserName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The OU's path.
    pub org_unit_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Suspended?
    pub suspended: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The password (written only; Google never returns it).
    pub password: Option<Password>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Must the user set a new password at the next sign-in?
    pub change_password_at_next_login: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Custom schema values, by schema and field.
    pub custom_schemas: Option<CustomSchemas>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// External ids.
    pub external_ids: Option<Vec<UserExternalId>>,
    /// Every other field of the resource, as returned (never set by this crate's writes).
    #[serde(flatten, default, skip_serializing_if = "Map::is_empty")]
    pub extra: Map<String, Value>,
}

/// `UserName`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserName {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// First name.
    pub given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Last name.
    pub family_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Full name (read-only, Google builds it).
    pub full_name: Option<String>,
}

/// One `externalIds` entry: `type` is one of `account`, `custom`, `customer`, `login_id`,
/// `network`, `organization`; `customType` names a `custom` one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserExternalId {
    /// The id.
    pub value: String,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    /// Its `type`.
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Its `customType`, for a `custom` one.
    pub custom_type: Option<String>,
}

/// One page of `users.list`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserPage {
    #[serde(default)]
    /// The users on this page.
    pub users: Vec<User>,
    #[serde(default)]
    /// The token of the next page; `None` on the last.
    pub next_page_token: Option<String>,
}

/// `OrgUnit`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrgUnit {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The OU's name (the last part of its path).
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Description.
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Full path.
    pub org_unit_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Google's id.
    pub org_unit_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The parent's path.
    pub parent_org_unit_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The parent's id.
    pub parent_org_unit_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Whether settings are not inherited from the parent.
    pub block_inheritance: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OrgUnitList {
    #[serde(default)]
    pub organization_units: Vec<OrgUnit>,
}

/// `Schema` (a custom schema definition).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Schema {
    #[serde(default)]
    /// Google's id.
    pub schema_id: Option<String>,
    /// The schema's name, as used in `customSchemas`.
    pub schema_name: String,
    #[serde(default)]
    /// Display name.
    pub display_name: Option<String>,
    #[serde(default)]
    /// The fields.
    pub fields: Vec<SchemaField>,
}

/// `SchemaFieldSpec`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SchemaField {
    /// The field's name.
    pub field_name: String,
    /// `STRING`, `INT64`, `BOOL`, `DOUBLE`, `EMAIL`, `PHONE`, `DATE`.
    pub field_type: String,
    #[serde(default)]
    /// Can it hold several values?
    pub multi_valued: Option<bool>,
    #[serde(default)]
    /// Google's id.
    pub field_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct SchemaList {
    #[serde(default)]
    pub schemas: Vec<Schema>,
}

/// `Group` (the fields needed to remove a member).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    #[serde(default)]
    /// Google's id.
    pub id: Option<String>,
    #[serde(default)]
    /// The group's email.
    pub email: Option<String>,
    #[serde(default)]
    /// The group's name.
    pub name: Option<String>,
}

impl Group {
    /// The key to address the group by: its id, else its email.
    pub fn key(&self) -> Option<&str> {
        self.id.as_deref().or(self.email.as_deref())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GroupPage {
    #[serde(default)]
    pub groups: Vec<Group>,
    #[serde(default)]
    pub next_page_token: Option<String>,
}

/// How much of a user `users.list`/`users.get` return.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Projection {
    /// The basic fields, no custom schemas.
    Basic,
    /// Every field, custom schemas included.
    #[default]
    Full,
    /// Basic fields plus the custom schemas named in the mask (comma-separated schema names).
    Custom(String),
}

impl Projection {
    /// Query parameters for this projection.
    pub(crate) fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            Projection::Basic => vec![("projection", "basic".into())],
            Projection::Full => vec![("projection", "full".into())],
            Projection::Custom(mask) => vec![
                ("projection", "custom".into()),
                ("customFieldMask", mask.clone()),
            ],
        }
    }
}

/// Parameters of `users.list`.
#[derive(Debug, Clone)]
pub struct ListUsers {
    /// A search query, e.g. `orgUnitPath='/D118 Students'` (see [`ou_query`]).
    pub query: Option<String>,
    /// How much of each user to return.
    pub projection: Projection,
    /// 1..=500; Google's maximum (500) by default.
    pub max_results: u32,
    /// A partial-response selector (`fields`), e.g. [`USER_LIST_FIELDS`].
    pub fields: Option<String>,
    /// Lists one domain instead of the whole customer (`customer=my_customer`).
    pub domain: Option<String>,
    /// Sort field (`email`, `givenName`, `familyName`).
    pub order_by: Option<String>,
    /// Sort descending (`sortOrder=DESCENDING`) instead of ascending.
    pub descending: bool,
}

impl Default for ListUsers {
    fn default() -> Self {
        ListUsers {
            query: None,
            projection: Projection::Full,
            max_results: 500,
            fields: Some(USER_LIST_FIELDS.into()),
            domain: None,
            order_by: None,
            descending: false,
        }
    }
}

/// The fields of a user this project manages, as a `fields` selector for `users.get`.
pub const USER_FIELDS: &str = "id,primaryEmail,name(givenName,familyName),orgUnitPath,suspended,customSchemas,externalIds,isAdmin,isDelegatedAdmin";

/// The same selector for `users.list` pages.
pub const USER_LIST_FIELDS: &str = "nextPageToken,users(id,primaryEmail,name(givenName,familyName),orgUnitPath,suspended,customSchemas,externalIds,isAdmin,isDelegatedAdmin)";

/// The `users.list` query for every user in an OU and its sub-OUs: `orgUnitPath='/A B'`
/// (a `'` or `\` in the path is backslash-escaped).
pub fn ou_query(path: &str) -> String {
    let escaped = path.replace('\\', "\\\\").replace('\'', "\\'");
    format!("orgUnitPath='{escaped}'")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_round_trips_and_keeps_unknown_fields() {
        let json = serde_json::json!({
            "kind": "admin#directory#user",
            "id": "1001",
            "primaryEmail": "a@x.org",
            "name": {"givenName": "Ann", "familyName": "Lee", "fullName": "Ann Lee"},
            "orgUnitPath": "/Students",
            "suspended": false,
            "isAdmin": false,
            "customSchemas": {"S": {"F": "v", "N": 5}},
            "externalIds": [{"value": "7", "type": "organization"}]
        });
        let u: User = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(u.primary_email.as_deref(), Some("a@x.org"));
        assert_eq!(u.extra.get("isAdmin"), Some(&Value::Bool(false)));
        assert_eq!(serde_json::to_value(&u).unwrap(), json);
    }

    #[test]
    fn a_patch_body_carries_only_what_is_set_and_hides_the_password() {
        let u = User {
            suspended: Some(true),
            password: Some(Password("s3cret-pass".into())),
            ..User::default()
        };
        assert_eq!(
            serde_json::to_value(&u).unwrap(),
            serde_json::json!({"suspended": true, "password": "s3cret-pass"})
        );
        assert!(!format!("{u:?}").contains("s3cret"));
    }

    #[test]
    fn ou_queries_quote_the_path() {
        assert_eq!(ou_query("/D118 Students"), "orgUnitPath='/D118 Students'");
        assert_eq!(ou_query("/O'Brien"), r"orgUnitPath='/O\'Brien'");
    }

    #[test]
    fn projections() {
        assert_eq!(
            Projection::Full.params(),
            vec![("projection", "full".to_string())]
        );
        assert_eq!(
            Projection::Custom("A,B".into()).params(),
            vec![
                ("projection", "custom".to_string()),
                ("customFieldMask", "A,B".to_string())
            ]
        );
    }
}
