//! orgunits.list, orgunits.get and orgunits.insert.

use bytes::Bytes;
use serde_json::{Map, Value};

use super::request::{check_customer, param, parse_body};
use super::response::{Handled, list_body};
use crate::discovery;
use crate::error::ApiError;
use crate::state::State;

/// orgunits.list (`type=all|children|allIncludingParent`, `orgUnitPath=`).
pub(super) fn list(st: &State, c: &str, p: &Map<String, Value>) -> Handled {
    check_customer(st, c)?;
    let base_key = param(p, "orgUnitPath").unwrap_or("");
    let base = st
        .find_ou(if base_key.is_empty() { "/" } else { base_key })
        .ok_or_else(ApiError::invalid_ou)?;
    let kind = param(p, "type").unwrap_or("children");
    let prefix = if base.path == "/" {
        "/".to_string()
    } else {
        format!("{}/", base.path.to_lowercase())
    };
    let mut items: Vec<Value> = Vec::new();
    if kind == "allIncludingParent" && base.path != "/" {
        items.push(st.ou_json(&base));
    }
    for (k, ou) in &st.org_units {
        let selected = match kind {
            "children" => ou.parent_path.eq_ignore_ascii_case(&base.path),
            _ => k.starts_with(&prefix),
        };
        if selected {
            items.push(st.ou_json(ou));
        }
    }
    Ok((
        200,
        Some(list_body(
            "admin#directory#orgUnits",
            "organizationUnits",
            items,
            None,
        )),
    ))
}

/// orgunits.get (by path or `id:...`).
pub(super) fn get(st: &State, c: &str, path: &str) -> Handled {
    check_customer(st, c)?;
    let ou = st
        .find_ou(path)
        .ok_or_else(|| ApiError::new(404, "notFound", "Org unit not found"))?;
    Ok((200, Some(st.ou_json(&ou))))
}

/// orgunits.insert.
pub(super) fn insert(st: &mut State, c: &str, body: &Bytes) -> Handled {
    check_customer(st, c)?;
    let body = parse_body(body)?;
    discovery::validate_body("OrgUnit", &body)?;
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::invalid("Invalid Ou Name"))?;
    let parent = body
        .get("parentOrgUnitPath")
        .or_else(|| body.get("parentOrgUnitId"))
        .and_then(Value::as_str)
        .unwrap_or("/")
        .to_string();
    let description = body
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or("");
    let ou = st.insert_ou(name, &parent, description)?;
    Ok((200, Some(st.ou_json(&ou))))
}
