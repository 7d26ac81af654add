//! The supported subset of Google's user query language: parsing and matching.

use serde_json::Value;

use super::{State, StoredUser};
use crate::error::ApiError;

/// One clause of the supported `query` subset.
#[derive(Debug, Clone, PartialEq)]
pub enum Clause {
    /// `orgUnitPath='/A B'`: that OU and everything under it (lower-cased path).
    OrgUnit(String),
    /// `email:prefix` (a trailing `*` is allowed): the primary address or, as at Google
    /// (whose `email` field includes aliases), an alias starting with the prefix. Holds the
    /// prefix and the ids of the users with such an alias.
    EmailPrefix(String, std::collections::BTreeSet<String>),
    /// `email=exact`.
    EmailExact(String),
    /// `isSuspended=true|false`.
    Suspended(bool),
    /// `isAdmin=true|false`.
    Admin(bool),
    /// `givenName=`/`familyName=` exact (`:` = prefix).
    Name {
        /// `givenName` or `familyName`.
        field: &'static str,
        /// Lower-cased value.
        value: String,
        /// Prefix match.
        prefix: bool,
    },
    /// `externalId=value`.
    ExternalId(String),
    /// `Schema.Field=value`: exact match (case-insensitive for text, numeric for numbers).
    Custom {
        /// Schema name.
        schema: String,
        /// Field name.
        field: String,
        /// Raw value.
        value: String,
    },
}

fn split_query(q: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in q.chars() {
        match c {
            '\'' | '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn unquote(v: &str) -> String {
    let v = v.trim();
    for q in ['\'', '"'] {
        if v.len() >= 2 && v.starts_with(q) && v.ends_with(q) {
            return v[1..v.len() - 1].to_string();
        }
    }
    v.to_string()
}

fn parse_bool(v: &str) -> Result<bool, ApiError> {
    match v.to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ApiError::invalid("Invalid Input")),
    }
}

/// Parse the supported subset of Google's user query language (clauses separated by spaces are
/// ANDed).
pub fn parse_query(state: &State, q: &str) -> Result<Vec<Clause>, ApiError> {
    let mut clauses = Vec::new();
    for token in split_query(q) {
        let pos = token
            .find(['=', ':'])
            .ok_or_else(|| ApiError::invalid("Invalid Input"))?;
        let (field, rest) = token.split_at(pos);
        let op = &rest[..1];
        let value = unquote(&rest[1..]);
        let clause = match (field, op) {
            ("orgUnitPath", _) => Clause::OrgUnit(State::normalize_path(&value).to_lowercase()),
            ("email", ":") => {
                let p = value.trim_end_matches('*').to_lowercase();
                let owners = state
                    .aliases
                    .range(p.clone()..)
                    .take_while(|(a, _)| a.starts_with(&p))
                    .map(|(_, id)| id.clone())
                    .collect();
                Clause::EmailPrefix(p, owners)
            }
            // An alias address names its user, as at Google.
            ("email", "=") => {
                let v = value.to_lowercase();
                Clause::EmailExact(state.alias_owner(&v).unwrap_or(v))
            }
            ("isSuspended", "=") => Clause::Suspended(parse_bool(&value)?),
            ("isAdmin", "=") => Clause::Admin(parse_bool(&value)?),
            ("givenName" | "familyName", _) => Clause::Name {
                field: if field == "givenName" {
                    "givenName"
                } else {
                    "familyName"
                },
                value: value.trim_end_matches('*').to_lowercase(),
                prefix: op == ":",
            },
            ("externalId", _) => Clause::ExternalId(value),
            (f, "=") if f.contains('.') => {
                let (schema, field) = f.split_once('.').expect("contains a dot");
                let known = state
                    .schemas
                    .get(schema)
                    .is_some_and(|s| s.fields.iter().any(|x| x.field_name == field && x.indexed));
                if !known {
                    return Err(ApiError::invalid("Invalid Input"));
                }
                Clause::Custom {
                    schema: schema.to_string(),
                    field: field.to_string(),
                    value,
                }
            }
            _ => return Err(ApiError::invalid("Invalid Input")),
        };
        clauses.push(clause);
    }
    Ok(clauses)
}

fn value_matches(stored: &Value, wanted: &str) -> bool {
    match stored {
        Value::String(s) => s.eq_ignore_ascii_case(wanted),
        Value::Number(n) => wanted
            .parse::<f64>()
            .ok()
            .zip(n.as_f64())
            .is_some_and(|(a, b)| a == b),
        Value::Bool(b) => parse_bool(wanted).ok() == Some(*b),
        Value::Array(items) => items
            .iter()
            .any(|i| value_matches(i.get("value").unwrap_or(i), wanted)),
        _ => false,
    }
}

/// Whether a user satisfies every clause.
pub fn matches(user: &StoredUser, clauses: &[Clause]) -> bool {
    let email = || {
        user.data
            .get("primaryEmail")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_lowercase()
    };
    clauses.iter().all(|c| match c {
        Clause::OrgUnit(p) => {
            let ou = user
                .data
                .get("orgUnitPath")
                .and_then(Value::as_str)
                .unwrap_or("/")
                .to_lowercase();
            p == "/" || &ou == p || ou.starts_with(&format!("{p}/"))
        }
        Clause::EmailPrefix(p, alias_owners) => {
            email().starts_with(p.as_str()) || alias_owners.contains(&user.id)
        }
        Clause::EmailExact(e) => &email() == e,
        Clause::Suspended(b) => {
            user.data
                .get("suspended")
                .and_then(Value::as_bool)
                .unwrap_or(false)
                == *b
        }
        Clause::Admin(b) => user.is_admin == *b,
        Clause::Name {
            field,
            value,
            prefix,
        } => {
            let v = user
                .data
                .get("name")
                .and_then(|n| n.get(*field))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_lowercase();
            if *prefix {
                v.starts_with(value.as_str())
            } else {
                &v == value
            }
        }
        Clause::ExternalId(x) => user
            .data
            .get("externalIds")
            .and_then(Value::as_array)
            .is_some_and(|ids| {
                ids.iter()
                    .any(|i| i.get("value").and_then(Value::as_str) == Some(x.as_str()))
            }),
        Clause::Custom {
            schema,
            field,
            value,
        } => user
            .data
            .get("customSchemas")
            .and_then(|c| c.get(schema))
            .and_then(|s| s.get(field))
            .is_some_and(|v| value_matches(v, value)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::fixture::state;

    #[test]
    fn query_parsing_and_matching() {
        let s = state();
        let q = parse_query(&s, "orgUnitPath='/Students' isSuspended=false Sync.DCID=42").unwrap();
        assert_eq!(q.len(), 3);
        assert_eq!(q[0], Clause::OrgUnit("/students".into()));
        assert!(parse_query(&s, "Nope.DCID=1").is_err());
        assert!(parse_query(&s, "garbage").is_err());
        let q = parse_query(&s, "orgUnitPath='/A B C'").unwrap();
        assert_eq!(q, vec![Clause::OrgUnit("/a b c".into())]);
    }
}
