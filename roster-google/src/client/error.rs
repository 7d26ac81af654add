//! The client's error: Google's JSON error body, a transport failure, or an auth failure,
//! all as one typed value carrying the HTTP status, Google's reason and whether a retry can
//! help.

use std::time::Duration;

use roster_core::TargetError;
use serde::Deserialize;

/// Why a Directory API call failed.
///
/// `status` is the HTTP status (0 when no response arrived: connection refused, reset,
/// timeout). `reason` is Google's `errors[0].reason` (`notFound`, `duplicate`, `invalid`,
/// `userRateLimitExceeded`, `backendError`, ...), or a client-side reason for failures that
/// have no Google body (`connectionError`, `timeout`, `authError`, `invalidResponse`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {reason}: {message}")]
pub struct DirectoryError {
    pub status: u16,
    pub reason: String,
    pub message: String,
    /// `errors[0].domain` (`global`, `usageLimits`, ...), when Google sent one.
    pub domain: Option<String>,
    /// 429, 403 with a rate-limit/quota reason, 5xx, and dropped connections.
    pub retryable: bool,
    /// The server's `Retry-After`, when it sent one.
    pub retry_after: Option<Duration>,
}

/// Reasons of a 403 that mean "slow down", not "forbidden".
pub const RATE_LIMIT_REASONS: &[&str] = &[
    "userRateLimitExceeded",
    "rateLimitExceeded",
    "quotaExceeded",
];

/// Whether a response with this status and reason is worth retrying. 412 `conditionNotMet`
/// is Google's "User creation is not complete." for a change to a user created moments ago:
/// it passes once the account has settled.
pub fn is_retryable(status: u16, reason: &str) -> bool {
    matches!(status, 0 | 429 | 500..=599)
        || (status == 403 && RATE_LIMIT_REASONS.contains(&reason))
        || (status == 412 && reason == "conditionNotMet")
}

#[derive(Deserialize)]
struct Body {
    error: BodyError,
}

#[derive(Deserialize)]
struct BodyError {
    #[serde(default)]
    message: String,
    #[serde(default)]
    errors: Vec<BodyDetail>,
    /// The newer gRPC-style status (`NOT_FOUND`, ...), used when `errors` is empty.
    #[serde(default)]
    status: Option<String>,
}

#[derive(Deserialize)]
struct BodyDetail {
    #[serde(default)]
    domain: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

impl DirectoryError {
    /// A failure with an explicit status and reason; `retryable` follows [`is_retryable`].
    pub fn new(status: u16, reason: impl Into<String>, message: impl Into<String>) -> Self {
        let reason = reason.into();
        DirectoryError {
            retryable: is_retryable(status, &reason),
            status,
            reason,
            message: message.into(),
            domain: None,
            retry_after: None,
        }
    }

    /// Parses an error response. Google's shape is
    /// `{"error":{"code":N,"message":"...","errors":[{"domain","reason","message"}]}}`; any
    /// other body (an HTML page from a proxy, nothing at all) gets a reason derived from the
    /// status and the start of the body as its message.
    pub fn from_response(status: u16, body: &[u8], retry_after: Option<Duration>) -> Self {
        let mut err = match serde_json::from_slice::<Body>(body) {
            Ok(Body { error }) => {
                let first = error.errors.into_iter().next();
                let reason = first
                    .as_ref()
                    .and_then(|d| d.reason.clone())
                    .or(error.status.map(|s| grpc_reason(&s)))
                    .unwrap_or_else(|| reason_for_status(status).to_string());
                let message = if error.message.is_empty() {
                    first
                        .as_ref()
                        .and_then(|d| d.message.clone())
                        .unwrap_or_default()
                } else {
                    error.message
                };
                let mut e = DirectoryError::new(status, reason, message);
                e.domain = first.and_then(|d| d.domain);
                e
            }
            Err(_) => {
                let text = String::from_utf8_lossy(body);
                let text: String = text.trim().chars().take(200).collect();
                DirectoryError::new(status, reason_for_status(status), text)
            }
        };
        err.retry_after = retry_after;
        err
    }

    /// A request that got no response.
    pub fn transport(e: &reqwest::Error) -> Self {
        let reason = if e.is_timeout() {
            "timeout"
        } else {
            "connectionError"
        };
        // reqwest's Display names the URL, which carries no secret (tokens travel in headers).
        DirectoryError::new(0, reason, error_chain(e))
    }

    /// A response whose body is not what the API documents.
    pub fn invalid_response(status: u16, message: impl Into<String>) -> Self {
        let mut e = DirectoryError::new(status, "invalidResponse", message);
        e.retryable = false;
        e
    }

    /// No access token could be had (bad key, revoked refresh token, token endpoint down).
    pub fn auth(message: impl Into<String>, retryable: bool) -> Self {
        let mut e = DirectoryError::new(401, "authError", message);
        e.retryable = retryable;
        e
    }

    pub fn is_not_found(&self) -> bool {
        self.status == 404
    }

    pub fn is_duplicate(&self) -> bool {
        self.status == 409
    }
}

impl From<DirectoryError> for TargetError {
    fn from(e: DirectoryError) -> Self {
        TargetError {
            status: e.status,
            reason: e.reason,
            message: e.message,
            retryable: e.retryable,
            retry_after: e.retry_after,
        }
    }
}

fn reason_for_status(status: u16) -> &'static str {
    match status {
        400 => "badRequest",
        401 => "authError",
        403 => "forbidden",
        404 => "notFound",
        409 => "duplicate",
        412 => "conditionNotMet",
        429 => "rateLimitExceeded",
        500..=599 => "backendError",
        _ => "httpError",
    }
}

fn grpc_reason(status: &str) -> String {
    match status {
        "NOT_FOUND" => "notFound",
        "ALREADY_EXISTS" => "duplicate",
        "INVALID_ARGUMENT" => "invalid",
        "RESOURCE_EXHAUSTED" => "rateLimitExceeded",
        "UNAVAILABLE" => "backendError",
        "PERMISSION_DENIED" => "forbidden",
        "UNAUTHENTICATED" => "authError",
        other => return other.to_string(),
    }
    .to_string()
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(inner) = cur {
        let text = inner.to_string();
        if !s.contains(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        cur = inner.source();
    }
    s
}

/// Parses `Retry-After` given in seconds (the form Google uses).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    v.parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn google(code: u16, reason: &str, message: &str) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "error": {"code": code, "message": message,
                      "errors": [{"domain": "global", "reason": reason, "message": message}]}
        }))
        .unwrap()
    }

    #[test]
    fn parses_googles_error_shape() {
        let e = DirectoryError::from_response(
            404,
            &google(404, "notFound", "Resource Not Found: userKey"),
            None,
        );
        assert_eq!(e.status, 404);
        assert_eq!(e.reason, "notFound");
        assert_eq!(e.message, "Resource Not Found: userKey");
        assert_eq!(e.domain.as_deref(), Some("global"));
        assert!(!e.retryable);
        assert!(e.is_not_found());

        let e = DirectoryError::from_response(
            409,
            &google(409, "duplicate", "Entity already exists."),
            None,
        );
        assert!(e.is_duplicate());
        assert!(!e.retryable);

        let e = DirectoryError::from_response(
            400,
            &google(400, "invalid", "Invalid Input: INVALID_OU_ID"),
            None,
        );
        assert_eq!((e.reason.as_str(), e.retryable), ("invalid", false));
    }

    #[test]
    fn rate_limits_and_server_errors_are_retryable() {
        for reason in RATE_LIMIT_REASONS {
            let e = DirectoryError::from_response(403, &google(403, reason, "slow down"), None);
            assert!(e.retryable, "{reason}");
        }
        let e =
            DirectoryError::from_response(403, &google(403, "forbidden", "Not Authorized"), None);
        assert!(!e.retryable);
        let e = DirectoryError::from_response(
            429,
            &google(429, "rateLimitExceeded", "Quota"),
            Some(Duration::from_secs(3)),
        );
        assert!(e.retryable);
        assert_eq!(e.retry_after, Some(Duration::from_secs(3)));
        let e =
            DirectoryError::from_response(503, &google(503, "backendError", "Backend Error"), None);
        assert!(e.retryable);
    }

    #[test]
    fn non_json_bodies_get_a_reason_from_the_status() {
        let e = DirectoryError::from_response(502, b"<html>Bad Gateway</html>", None);
        assert_eq!(e.reason, "backendError");
        assert_eq!(e.message, "<html>Bad Gateway</html>");
        assert!(e.retryable);
        let e = DirectoryError::from_response(404, b"", None);
        assert_eq!(e.reason, "notFound");
        let e = DirectoryError::from_response(
            404,
            br#"{"error":{"code":404,"message":"gone","status":"NOT_FOUND"}}"#,
            None,
        );
        assert_eq!(
            (e.reason.as_str(), e.message.as_str()),
            ("notFound", "gone")
        );
    }

    #[test]
    fn converts_to_the_engines_error() {
        let mut e = DirectoryError::from_response(
            403,
            &google(403, "userRateLimitExceeded", "Quota exceeded"),
            None,
        );
        e.retry_after = Some(Duration::from_millis(1500));
        let t: TargetError = e.into();
        assert_eq!(t.status, 403);
        assert_eq!(t.reason, "userRateLimitExceeded");
        assert!(t.retryable);
        assert_eq!(t.retry_after, Some(Duration::from_millis(1500)));
        // The engine's own classification agrees with the client's.
        for (status, reason) in [
            (403, "quotaExceeded"),
            (412, "conditionNotMet"),
            (404, "notFound"),
        ] {
            assert_eq!(
                TargetError::new(status, reason, "x").retryable,
                is_retryable(status, reason),
                "{status} {reason}"
            );
        }
        assert!(is_retryable(412, "conditionNotMet"));
    }

    #[test]
    fn retry_after_in_seconds() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after(" 0.5 "), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }
}
