//! Keys and signed JWTs for tests: a service-account key file in Google's JSON format whose
//! public half can be registered with the emulator, and a JWT signer for hand-made assertions.
//!
//! RSA key generation is slow in debug builds, so keys are generated once per process per
//! `slot` and cached: [`service_account_key`] uses slot 0; use [`service_account_key_in_slot`]
//! with another slot when a test needs a *different* key (e.g. to sign with the wrong one).

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::signature::{SignatureEncoding, Signer};
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde_json::{Value, json};
use sha2::Sha256;

/// A generated RSA key pair as PEM text.
#[derive(Clone)]
pub struct TestKey {
    /// PKCS#8 `PRIVATE KEY` PEM.
    pub private_key_pem: String,
    /// SPKI `PUBLIC KEY` PEM.
    pub public_key_pem: String,
}

impl std::fmt::Debug for TestKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestKey")
            .field("private_key_pem", &"<redacted>")
            .field("public_key_pem", &self.public_key_pem)
            .finish()
    }
}

impl TestKey {
    /// Generate a fresh 2048-bit key (slow in debug builds: prefer [`TestKey::shared`]).
    pub fn generate() -> Self {
        let mut rng = rand::thread_rng();
        let key = RsaPrivateKey::new(&mut rng, 2048).expect("RSA key generation");
        let private_key_pem = key
            .to_pkcs8_pem(LineEnding::LF)
            .expect("PKCS#8 encoding")
            .to_string();
        let public_key_pem = RsaPublicKey::from(&key)
            .to_public_key_pem(LineEnding::LF)
            .expect("SPKI encoding");
        Self {
            private_key_pem,
            public_key_pem,
        }
    }

    /// The key of `slot`, generated on first use and cached for the process.
    pub fn shared(slot: usize) -> Self {
        static KEYS: OnceLock<Mutex<BTreeMap<usize, TestKey>>> = OnceLock::new();
        let keys = KEYS.get_or_init(|| Mutex::new(BTreeMap::new()));
        // Generate outside the lock would allow races to duplicate work; holding it is fine.
        let mut map = keys.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(slot).or_insert_with(TestKey::generate).clone()
    }

    /// Sign `claims` as an RS256 JWT with this key.
    pub fn sign_jwt(&self, claims: &Value) -> String {
        sign_jwt(&self.private_key_pem, claims)
    }
}

/// Sign `claims` as an RS256 JWT (`{"alg":"RS256","typ":"JWT"}`) with a PKCS#8 PEM key.
pub fn sign_jwt(private_key_pem: &str, claims: &Value) -> String {
    let key = RsaPrivateKey::from_pkcs8_pem(private_key_pem).expect("PKCS#8 private key");
    let header = URL_SAFE_NO_PAD.encode(json!({"alg": "RS256", "typ": "JWT"}).to_string());
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    let input = format!("{header}.{body}");
    let sig = SigningKey::<Sha256>::new(key).sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()))
}

/// A service-account key file (Google's JSON format: `type`, `project_id`, `private_key_id`,
/// `private_key` (PKCS#8 PEM), `client_email`, `client_id`, `auth_uri`, `token_uri`, ...) for
/// `client_email` whose `token_uri` is `token_url`, and the public key PEM to register with
/// [`RunningEmulator::register_service_account`](super::RunningEmulator::register_service_account).
/// Uses the cached key of slot 0.
pub fn service_account_key(client_email: &str, token_url: &str) -> (String, String) {
    service_account_key_in_slot(client_email, token_url, 0)
}

/// Like [`service_account_key`] with the cached key of `slot`.
pub fn service_account_key_in_slot(
    client_email: &str,
    token_url: &str,
    slot: usize,
) -> (String, String) {
    let key = TestKey::shared(slot);
    let project = client_email
        .split('@')
        .nth(1)
        .and_then(|d| d.split('.').next())
        .unwrap_or("emulator-project");
    let file = json!({
        "type": "service_account",
        "project_id": project,
        "private_key_id": format!("emulator-key-{slot}"),
        "private_key": key.private_key_pem,
        "client_email": client_email,
        "client_id": "100000000000000000001",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_url,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": format!("https://www.googleapis.com/robot/v1/metadata/x509/{client_email}"),
        "universe_domain": "googleapis.com",
    });
    (
        serde_json::to_string_pretty(&file).expect("JSON"),
        key.public_key_pem,
    )
}

/// A `credentials.json` (Google's "installed" OAuth client secret format, as downloaded from the
/// Cloud console) for a registered installed-app client, pointing its `token_uri` at
/// `token_url`.
pub fn installed_client_secret_json(client: &super::InstalledClient, token_url: &str) -> String {
    let project = client
        .client_id
        .split('-')
        .next()
        .unwrap_or("emulator-project");
    serde_json::to_string_pretty(&json!({
        "installed": {
            "client_id": client.client_id,
            "project_id": project,
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": token_url,
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_secret": client.client_secret,
            "redirect_uris": ["http://localhost"],
        }
    }))
    .expect("JSON")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_json_has_the_installed_shape() {
        let c = super::super::InstalledClient {
            client_id: "123-abc.apps.googleusercontent.com".into(),
            client_secret: "s".into(),
            refresh_token: "r".into(),
            subject: "a@x.edu".into(),
            scopes: vec![],
        };
        let v: Value = serde_json::from_str(&installed_client_secret_json(
            &c,
            "http://127.0.0.1:1/token",
        ))
        .unwrap();
        assert_eq!(
            v["installed"]["client_id"],
            "123-abc.apps.googleusercontent.com"
        );
        assert_eq!(v["installed"]["token_uri"], "http://127.0.0.1:1/token");
        assert!(v["installed"]["redirect_uris"].is_array());
    }

    #[test]
    fn signed_jwt_has_three_base64url_parts() {
        let key = TestKey::shared(0);
        let jwt = key.sign_jwt(&json!({"iss": "a"}));
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header = URL_SAFE_NO_PAD.decode(parts[0]).unwrap();
        assert_eq!(
            serde_json::from_slice::<Value>(&header).unwrap(),
            json!({"alg": "RS256", "typ": "JWT"})
        );
        assert_eq!(URL_SAFE_NO_PAD.decode(parts[2]).unwrap().len(), 256);
        assert!(format!("{key:?}").contains("<redacted>"));
    }
}
