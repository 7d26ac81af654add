//! Google `User` JSON <-> [`roster_core::Account`].
//!
//! - `name.givenName` / `name.familyName`, `orgUnitPath`, `suspended`, `primaryEmail`, `id`;
//! - `customSchemas`: single-valued fields are plain `"Field": value`; multi-valued fields
//!   (lists) are not managed and are left out of the account; when a value is written it takes
//!   the JSON type the schema declares for the field (`INT64`/`DOUBLE` as numbers, `BOOL` as a
//!   boolean, anything else as a string), or its natural type when the schema is unknown;
//! - `externalIds`: `{type, value}`; a kind that is not one of Google's types travels as
//!   `{type: "custom", customType: kind}` and reads back as the same kind.

use std::collections::HashMap;

use roster_core::plan::AccountPatch;
use roster_core::{
    Account, AdminRole, ExternalId, FieldValue, OrgUnitPath, SchemaFields, SchemaValues,
};
use serde_json::{Map, Number, Value};

use crate::client::{CustomSchemas, Schema, User, UserExternalId, UserName};

/// Google's predefined `externalIds` types.
pub const EXTERNAL_ID_TYPES: &[&str] = &[
    "account",
    "custom",
    "customer",
    "login_id",
    "network",
    "organization",
];

/// Declared field types: schema name -> field name -> `fieldType` (`STRING`, `INT64`, ...).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaTypes(HashMap<String, HashMap<String, String>>);

impl SchemaTypes {
    /// The types declared by these schemas.
    pub fn from_schemas(schemas: &[Schema]) -> Self {
        SchemaTypes(
            schemas
                .iter()
                .map(|s| {
                    let fields = s
                        .fields
                        .iter()
                        .map(|f| (f.field_name.clone(), f.field_type.to_ascii_uppercase()))
                        .collect();
                    (s.schema_name.clone(), fields)
                })
                .collect(),
        )
    }

    /// The declared type of `schema.field`, if known.
    pub fn field_type(&self, schema: &str, field: &str) -> Option<&str> {
        self.0.get(schema)?.get(field).map(String::as_str)
    }

    /// No schema known?
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The JSON to send for one value of `schema.field`.
    pub fn to_json(&self, schema: &str, field: &str, value: &FieldValue) -> Value {
        let natural = || match value {
            FieldValue::Bool(b) => Value::Bool(*b),
            FieldValue::Int(i) => Value::Number((*i).into()),
            FieldValue::Text(s) => Value::String(s.clone()),
        };
        let text = value.text();
        match self.field_type(schema, field) {
            Some("INT64") => text
                .trim()
                .parse::<i64>()
                .map(|i| Value::Number(i.into()))
                .unwrap_or_else(|_| natural()),
            Some("DOUBLE") => text
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(Number::from_f64)
                .map(Value::Number)
                .unwrap_or_else(natural),
            Some("BOOL") => match text.trim().to_ascii_lowercase().as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => natural(),
            },
            Some(_) => Value::String(text),
            None => natural(),
        }
    }
}

fn field_value(v: &Value) -> Option<FieldValue> {
    match v {
        Value::Bool(b) => Some(FieldValue::Bool(*b)),
        Value::String(s) => Some(FieldValue::Text(s.clone())),
        Value::Number(n) => Some(match n.as_i64() {
            Some(i) => FieldValue::Int(i),
            None => FieldValue::Text(n.to_string()),
        }),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

/// The account a user resource describes; `None` without a primary email.
pub fn account_from_user(u: &User) -> Option<Account> {
    let email = u.primary_email.clone()?;
    let name = u.name.clone().unwrap_or_default();
    let mut custom_schemas = SchemaValues::new();
    for (schema, fields) in u.custom_schemas.iter().flatten() {
        let values: SchemaFields = fields
            .iter()
            .filter_map(|(k, v)| field_value(v).map(|fv| (k.as_str().into(), fv)))
            .collect();
        if !values.is_empty() {
            custom_schemas.insert(schema.as_str().into(), values);
        }
    }
    let external_ids = u
        .external_ids
        .iter()
        .flatten()
        .map(external_id_from_google)
        .collect();
    Some(Account {
        id: u.id.clone(),
        primary_email: email,
        given_name: name.given_name.unwrap_or_default(),
        family_name: name.family_name.unwrap_or_default(),
        org_unit_path: OrgUnitPath::new(u.org_unit_path.as_deref().unwrap_or("/")),
        suspended: u.suspended.unwrap_or(false),
        custom_schemas,
        external_ids,
        admin: AdminRole::from_flags(flag(u, "isAdmin"), flag(u, "isDelegatedAdmin")),
    })
}

/// A read-only boolean of the resource (`isAdmin`), false when absent.
fn flag(u: &User, name: &str) -> bool {
    u.extra
        .get(name)
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false)
}

/// Google's external id as roster-core's: a `custom` id's kind is its `customType`.
pub fn external_id_from_google(e: &UserExternalId) -> ExternalId {
    let kind = match (e.kind.as_deref(), e.custom_type.as_deref()) {
        (Some("custom"), Some(ct)) if !ct.is_empty() => ct.to_string(),
        (Some(k), _) => k.to_string(),
        (None, Some(ct)) => ct.to_string(),
        (None, None) => "custom".to_string(),
    };
    ExternalId {
        kind,
        value: e.value.clone(),
    }
}

/// roster-core's external id as Google's: a kind Google does not know becomes `custom` with that `customType`.
pub fn external_id_to_google(e: &ExternalId) -> UserExternalId {
    if EXTERNAL_ID_TYPES.contains(&e.kind.as_str()) {
        UserExternalId {
            value: e.value.clone(),
            kind: Some(e.kind.clone()),
            custom_type: None,
        }
    } else {
        UserExternalId {
            value: e.value.clone(),
            kind: Some("custom".into()),
            custom_type: Some(e.kind.clone()),
        }
    }
}

/// `customSchemas` JSON for these values (only the fields given: Google merges them into the
/// user's existing values on patch/update).
pub fn custom_schemas_json(values: &SchemaValues, types: &SchemaTypes) -> CustomSchemas {
    values
        .iter()
        .map(|(schema, fields)| {
            let obj: Map<String, Value> = fields
                .iter()
                .map(|(f, v)| (f.to_string(), types.to_json(schema, f, v)))
                .collect();
            (schema.to_string(), obj)
        })
        .collect()
}

/// The user resource for an account's managed fields (no password, no id).
pub fn user_from_account(a: &Account, types: &SchemaTypes) -> User {
    User {
        primary_email: Some(a.primary_email.clone()),
        name: Some(UserName {
            given_name: Some(a.given_name.clone()),
            family_name: Some(a.family_name.clone()),
            full_name: None,
        }),
        org_unit_path: Some(a.org_unit_path.as_str().to_string()),
        suspended: Some(a.suspended),
        custom_schemas: (!a.custom_schemas.is_empty())
            .then(|| custom_schemas_json(&a.custom_schemas, types)),
        external_ids: (!a.external_ids.is_empty())
            .then(|| a.external_ids.iter().map(external_id_to_google).collect()),
        ..User::default()
    }
}

/// The patch body for an update: only the fields present in the patch.
pub fn patch_body(p: &AccountPatch, types: &SchemaTypes) -> User {
    let name = (p.given_name.is_some() || p.family_name.is_some()).then(|| UserName {
        given_name: p.given_name.clone(),
        family_name: p.family_name.clone(),
        full_name: None,
    });
    User {
        name,
        custom_schemas: (!p.custom_schemas.is_empty())
            .then(|| custom_schemas_json(&p.custom_schemas, types)),
        external_ids: p
            .external_ids
            .as_ref()
            .map(|ids| ids.iter().map(external_id_to_google).collect()),
        ..User::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::SchemaField;
    use serde_json::json;

    fn types() -> SchemaTypes {
        SchemaTypes::from_schemas(&[Schema {
            schema_name: "Synchronization_Data".into(),
            fields: vec![
                SchemaField {
                    field_name: "DCID".into(),
                    field_type: "INT64".into(),
                    ..Default::default()
                },
                SchemaField {
                    field_name: "Homeroom".into(),
                    field_type: "STRING".into(),
                    ..Default::default()
                },
                SchemaField {
                    field_name: "Active".into(),
                    field_type: "BOOL".into(),
                    ..Default::default()
                },
            ],
            ..Default::default()
        }])
    }

    #[test]
    fn user_json_to_account() {
        let u: User = serde_json::from_value(json!({
            "id": "107", "primaryEmail": "12345@d118.org",
            "name": {"givenName": "Ann", "familyName": "Lee", "fullName": "Ann Lee"},
            "orgUnitPath": "/D118 Students/HHS Students/9th", "suspended": true,
            "customSchemas": {
                "Synchronization_Data": {"DCID": "991", "Grad_Year": 2031, "Flag": true,
                                         "Phones": [{"value": "1", "type": "work"}]},
                "Empty": {"Multi": [{"value": "x"}]}
            },
            "externalIds": [{"value": "12345", "type": "organization"},
                            {"value": "abc", "type": "custom", "customType": "sis"}]
        }))
        .unwrap();
        let a = account_from_user(&u).unwrap();
        assert_eq!(a.id.as_deref(), Some("107"));
        assert_eq!(a.given_name, "Ann");
        assert_eq!(a.family_name, "Lee");
        assert_eq!(a.org_unit_path.as_str(), "/D118 Students/HHS Students/9th");
        assert!(a.suspended);
        let sync = &a.custom_schemas["Synchronization_Data"];
        assert_eq!(sync["DCID"], FieldValue::Int(991));
        assert_eq!(sync["Grad_Year"], FieldValue::Int(2031));
        assert_eq!(sync["Flag"], FieldValue::Bool(true));
        assert!(!sync.contains_key("Phones"));
        assert!(!a.custom_schemas.contains_key("Empty"));
        assert_eq!(
            a.external_ids,
            vec![
                ExternalId {
                    kind: "organization".into(),
                    value: "12345".into()
                },
                ExternalId {
                    kind: "sis".into(),
                    value: "abc".into()
                }
            ]
        );
        assert!(account_from_user(&User::default()).is_none());
    }

    #[test]
    fn account_to_user_json_uses_declared_types() {
        let mut cs = SchemaValues::new();
        cs.entry("Synchronization_Data".into())
            .or_default()
            .extend([
                ("DCID".into(), FieldValue::Text("991".into())),
                ("Homeroom".into(), FieldValue::Int(12)),
                ("Active".into(), FieldValue::Text("true".into())),
                ("Unknown".into(), FieldValue::Int(3)),
            ]);
        let a = Account {
            id: None,
            primary_email: "t@d118.org".into(),
            given_name: "T".into(),
            family_name: "U".into(),
            org_unit_path: OrgUnitPath::new("/Staff"),
            suspended: false,
            custom_schemas: cs,
            external_ids: vec![ExternalId {
                kind: "sis".into(),
                value: "9".into(),
            }],
            admin: None,
        };
        let v = serde_json::to_value(user_from_account(&a, &types())).unwrap();
        assert_eq!(
            v,
            json!({
                "primaryEmail": "t@d118.org",
                "name": {"givenName": "T", "familyName": "U"},
                "orgUnitPath": "/Staff",
                "suspended": false,
                "customSchemas": {"Synchronization_Data": {
                    "DCID": 991, "Homeroom": "12", "Active": true, "Unknown": 3}},
                "externalIds": [{"value": "9", "type": "custom", "customType": "sis"}]
            })
        );
        // ... and it reads back as the same account.
        let back = account_from_user(&serde_json::from_value(v).unwrap()).unwrap();
        assert_eq!(back, a);
    }

    #[test]
    fn a_patch_sends_only_what_changed() {
        let mut p = AccountPatch {
            family_name: Some("Smith".into()),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(patch_body(&p, &SchemaTypes::default())).unwrap(),
            json!({"name": {"familyName": "Smith"}})
        );
        p.family_name = None;
        p.custom_schemas
            .entry("Synchronization_Data".into())
            .or_default()
            .insert("DCID".into(), FieldValue::Int(5));
        assert_eq!(
            serde_json::to_value(patch_body(&p, &types())).unwrap(),
            json!({"customSchemas": {"Synchronization_Data": {"DCID": 5}}})
        );
        p.custom_schemas.clear();
        p.external_ids = Some(vec![]);
        assert_eq!(
            serde_json::to_value(patch_body(&p, &types())).unwrap(),
            json!({"externalIds": []})
        );
    }
}
