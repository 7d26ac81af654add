//! schemas.list, schemas.get and schemas.insert.

use bytes::Bytes;

use super::request::{check_customer, parse_body};
use super::response::{Handled, list_body};
use crate::error::ApiError;
use crate::state::State;

/// schemas.list.
pub(super) fn list(st: &State, c: &str) -> Handled {
    check_customer(st, c)?;
    let items = st.schemas.values().map(State::schema_json).collect();
    Ok((
        200,
        Some(list_body("admin#directory#schemas", "schemas", items, None)),
    ))
}

/// schemas.get (by name or id).
pub(super) fn get(st: &State, c: &str, key: &str) -> Handled {
    check_customer(st, c)?;
    let s = st
        .find_schema(key)
        .ok_or_else(|| ApiError::not_found("schemaKey"))?;
    Ok((200, Some(State::schema_json(s))))
}

/// schemas.insert: 409 `duplicate` for a schema name that exists.
pub(super) fn insert(st: &mut State, c: &str, body: &Bytes) -> Handled {
    check_customer(st, c)?;
    let def = st.add_schema(&parse_body(body)?)?;
    Ok((200, Some(State::schema_json(&def))))
}
