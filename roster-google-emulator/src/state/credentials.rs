//! Credentials the token endpoint checks: registered service accounts (the public half of their
//! keys) and installed-app OAuth clients.

use serde::{Deserialize, Serialize};

/// A registered service account (the public half of its key).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ServiceAccount {
    /// `...@....iam.gserviceaccount.com`.
    pub client_email: String,
    /// SPKI (`PUBLIC KEY`) or PKCS#1 (`RSA PUBLIC KEY`) PEM.
    pub public_key_pem: String,
    /// Admins it may impersonate (`sub`), compared case-insensitively.
    pub admin_subjects: Vec<String>,
    /// Scopes granted by domain-wide delegation; empty = any directory scope.
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// A registered installed-app OAuth client with one refresh token (as in a pre-written
/// `token.json`). `Debug` redacts the secret and the refresh token.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct InstalledClient {
    /// `...apps.googleusercontent.com`.
    pub client_id: String,
    /// Client secret.
    pub client_secret: String,
    /// The refresh token the client holds.
    pub refresh_token: String,
    /// The (admin) user who authorised it.
    pub subject: String,
    /// Scopes it was granted.
    pub scopes: Vec<String>,
}

impl std::fmt::Debug for InstalledClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstalledClient")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("refresh_token", &"<redacted>")
            .field("subject", &self.subject)
            .field("scopes", &self.scopes)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installed_client_debug_hides_secrets() {
        let c = InstalledClient {
            client_id: "id".into(),
            client_secret: "hunter22".into(),
            refresh_token: "1//tok".into(),
            subject: "a@x.edu".into(),
            scopes: vec![],
        };
        let d = format!("{c:?}");
        assert!(!d.contains("hunter22") && !d.contains("1//tok"), "{d}");
    }
}
