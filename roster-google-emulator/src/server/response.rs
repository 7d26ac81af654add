//! Building responses: JSON bodies, Google-shaped API and OAuth errors, empty answers and list
//! envelopes.

use bytes::Bytes;
use http_body_util::Full;
use hyper::Response;
use serde_json::{Value, json};

use crate::error::{ApiError, OAuthError};
use crate::state;

pub(super) use roster_emulator_server::Body;

/// What a handler answers: a status and, unless it is empty, a JSON body.
pub(super) type Handled = Result<(u16, Option<Value>), ApiError>;

pub(super) fn json_response(status: u16, body: &Value) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json; charset=UTF-8")
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("valid response")
}

pub(super) fn api_error(e: &ApiError) -> Response<Body> {
    let mut r = json_response(e.code, &e.to_json());
    if e.code == 401 {
        r.headers_mut().insert(
            "www-authenticate",
            "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\""
                .parse()
                .expect("header"),
        );
    }
    r
}

pub(super) fn oauth_error(e: &OAuthError) -> Response<Body> {
    json_response(e.status, &e.to_json())
}

pub(super) fn empty(status: u16) -> Response<Body> {
    Response::builder()
        .status(status)
        .body(Full::new(Bytes::new()))
        .expect("valid response")
}

pub(super) fn list_body(kind: &str, key: &str, items: Vec<Value>, next: Option<String>) -> Value {
    let mut v = json!({"kind": kind});
    if !items.is_empty() {
        v[key] = Value::Array(items);
    }
    v["etag"] = json!(state::etag(&v));
    if let Some(n) = next {
        v["nextPageToken"] = json!(n);
    }
    v
}
