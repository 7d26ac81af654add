//! Opaque, request-bound page tokens for keyset paging.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// An opaque page token: the sort key of the last item returned plus a fingerprint of the
/// request it belongs to.
pub fn encode_page_token(last_key: &[String], fingerprint: &str) -> String {
    let raw = json!({"k": last_key, "f": fingerprint}).to_string();
    URL_SAFE_NO_PAD.encode(raw)
}

/// Decode a page token made for a request with `fingerprint`.
pub fn decode_page_token(token: &str, fingerprint: &str) -> Result<Vec<String>, ApiError> {
    let bad = || ApiError::invalid("Invalid Input: pageToken");
    let raw = URL_SAFE_NO_PAD.decode(token).map_err(|_| bad())?;
    let v: Value = serde_json::from_slice(&raw).map_err(|_| bad())?;
    if v.get("f").and_then(Value::as_str) != Some(fingerprint) {
        return Err(bad());
    }
    v.get("k")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .ok_or_else(bad)
}

/// A short fingerprint of request parameters.
pub fn fingerprint(parts: &[&str]) -> String {
    let digest = Sha256::digest(parts.join("\u{1f}").as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..9])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_round_trip_and_are_bound_to_the_request() {
        let t = encode_page_token(&["k@x.edu".into()], "fp1");
        assert_eq!(
            decode_page_token(&t, "fp1").unwrap(),
            vec!["k@x.edu".to_string()]
        );
        assert!(decode_page_token(&t, "fp2").is_err());
        assert!(decode_page_token("garbage!", "fp1").is_err());
    }
}
