//! The embedded discovery document (Google's `admin-directory-v1.json`) and the validation the
//! emulator derives from it: request bodies against the `schemas`, query parameters against each
//! method's `parameters` (plus the global ones), and the OAuth scopes each method accepts.

use std::sync::OnceLock;

use serde_json::{Map, Value};

use super::error::ApiError;

static DOCUMENT: OnceLock<Value> = OnceLock::new();

/// The whole discovery document, parsed once.
pub fn document() -> &'static Value {
    DOCUMENT.get_or_init(|| {
        serde_json::from_str(include_str!("admin-directory-v1.json"))
            .expect("the embedded discovery document is valid JSON")
    })
}

/// A schema of the discovery document by id (`User`, `OrgUnit`, ...).
pub fn schema(id: &str) -> Option<&'static Value> {
    document().get("schemas")?.get(id)
}

/// A method of the discovery document, e.g. `("users", "list")`; nested resources are
/// dotted (`("users.aliases", "list")`).
pub fn method(resource: &str, method: &str) -> Option<&'static Value> {
    let mut node = document();
    for part in resource.split('.') {
        node = node.get("resources")?.get(part)?;
    }
    node.get("methods")?.get(method)
}

/// The OAuth scopes that authorise a method (any one of them suffices).
pub fn method_scopes(resource: &str, name: &str) -> Vec<&'static str> {
    method(resource, name)
        .and_then(|m| m.get("scopes"))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// Check a request body against the discovery schema `schema_id`: every property must be defined
/// by the schema (or allowed by its `additionalProperties`), and scalar types must match
/// (`string`, `boolean`, `integer`/`number`; `int64`-formatted strings may be numbers, as in
/// Google's JSON mapping). `null` is accepted anywhere (it clears a field in update/patch).
/// Properties of type `any` are not checked here.
pub fn validate_body(schema_id: &str, value: &Value) -> Result<(), ApiError> {
    let resource = lower_first(schema_id);
    let spec = schema(schema_id)
        .ok_or_else(|| ApiError::invalid(format!("unknown schema {schema_id}")))?;
    if !value.is_object() {
        return Err(ApiError::invalid(format!(
            "Invalid JSON payload received. Expected an object at '{resource}'."
        )));
    }
    validate_node(spec, value, &resource)
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn validate_node(spec: &Value, value: &Value, at: &str) -> Result<(), ApiError> {
    if value.is_null() {
        return Ok(());
    }
    if let Some(r) = spec.get("$ref").and_then(Value::as_str) {
        let s = schema(r).ok_or_else(|| ApiError::invalid(format!("unknown schema {r}")))?;
        return validate_node(s, value, at);
    }
    let wrong = |expected: &str| {
        Err(ApiError::invalid(format!(
            "Invalid value at '{at}' ({expected}), {value}"
        )))
    };
    match spec.get("type").and_then(Value::as_str) {
        None | Some("any") => Ok(()),
        Some("object") => {
            let Some(obj) = value.as_object() else {
                return wrong("TYPE_MESSAGE");
            };
            let props = spec.get("properties").and_then(Value::as_object);
            let additional = spec.get("additionalProperties");
            for (k, v) in obj {
                let child = format!("{at}.{k}");
                if let Some(p) = props.and_then(|p| p.get(k)) {
                    validate_node(p, v, &child)?;
                } else if let Some(a) = additional {
                    validate_node(a, v, &child)?;
                } else {
                    return Err(unknown_field(k, at));
                }
            }
            Ok(())
        }
        Some("array") => {
            let Some(items) = value.as_array() else {
                return wrong("TYPE_LIST");
            };
            if let Some(item_spec) = spec.get("items") {
                for (i, v) in items.iter().enumerate() {
                    validate_node(item_spec, v, &format!("{at}[{i}]"))?;
                }
            }
            Ok(())
        }
        Some("string") => {
            let int64 = matches!(
                spec.get("format").and_then(Value::as_str),
                Some("int64" | "uint64")
            );
            if value.is_string() || (int64 && value.is_i64()) {
                Ok(())
            } else {
                wrong("TYPE_STRING")
            }
        }
        Some("boolean") => {
            if value.is_boolean() {
                Ok(())
            } else {
                wrong("TYPE_BOOL")
            }
        }
        Some("integer") | Some("number") => {
            if value.is_number() || value.as_str().is_some_and(|s| s.parse::<f64>().is_ok()) {
                Ok(())
            } else {
                wrong("TYPE_NUMBER")
            }
        }
        Some(_) => Ok(()),
    }
}

/// Google's message for a body property its schema does not define.
pub fn unknown_field(name: &str, at: &str) -> ApiError {
    ApiError::invalid(format!(
        "Invalid JSON payload received. Unknown name \"{name}\" at '{at}': Cannot find field."
    ))
}

/// Check query parameters against the method's `parameters` (those with `location: query`) and
/// the document's global parameters: unknown names, enum values and integer ranges are rejected
/// as Google does. Returns the parameters as a map (last value wins).
pub fn validate_params(
    resource: &str,
    name: &str,
    params: &[(String, String)],
) -> Result<Map<String, Value>, ApiError> {
    let method_params = method(resource, name)
        .and_then(|m| m.get("parameters"))
        .and_then(Value::as_object);
    let global = document().get("parameters").and_then(Value::as_object);
    let mut out = Map::new();
    for (k, v) in params {
        let spec = method_params
            .and_then(|p| p.get(k))
            .filter(|s| s.get("location").and_then(Value::as_str) == Some("query"))
            .or_else(|| global.and_then(|g| g.get(k)));
        let Some(spec) = spec else {
            return Err(ApiError::invalid(format!(
                "Invalid JSON payload received. Unknown name \"{k}\": Cannot bind query parameter. \
                 Field '{k}' could not be found in request message."
            )));
        };
        if let Some(values) = spec.get("enum").and_then(Value::as_array)
            && !values.iter().any(|e| e.as_str() == Some(v))
        {
            let allowed: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
            return Err(ApiError::invalid_parameter(format!(
                "Invalid value '{v}' for {k}. Values must be one of: {}",
                allowed.join(", ")
            )));
        }
        match spec.get("type").and_then(Value::as_str) {
            Some("integer") => {
                let n: i64 = v.parse().map_err(|_| {
                    ApiError::invalid_parameter(format!(
                        "Invalid value '{v}'. Expected an integer."
                    ))
                })?;
                let min = bound(spec, "minimum");
                let max = bound(spec, "maximum");
                if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                    return Err(ApiError::invalid_parameter(format!(
                        "Invalid value '{v}'. Values must be within the range: [{}, {}]",
                        min.map_or("-inf".into(), |m| m.to_string()),
                        max.map_or("inf".into(), |m| m.to_string())
                    )));
                }
                out.insert(k.clone(), Value::from(n));
            }
            Some("boolean") => {
                let b = match v.as_str() {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(ApiError::invalid_parameter(format!(
                            "Invalid value '{v}'. Expected a boolean."
                        )));
                    }
                };
                out.insert(k.clone(), Value::Bool(b));
            }
            _ => {
                out.insert(k.clone(), Value::String(v.clone()));
            }
        }
    }
    Ok(out)
}

fn bound(spec: &Value, key: &str) -> Option<i64> {
    spec.get(key).and_then(Value::as_str)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn user_schema_accepts_defined_fields_and_rejects_others() {
        let ok = json!({"primaryEmail": "a@x.edu", "name": {"givenName": "A"}, "suspended": false,
            "customSchemas": {"S": {"F": 1}}, "externalIds": [{"type": "organization", "value": "1"}]});
        validate_body("User", &ok).unwrap();
        let err = validate_body("User", &json!({"primaryEmail": "a@x.edu", "nickname": "z"}))
            .unwrap_err();
        assert_eq!(err.code, 400);
        assert!(
            err.message.contains("Unknown name \"nickname\" at 'user'"),
            "{}",
            err.message
        );
        let err = validate_body("User", &json!({"name": {"middleName": "z"}})).unwrap_err();
        assert!(err.message.contains("at 'user.name'"), "{}", err.message);
        let err = validate_body("User", &json!({"suspended": "yes"})).unwrap_err();
        assert!(err.message.contains("TYPE_BOOL"), "{}", err.message);
    }

    #[test]
    fn params_are_checked_against_the_method() {
        let p = |k: &str, v: &str| vec![(k.to_string(), v.to_string())];
        assert!(validate_params("users", "list", &p("maxResults", "500")).is_ok());
        let e = validate_params("users", "list", &p("maxResults", "501")).unwrap_err();
        assert_eq!(e.reason, "invalidParameter");
        assert!(validate_params("users", "list", &p("projection", "nope")).is_err());
        assert!(validate_params("users", "list", &p("fields", "users(id)")).is_ok());
        assert!(validate_params("users", "list", &p("bogus", "1")).is_err());
        assert!(
            method_scopes("users", "insert")
                .contains(&"https://www.googleapis.com/auth/admin.directory.user")
        );
    }
}
