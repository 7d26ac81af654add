//! The OAuth token endpoint (`POST /token`): the JWT-bearer and refresh-token grants.

use std::collections::HashMap;

use bytes::Bytes;
use hyper::{Method, Response};
use serde_json::json;

use super::response::{Body, json_response, oauth_error};
use super::{Shared, lock};
use crate::auth;
use crate::error::OAuthError;

pub(super) fn token_endpoint(shared: &Shared, method: &Method, body: &Bytes) -> Response<Body> {
    *lock(&shared.counters)
        .methods
        .entry("oauth2.token".into())
        .or_default() += 1;
    if method != Method::POST {
        return oauth_error(&OAuthError::new(
            405,
            "invalid_request",
            "Method not allowed",
        ));
    }
    let form: HashMap<String, String> = form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    let grant = {
        let st = lock(&shared.state);
        match get("grant_type") {
            auth::JWT_BEARER => auth::verify_assertion(
                &st,
                get("assertion"),
                &shared.audiences,
                chrono::Utc::now().timestamp(),
            ),
            "refresh_token" => auth::refresh_grant(
                &st,
                get("client_id"),
                get("client_secret"),
                get("refresh_token"),
            ),
            "" => Err(OAuthError::new(
                400,
                "unsupported_grant_type",
                "Invalid grant_type: ",
            )),
            other => Err(OAuthError::new(
                400,
                "unsupported_grant_type",
                format!("Invalid grant_type: {other}"),
            )),
        }
    };
    match grant {
        Ok(info) => {
            let scope = info.scopes.join(" ");
            tracing::debug!(subject = %info.subject, "emulator: issued access token");
            let token = shared.issue(info);
            json_response(
                200,
                &json!({
                    "access_token": token,
                    "token_type": "Bearer",
                    "expires_in": auth::TOKEN_LIFETIME.as_secs(),
                    "scope": scope,
                }),
            )
        }
        Err(e) => {
            shared.event("tokenRejected");
            tracing::debug!(error = e.error, description = %e.description, "emulator: token request rejected");
            oauth_error(&e)
        }
    }
}
