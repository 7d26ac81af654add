//! Reading a call: its JSON body and the parameters handlers share (`customer`, `projection`).

use bytes::Bytes;
use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::state::{Projection, State};

pub(super) fn parse_body(body: &Bytes) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            400,
            "parseError",
            format!("Invalid JSON payload received. {e}"),
        )
    })
}

pub(super) fn param<'a>(p: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    p.get(k).and_then(Value::as_str)
}

pub(super) fn projection(p: &Map<String, Value>) -> Result<Projection, ApiError> {
    Ok(match param(p, "projection").unwrap_or("basic") {
        "full" => Projection::Full,
        "custom" => {
            let mask = param(p, "customFieldMask")
                .filter(|m| !m.trim().is_empty())
                .ok_or_else(|| ApiError::invalid("Invalid Input: customFieldMask"))?;
            Projection::Custom(mask.split(',').map(|s| s.trim().to_string()).collect())
        }
        _ => Projection::Basic,
    })
}

pub(super) fn check_customer(state: &State, customer: &str) -> Result<(), ApiError> {
    if state.is_customer(customer) {
        Ok(())
    } else {
        Err(ApiError::bad_request())
    }
}
