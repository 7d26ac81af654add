//! Auth end to end against the emulator's token endpoint: the service-account JWT-bearer
//! flow with domain-wide delegation, and the installed-app flow with a pre-written
//! `token.json` refreshed without a browser.

mod client_support;

use std::path::Path;
use std::sync::Arc;

use client_support::*;
use roster_google::auth::{DEFAULT_SCOPES, InstalledAppAuth, ServiceAccountAuth, TokenSource};
use roster_google::client::{DirectoryClient, ListUsers, Projection};
use roster_google_emulator::InstalledClient;
use roster_google_emulator::test_keys::{service_account_key, service_account_key_in_slot};
use serde_json::{Value, json};

const SA: &str = "roster-sync@d118-project.iam.gserviceaccount.com";

fn client_for(
    emu: &roster_google_emulator::RunningEmulator,
    auth: impl TokenSource + 'static,
) -> DirectoryClient {
    DirectoryClient::new(config(emu), Arc::new(auth)).unwrap()
}

#[tokio::test]
async fn service_account_with_domain_wide_delegation() {
    let emu = emulator();
    emu.add_org_unit("/Students").unwrap();
    add_user(&emu, "kid@d118.org", "K", "Id", "/Students");
    // The key pair is generated at run time; the emulator knows only its public half.
    let (key_json, public_pem) = service_account_key(SA, &emu.token_url());
    emu.register_service_account(SA, &public_pem, &[ADMIN])
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key_path = dir.path().join("service-account.json");
    std::fs::write(&key_path, &key_json).unwrap();

    let auth = ServiceAccountAuth::from_key_file(&key_path, ADMIN, DEFAULT_SCOPES)
        .await
        .unwrap();
    let debug = format!("{auth:?}");
    assert!(
        debug.contains(SA) && !debug.contains("PRIVATE KEY"),
        "{debug}"
    );
    let c = client_for(&emu, auth);
    let users = c.list_users(&ListUsers::default()).await.unwrap();
    assert_eq!(users.len(), 1);
    for _ in 0..5 {
        c.get_user("kid@d118.org", &Projection::Basic, None)
            .await
            .unwrap();
    }
    c.list_schemas().await.unwrap();
    assert_eq!(
        counter(&emu, "oauth2.token"),
        1,
        "one token exchange, then the cached token"
    );
}

#[tokio::test]
async fn service_account_refusals_are_auth_errors() {
    let emu = emulator();
    emu.add_org_unit("/Students").unwrap();
    let (key_json, public_pem) = service_account_key(SA, &emu.token_url());
    emu.register_service_account(SA, &public_pem, &[ADMIN])
        .unwrap();

    // A subject the account may not impersonate.
    let auth = ServiceAccountAuth::from_key_json(&key_json, "kid@d118.org", DEFAULT_SCOPES)
        .await
        .unwrap();
    let e = client_for(&emu, auth)
        .get_user("kid@d118.org", &Projection::Basic, None)
        .await
        .unwrap_err();
    assert_eq!(
        (e.status, e.reason.as_str(), e.retryable),
        (401, "authError", false)
    );

    // A key the emulator does not know (signed with another key pair).
    let (other_key, _) = service_account_key_in_slot(SA, &emu.token_url(), 1);
    let auth = ServiceAccountAuth::from_key_json(&other_key, ADMIN, DEFAULT_SCOPES)
        .await
        .unwrap();
    let e = client_for(&emu, auth).list_schemas().await.unwrap_err();
    assert_eq!(
        (e.status, e.reason.as_str(), e.retryable),
        (401, "authError", false)
    );
    assert!(
        e.message.to_lowercase().contains("signature"),
        "{}",
        e.message
    );
    assert_eq!(emu.total_calls(), 0, "no API call without a token");

    // Not a key at all.
    let e = ServiceAccountAuth::from_key_json("{}", ADMIN, DEFAULT_SCOPES)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("service account key"), "{e}");
}

const CLIENT_ID: &str = "123456-abc.apps.googleusercontent.com";
const CLIENT_SECRET: &str = "GOCSPX-test-secret";
const REFRESH: &str = "1//0refresh-token-for-tests";

fn write_credentials(dir: &Path, token_url: &str) -> std::path::PathBuf {
    let path = dir.join("credentials.json");
    let creds = json!({"installed": {
        "client_id": CLIENT_ID, "project_id": "d118-sync",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_url,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_secret": CLIENT_SECRET, "redirect_uris": ["http://localhost"]
    }});
    std::fs::write(&path, creds.to_string()).unwrap();
    path
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn installed_app_refreshes_a_saved_token_without_a_browser() {
    let emu = emulator();
    emu.add_org_unit("/Students").unwrap();
    add_user(&emu, "kid@d118.org", "K", "Id", "/Students");
    emu.register_installed_client(InstalledClient {
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        refresh_token: REFRESH.into(),
        subject: ADMIN.into(),
        scopes: DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect(),
    });
    let dir = tempfile::tempdir().unwrap();
    let creds = write_credentials(dir.path(), &emu.token_url());
    // token.json as the seeds' Python scripts leave it: an expired access token.
    let token_path = dir.path().join("token.json");
    std::fs::write(
        &token_path,
        json!({
            "token": "ya29.expired", "refresh_token": REFRESH, "token_uri": emu.token_url(),
            "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "scopes": DEFAULT_SCOPES,
            "universe_domain": "googleapis.com", "account": "",
            "expiry": "2020-01-01T00:00:00.000000Z"
        })
        .to_string(),
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&token_path, std::fs::Permissions::from_mode(0o644)).unwrap();
    }

    let auth = InstalledAppAuth::new(&creds, &token_path, DEFAULT_SCOPES, false)
        .await
        .unwrap();
    let c = client_for(&emu, auth);
    let u = c
        .get_user("kid@d118.org", &Projection::Basic, None)
        .await
        .unwrap();
    assert_eq!(u.primary_email.as_deref(), Some("kid@d118.org"));
    assert_eq!(counter(&emu, "oauth2.token"), 1);

    let saved: Value = serde_json::from_slice(&std::fs::read(&token_path).unwrap()).unwrap();
    assert_ne!(
        saved["token"], "ya29.expired",
        "a new access token was saved"
    );
    assert_eq!(saved["refresh_token"], REFRESH, "the refresh token is kept");
    assert_eq!(saved["account"], "", "unknown keys survive");
    let expiry = chrono::DateTime::parse_from_rfc3339(saved["expiry"].as_str().unwrap()).unwrap();
    assert!(expiry > chrono::Utc::now());
    assert_eq!(mode(&token_path), 0o600, "token file is private");

    // The next run reads the saved, still valid token: no token request.
    let auth = InstalledAppAuth::new(&creds, &token_path, DEFAULT_SCOPES, false)
        .await
        .unwrap();
    client_for(&emu, auth)
        .get_user("kid@d118.org", &Projection::Basic, None)
        .await
        .unwrap();
    assert_eq!(counter(&emu, "oauth2.token"), 1);
}

#[tokio::test]
async fn installed_app_without_a_usable_token_fails_instead_of_waiting_for_a_browser() {
    let emu = emulator();
    emu.register_installed_client(InstalledClient {
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        refresh_token: REFRESH.into(),
        subject: ADMIN.into(),
        scopes: DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect(),
    });
    let dir = tempfile::tempdir().unwrap();
    let creds = write_credentials(dir.path(), &emu.token_url());

    // No token.json at all.
    let token_path = dir.path().join("token.json");
    let auth = InstalledAppAuth::new(&creds, &token_path, DEFAULT_SCOPES, false)
        .await
        .unwrap();
    let e = tokio::time::timeout(std::time::Duration::from_secs(10), auth.token())
        .await
        .expect("fails fast")
        .unwrap_err();
    assert!(
        e.to_string().contains("interactive consent is disabled"),
        "{e}"
    );

    // A revoked refresh token.
    std::fs::write(
        &token_path,
        json!({"refresh_token": "1//revoked", "scopes": DEFAULT_SCOPES}).to_string(),
    )
    .unwrap();
    let auth = InstalledAppAuth::new(&creds, &token_path, DEFAULT_SCOPES, false)
        .await
        .unwrap();
    let e = client_for(&emu, auth).list_schemas().await.unwrap_err();
    assert_eq!(
        (e.status, e.reason.as_str(), e.retryable),
        (401, "authError", false)
    );
}

/// Hands out a stale token until asked to refresh.
#[derive(Debug)]
struct Stale {
    good: String,
    refreshed: std::sync::atomic::AtomicBool,
}

#[async_trait::async_trait]
impl TokenSource for Stale {
    async fn token(&self) -> Result<roster_core::Secret, roster_google::auth::AuthError> {
        Ok(
            if self.refreshed.load(std::sync::atomic::Ordering::SeqCst) {
                roster_core::Secret::new(self.good.clone())
            } else {
                roster_core::Secret::new("ya29.revoked")
            },
        )
    }
    async fn refresh(&self) -> Result<roster_core::Secret, roster_google::auth::AuthError> {
        self.refreshed
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.token().await
    }
}

#[tokio::test]
async fn a_401_from_the_api_forces_one_token_refresh() {
    let emu = emulator();
    emu.add_org_unit("/Students").unwrap();
    add_user(&emu, "kid@d118.org", "K", "Id", "/Students");
    let c = client_for(
        &emu,
        Stale {
            good: emu.issue_access_token(ADMIN),
            refreshed: Default::default(),
        },
    );
    // A write too: the request was refused before it ran, so sending it again is safe.
    c.patch_user(
        "kid@d118.org",
        &roster_google::client::User {
            suspended: Some(true),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(emu.user("kid@d118.org").unwrap()["suspended"], true);
    assert_eq!(emu.events().get("unauthorized").copied(), Some(1));
    assert_eq!(c.api_calls(), 2);
}
