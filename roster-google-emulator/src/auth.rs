//! The emulated OAuth 2.0 token endpoint: the JWT-bearer grant used by service accounts with
//! domain-wide delegation, and the refresh-token grant used by installed-app clients.

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use rsa::RsaPublicKey;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use serde_json::Value;
use sha2::Sha256;

use super::error::{EmulatorError, OAuthError};
use super::state::State;

/// The JWT-bearer grant type.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// Lifetime of issued access tokens.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// What an issued access token stands for.
#[derive(Debug, Clone)]
pub struct TokenInfo {
    /// The user the token acts as (`sub`, the installed client's user, or the service account).
    pub subject: String,
    /// Whether the subject may administer the directory.
    pub admin: bool,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Expiry.
    pub expires: Instant,
}

/// Parse a PEM RSA public key (SPKI `PUBLIC KEY` or PKCS#1 `RSA PUBLIC KEY`).
pub fn parse_public_key(pem: &str) -> Result<RsaPublicKey, EmulatorError> {
    RsaPublicKey::from_public_key_pem(pem.trim())
        .or_else(|_| RsaPublicKey::from_pkcs1_pem(pem.trim()))
        .map_err(|e| EmulatorError::Key(e.to_string()))
}

fn b64(part: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD
        .decode(part)
        .or_else(|_| URL_SAFE.decode(part))
        .ok()
}

/// A scope the emulated APIs serve: the Directory API's, the licensing API's, or
/// cloud-platform. A request may name any one of them alone (as Google's endpoint allows: a
/// setup check asks for each scope on its own to find which one the delegation lacks).
fn is_served_scope(s: &str) -> bool {
    s.starts_with("https://www.googleapis.com/auth/admin.directory.")
        || s == "https://www.googleapis.com/auth/apps.licensing"
        || s == "https://www.googleapis.com/auth/cloud-platform"
}

/// Verify a JWT-bearer assertion as Google's token endpoint does and return the grant.
/// `audiences` are the token URLs accepted as `aud`; `now` is seconds since the epoch.
pub fn verify_assertion(
    state: &State,
    assertion: &str,
    audiences: &[String],
    now: i64,
) -> Result<TokenInfo, OAuthError> {
    let mut parts = assertion.split('.');
    let (Some(h), Some(c), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(OAuthError::invalid_grant("Invalid JWT: Malformed JWT."));
    };
    let header: Value = b64(h)
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| OAuthError::invalid_grant("Invalid JWT: Malformed JWT header."))?;
    if header.get("alg").and_then(Value::as_str) != Some("RS256") {
        return Err(OAuthError::invalid_grant(
            "Invalid JWT: Unsupported signing algorithm (expected RS256).",
        ));
    }
    let claims: Value = b64(c)
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| OAuthError::invalid_grant("Invalid JWT: Malformed JWT claims."))?;
    let iss = claims
        .get("iss")
        .and_then(Value::as_str)
        .ok_or_else(|| OAuthError::invalid_grant("Invalid JWT: No issuer."))?;
    let sa = state
        .service_accounts
        .get(iss)
        .ok_or_else(|| OAuthError::invalid_grant("Invalid grant: account not found"))?;
    let key = parse_public_key(&sa.public_key_pem)
        .map_err(|_| OAuthError::invalid_grant("Invalid JWT Signature."))?;
    let sig = b64(s)
        .and_then(|b| Signature::try_from(b.as_slice()).ok())
        .ok_or_else(|| OAuthError::invalid_grant("Invalid JWT Signature."))?;
    let signing_input = &assertion[..h.len() + 1 + c.len()];
    VerifyingKey::<Sha256>::new(key)
        .verify(signing_input.as_bytes(), &sig)
        .map_err(|_| OAuthError::invalid_grant("Invalid JWT Signature."))?;

    let aud = claims.get("aud").and_then(Value::as_str).unwrap_or("");
    if !audiences.iter().any(|a| a == aud) {
        return Err(OAuthError::invalid_grant(format!(
            "Invalid JWT: Failed audience check. The right audience is {}",
            audiences.first().map(String::as_str).unwrap_or("")
        )));
    }
    let exp = claims.get("exp").and_then(Value::as_i64);
    let iat = claims.get("iat").and_then(Value::as_i64);
    let timeframe_ok = match (iat, exp) {
        // Google allows tokens of at most one hour and a little clock skew.
        (Some(iat), Some(exp)) => exp > now && iat <= now + 300 && exp - iat <= 3600 + 300,
        _ => false,
    };
    if !timeframe_ok {
        return Err(OAuthError::invalid_grant(
            "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable \
             timeframe. Check your iat and exp values in the JWT claim.",
        ));
    }
    let scopes: Vec<String> = claims
        .get("scope")
        .and_then(Value::as_str)
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    if !scopes.iter().any(|s| is_served_scope(s)) {
        return Err(OAuthError::new(
            400,
            "invalid_scope",
            "Invalid OAuth scope or ID token audience provided.",
        ));
    }
    if !sa.scopes.is_empty() && scopes.iter().any(|s| !sa.scopes.contains(s)) {
        return Err(OAuthError::new(
            401,
            "unauthorized_client",
            "Client is unauthorized to retrieve access tokens using this method, or client not \
             authorized for any of the scopes requested.",
        ));
    }
    let (subject, admin) = match claims.get("sub").and_then(Value::as_str) {
        Some(sub) => {
            if !sa
                .admin_subjects
                .iter()
                .any(|a| a.eq_ignore_ascii_case(sub))
            {
                return Err(OAuthError::invalid_grant("Invalid email or User ID"));
            }
            (sub.to_lowercase(), true)
        }
        // Without `sub` the token acts as the service account itself, which is no admin.
        None => (iss.to_string(), false),
    };
    Ok(TokenInfo {
        subject,
        admin,
        scopes,
        expires: Instant::now() + TOKEN_LIFETIME,
    })
}

/// The refresh-token grant of an installed-app client.
pub fn refresh_grant(
    state: &State,
    client_id: &str,
    client_secret: &str,
    refresh_token: &str,
) -> Result<TokenInfo, OAuthError> {
    let client = state
        .installed_clients
        .get(client_id)
        .ok_or_else(|| OAuthError::new(401, "invalid_client", "The OAuth client was not found."))?;
    if client.client_secret != client_secret {
        return Err(OAuthError::new(401, "invalid_client", "Unauthorized"));
    }
    if client.refresh_token != refresh_token {
        return Err(OAuthError::invalid_grant(
            "Token has been expired or revoked.",
        ));
    }
    Ok(TokenInfo {
        subject: client.subject.to_lowercase(),
        admin: true,
        scopes: client.scopes.clone(),
        expires: Instant::now() + TOKEN_LIFETIME,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::ServiceAccount;
    use crate::test_keys::TestKey;
    use rsa::RsaPrivateKey;
    use rsa::pkcs1v15::SigningKey;
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::signature::{SignatureEncoding, Signer};
    use serde_json::json;

    /// yup-oauth2 encodes JWT parts with padded URL-safe base64 and sends `"sub": null` when
    /// there is no subject; both must be accepted.
    #[test]
    fn accepts_padded_base64_and_null_sub_like_yup_oauth2() {
        let key = TestKey::shared(0);
        let mut state = State::new("C1", &["x.edu".to_string()]);
        state.service_accounts.insert(
            "sa@p.iam.gserviceaccount.com".into(),
            ServiceAccount {
                client_email: "sa@p.iam.gserviceaccount.com".into(),
                public_key_pem: key.public_key_pem.clone(),
                admin_subjects: vec!["Admin@x.edu".into()],
                scopes: vec![],
            },
        );
        let now = 1_900_000_000;
        let sign = |claims: Value| {
            let mut out = String::new();
            URL_SAFE.encode_string(r#"{"alg":"RS256","typ":"JWT"}"#, &mut out);
            out.push('.');
            URL_SAFE.encode_string(claims.to_string(), &mut out);
            let pk = RsaPrivateKey::from_pkcs8_pem(&key.private_key_pem).unwrap();
            let sig = SigningKey::<Sha256>::new(pk).sign(out.as_bytes());
            let mut tail = String::new();
            URL_SAFE.encode_string(sig.to_bytes(), &mut tail);
            format!("{out}.{tail}")
        };
        let aud = vec!["http://127.0.0.1:1/token".to_string()];
        let base = json!({"iss": "sa@p.iam.gserviceaccount.com", "aud": aud[0],
            "iat": now, "exp": now + 3595,
            "scope": "https://www.googleapis.com/auth/admin.directory.user"});
        let mut with_sub = base.clone();
        with_sub["sub"] = json!("admin@x.edu");
        let info = verify_assertion(&state, &sign(with_sub), &aud, now).unwrap();
        assert_eq!(info.subject, "admin@x.edu");
        assert!(info.admin);
        let mut null_sub = base.clone();
        null_sub["sub"] = Value::Null;
        let info = verify_assertion(&state, &sign(null_sub), &aud, now).unwrap();
        assert_eq!(info.subject, "sa@p.iam.gserviceaccount.com");
        assert!(!info.admin);
        // a JWT issued in the future is refused
        assert!(verify_assertion(&state, &sign(base), &aud, now - 1000).is_err());
    }
}
