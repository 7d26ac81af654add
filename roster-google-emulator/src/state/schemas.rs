//! Custom schemas: definitions, rendering, and the check and normalisation of `customSchemas`
//! values in user bodies against them.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{State, etag};
use crate::discovery;
use crate::error::ApiError;

/// A custom schema (`schemas` resource).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SchemaDef {
    /// Opaque id.
    pub schema_id: String,
    /// Name used in `customSchemas` and queries.
    pub schema_name: String,
    /// Display name.
    pub display_name: String,
    /// Fields.
    pub fields: Vec<FieldDef>,
}

/// One field of a custom schema.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FieldDef {
    /// Opaque id.
    pub field_id: String,
    /// Name.
    pub field_name: String,
    /// STRING, INT64, BOOL, DOUBLE, EMAIL, PHONE or DATE.
    pub field_type: String,
    /// Multi-valued fields take `[{"value":..,"type":..}]`.
    pub multi_valued: bool,
    /// Display name.
    pub display_name: String,
    /// Whether queries may use it (default true).
    pub indexed: bool,
    /// ALL_DOMAIN_USERS or ADMINS_AND_SELF.
    pub read_access_type: String,
}

impl State {
    /// Add a custom schema from Google's JSON form
    /// (`{"schemaName":..,"displayName":..,"fields":[{"fieldName":..,"fieldType":..,"multiValued":..}]}`).
    pub fn add_schema(&mut self, body: &Value) -> Result<SchemaDef, ApiError> {
        discovery::validate_body("Schema", body)?;
        let name = body
            .get("schemaName")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ApiError::invalid("Invalid Input: schemaName"))?;
        if self.schemas.contains_key(name) {
            return Err(ApiError::duplicate());
        }
        let mut fields = Vec::new();
        for f in body
            .get("fields")
            .and_then(Value::as_array)
            .ok_or_else(|| ApiError::invalid("Invalid Input: fields"))?
        {
            let field_name = f
                .get("fieldName")
                .and_then(Value::as_str)
                .ok_or_else(|| ApiError::invalid("Invalid Input: fieldName"))?;
            let field_type = f
                .get("fieldType")
                .and_then(Value::as_str)
                .unwrap_or("STRING");
            if !matches!(
                field_type,
                "STRING" | "INT64" | "BOOL" | "DOUBLE" | "EMAIL" | "PHONE" | "DATE"
            ) {
                return Err(ApiError::invalid(format!(
                    "Invalid Input: fieldType {field_type}"
                )));
            }
            let n = self.next_id;
            self.next_id += 1;
            fields.push(FieldDef {
                field_id: format!("fld{n:08x}"),
                field_name: field_name.to_string(),
                field_type: field_type.to_string(),
                multi_valued: f
                    .get("multiValued")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                display_name: f
                    .get("displayName")
                    .and_then(Value::as_str)
                    .unwrap_or(field_name)
                    .to_string(),
                indexed: f.get("indexed").and_then(Value::as_bool).unwrap_or(true),
                read_access_type: f
                    .get("readAccessType")
                    .and_then(Value::as_str)
                    .unwrap_or("ALL_DOMAIN_USERS")
                    .to_string(),
            });
        }
        let n = self.next_id;
        self.next_id += 1;
        let def = SchemaDef {
            schema_id: format!("sch{n:010x}"),
            schema_name: name.to_string(),
            display_name: body
                .get("displayName")
                .and_then(Value::as_str)
                .unwrap_or(name)
                .to_string(),
            fields,
        };
        self.schemas.insert(name.to_string(), def.clone());
        Ok(def)
    }

    /// Find a schema by name or id.
    pub fn find_schema(&self, key: &str) -> Option<&SchemaDef> {
        self.schemas
            .get(key)
            .or_else(|| self.schemas.values().find(|s| s.schema_id == key))
    }

    /// Render a schema as Google does.
    pub fn schema_json(def: &SchemaDef) -> Value {
        let fields: Vec<Value> = def
            .fields
            .iter()
            .map(|f| {
                let mut v = json!({
                    "kind": "admin#directory#schema#fieldspec",
                    "fieldId": f.field_id,
                    "fieldType": f.field_type,
                    "fieldName": f.field_name,
                    "displayName": f.display_name,
                    "multiValued": f.multi_valued,
                    "readAccessType": f.read_access_type,
                });
                if !f.indexed {
                    v["indexed"] = json!(false);
                }
                v["etag"] = json!(etag(&v));
                v
            })
            .collect();
        let mut v = json!({
            "kind": "admin#directory#schema",
            "schemaId": def.schema_id,
            "schemaName": def.schema_name,
            "displayName": def.display_name,
            "fields": fields,
        });
        v["etag"] = json!(etag(&v));
        v
    }

    /// Check `customSchemas` against the registered schemas and normalise values:
    /// INT64 and DOUBLE become JSON numbers (numeric strings are converted), BOOL becomes a JSON
    /// boolean ("true"/"false" accepted), STRING/EMAIL/PHONE/DATE stay strings.
    pub(super) fn normalize_custom_schemas(&self, cs: &mut Value) -> Result<(), ApiError> {
        let obj = cs
            .as_object_mut()
            .ok_or_else(|| ApiError::invalid("Invalid Input: customSchemas"))?;
        for (schema_name, fields) in obj.iter_mut() {
            let def = self.schemas.get(schema_name).ok_or_else(|| {
                ApiError::invalid(format!(
                    "Invalid Input: custom schema '{schema_name}' not found"
                ))
            })?;
            if fields.is_null() {
                continue;
            }
            let fields = fields.as_object_mut().ok_or_else(|| {
                ApiError::invalid(format!("Invalid Input: custom schema '{schema_name}'"))
            })?;
            for (field_name, value) in fields.iter_mut() {
                let fd = def
                    .fields
                    .iter()
                    .find(|f| &f.field_name == field_name)
                    .ok_or_else(|| {
                        ApiError::invalid(format!(
                            "Invalid Input: custom schema field '{schema_name}.{field_name}' not found"
                        ))
                    })?;
                if value.is_null() {
                    continue;
                }
                let bad = || {
                    ApiError::invalid(format!(
                        "Invalid Input: custom schema field '{schema_name}.{field_name}' expects {}{}",
                        fd.field_type,
                        if fd.multi_valued {
                            " values as [{\"value\": ...}]"
                        } else {
                            ""
                        }
                    ))
                };
                if fd.multi_valued {
                    let items = value.as_array_mut().ok_or_else(bad)?;
                    for item in items {
                        let o = item.as_object_mut().ok_or_else(bad)?;
                        if o.keys()
                            .any(|k| !matches!(k.as_str(), "value" | "type" | "customType"))
                        {
                            return Err(bad());
                        }
                        let v = o.get_mut("value").ok_or_else(bad)?;
                        *v = coerce(&fd.field_type, v).ok_or_else(bad)?;
                    }
                } else {
                    *value = coerce(&fd.field_type, value).ok_or_else(bad)?;
                }
            }
        }
        Ok(())
    }
}

/// Coerce a custom schema value to its field type; `None` when it does not fit.
fn coerce(field_type: &str, v: &Value) -> Option<Value> {
    match field_type {
        "INT64" => match v {
            Value::Number(n) => n.as_i64().map(Value::from).or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0)
                    .map(|f| json!(f as i64))
            }),
            Value::String(s) => s.trim().parse::<i64>().ok().map(Value::from),
            _ => None,
        },
        "DOUBLE" => match v {
            Value::Number(_) => Some(v.clone()),
            Value::String(s) => s.trim().parse::<f64>().ok().map(|f| json!(f)),
            _ => None,
        },
        "BOOL" => match v {
            Value::Bool(_) => Some(v.clone()),
            Value::String(s) if s == "true" => Some(json!(true)),
            Value::String(s) if s == "false" => Some(json!(false)),
            _ => None,
        },
        "DATE" => v
            .as_str()
            .filter(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok())
            .map(|s| json!(s)),
        _ => match v {
            Value::String(_) => Some(v.clone()),
            Value::Number(n) => Some(json!(n.to_string())),
            Value::Bool(b) => Some(json!(b.to_string())),
            _ => None,
        },
    }
}
