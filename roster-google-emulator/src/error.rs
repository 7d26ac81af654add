//! Google-shaped error values: API errors (`{"error":{"code",...}}`) and OAuth errors
//! (`{"error":"invalid_grant","error_description":...}`), plus the Rust-side [`EmulatorError`].

use serde_json::{Value, json};

/// An error the emulated Directory API answers with, in Google's JSON shape:
/// `{"error":{"code":N,"message":M,"errors":[{"domain":"global","reason":R,"message":M}]}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status code.
    pub code: u16,
    /// Google's `reason` (e.g. `notFound`, `duplicate`, `invalid`).
    pub reason: &'static str,
    /// Human message, used both at the top level and inside `errors[0]`.
    pub message: String,
}

impl ApiError {
    /// Any error.
    pub fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            reason,
            message: message.into(),
        }
    }
    /// 400 `invalid`.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(400, "invalid", message)
    }
    /// 400 `invalid` "Invalid Input: INVALID_OU_ID".
    pub fn invalid_ou() -> Self {
        Self::invalid("Invalid Input: INVALID_OU_ID")
    }
    /// 400 `invalidParameter`.
    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(400, "invalidParameter", message)
    }
    /// 400 `badRequest` "Bad Request".
    pub fn bad_request() -> Self {
        Self::new(400, "badRequest", "Bad Request")
    }
    /// 404 `notFound` "Resource Not Found: {what}".
    pub fn not_found(what: &str) -> Self {
        Self::new(404, "notFound", format!("Resource Not Found: {what}"))
    }
    /// 409 `duplicate` "Entity already exists.".
    pub fn duplicate() -> Self {
        Self::new(409, "duplicate", "Entity already exists.")
    }
    /// 401 `authError` "Invalid Credentials".
    pub fn unauthorized() -> Self {
        Self::new(401, "authError", "Invalid Credentials")
    }
    /// 403 `forbidden` "Not Authorized to access this resource/api".
    pub fn forbidden() -> Self {
        Self::new(
            403,
            "forbidden",
            "Not Authorized to access this resource/api",
        )
    }
    /// 403 `insufficientPermissions` (token lacks the method's scopes).
    pub fn insufficient_scopes() -> Self {
        Self::new(
            403,
            "insufficientPermissions",
            "Request had insufficient authentication scopes.",
        )
    }
    /// 403 `quotaExceeded`: too many concurrent requests.
    pub fn concurrency_exceeded() -> Self {
        Self::new(
            403,
            "quotaExceeded",
            "Quota exceeded: the limit of concurrent requests for this operation has been reached.",
        )
    }
    /// 503 `backendError`.
    pub fn backend_error() -> Self {
        Self::new(503, "backendError", "Backend Error")
    }
    /// Over quota: 403 `userRateLimitExceeded` or 429 `rateLimitExceeded`.
    pub fn rate_limited(status_429: bool) -> Self {
        let message = "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' \
             of service 'admin.googleapis.com' for consumer 'project_number:000000000000'.";
        if status_429 {
            Self::new(429, "rateLimitExceeded", message)
        } else {
            Self::new(403, "userRateLimitExceeded", message)
        }
    }
    /// 400 `invalid` "Invalid Ou Id": Google's answer to an org unit that already exists.
    pub fn duplicate_ou() -> Self {
        Self::invalid("Invalid Ou Id")
    }
    /// 412 `conditionNotMet` "User creation is not complete.": a write to a user created
    /// moments ago, before Google's backends have finished creating it.
    pub fn creation_not_complete() -> Self {
        Self::new(412, "conditionNotMet", "User creation is not complete.")
    }
    /// The gRPC-style `error.status` Google's envelope carries for this HTTP status.
    pub fn status(&self) -> &'static str {
        grpc_status(self.code)
    }
    /// The JSON body Google sends.
    pub fn to_json(&self) -> Value {
        json!({
            "error": {
                "code": self.code,
                "message": self.message,
                "errors": [{"domain": self.domain(), "reason": self.reason, "message": self.message}],
                "status": self.status(),
            }
        })
    }
    /// `errors[0].domain`: `usageLimits` for rate limits and quota, `global` otherwise.
    fn domain(&self) -> &'static str {
        match self.reason {
            "userRateLimitExceeded" | "rateLimitExceeded" | "quotaExceeded" => "usageLimits",
            _ => "global",
        }
    }
}

/// Google's mapping of an HTTP status to the canonical (gRPC) status name its JSON error
/// envelope carries in `error.status`.
pub fn grpc_status(code: u16) -> &'static str {
    match code {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ALREADY_EXISTS",
        412 => "FAILED_PRECONDITION",
        429 => "RESOURCE_EXHAUSTED",
        499 => "CANCELLED",
        501 => "UNIMPLEMENTED",
        503 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        _ => "INTERNAL",
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.code, self.reason, self.message)
    }
}

impl std::error::Error for ApiError {}

/// An error of Google's OAuth token endpoint: `{"error":E,"error_description":D}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    /// HTTP status (400, or 401 for `invalid_client`).
    pub status: u16,
    /// e.g. `invalid_grant`, `invalid_scope`, `invalid_client`, `unauthorized_client`.
    pub error: &'static str,
    /// e.g. "Invalid JWT Signature.".
    pub description: String,
}

impl OAuthError {
    /// 400 `invalid_grant`.
    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new(400, "invalid_grant", description)
    }
    /// Any OAuth error.
    pub fn new(status: u16, error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            error,
            description: description.into(),
        }
    }
    /// The JSON body.
    pub fn to_json(&self) -> Value {
        json!({"error": self.error, "error_description": self.description})
    }
}

/// Errors of the emulator's Rust API (seeding, state files, start-up).
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// I/O (binding the port, reading or writing a state file).
    #[error("emulator I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// A state file or seed value that is not valid JSON for its type.
    #[error("emulator JSON error: {0}")]
    Json(#[from] serde_json::Error),
    /// A seed rejected by the same validation the API applies.
    #[error("rejected by the emulated API: {0}")]
    Api(#[from] ApiError),
    /// A public key that is not a PEM RSA public key.
    #[error("invalid RSA public key: {0}")]
    Key(String),
    /// A lookup of something that is not there (e.g. an installed client for a refresh token).
    #[error("not found: {0}")]
    NotFound(String),
}
