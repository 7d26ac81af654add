//! The emulated OAuth token endpoint (JWT-bearer and refresh-token grants) and bearer-token
//! checks on API calls, over real HTTP.

use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::Client;
use roster_google_emulator::test_keys::{TestKey, service_account_key};
use roster_google_emulator::{Auth, Emulator, EmulatorConfig, InstalledClient, RunningEmulator};
use serde_json::{Value, json};

const SA: &str = "roster-sync@d118-roster.iam.gserviceaccount.com";
const ADMIN: &str = "admin@d118.org";
const USER_SCOPE: &str = "https://www.googleapis.com/auth/admin.directory.user";
const READONLY_SCOPE: &str = "https://www.googleapis.com/auth/admin.directory.user.readonly";

fn start() -> RunningEmulator {
    let emu = Emulator::start(EmulatorConfig {
        domains: vec!["d118.org".into()],
        ..Default::default()
    })
    .unwrap();
    let (_key_file, public_pem) = service_account_key(SA, &emu.token_url());
    emu.register_service_account(SA, &public_pem, &[ADMIN])
        .unwrap();
    emu
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn claims(emu: &RunningEmulator) -> Value {
    json!({
        "iss": SA,
        "sub": ADMIN,
        "scope": format!("{USER_SCOPE} https://www.googleapis.com/auth/admin.directory.orgunit"),
        "aud": emu.token_url(),
        "iat": now(),
        "exp": now() + 3600,
    })
}

async fn token_request(emu: &RunningEmulator, form: &[(&str, &str)]) -> (u16, Value) {
    let resp = Client::new()
        .post(emu.token_url())
        .form(form)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

async fn jwt_grant(emu: &RunningEmulator, assertion: &str) -> (u16, Value) {
    token_request(
        emu,
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", assertion),
        ],
    )
    .await
}

async fn list_users(emu: &RunningEmulator, token: Option<&str>) -> (u16, Value) {
    let mut req = Client::new().get(format!("{}/users?customer=my_customer", emu.base_url()));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

#[tokio::test]
async fn api_calls_need_a_valid_bearer_token() {
    let emu = start();
    let resp = Client::new()
        .get(format!("{}/users?customer=my_customer", emu.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(
        resp.headers()
            .get("www-authenticate")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body,
        json!({"error": {"code": 401, "message": "Invalid Credentials", "status": "UNAUTHENTICATED", "errors": [
            {"domain": "global", "reason": "authError", "message": "Invalid Credentials"}]}})
    );
    assert_eq!(list_users(&emu, Some("ya29.made-up")).await.0, 401);
    let token = emu.issue_access_token(ADMIN);
    assert_eq!(list_users(&emu, Some(&token)).await.0, 200);
    // access_token query parameter works too
    let resp = Client::new()
        .get(format!(
            "{}/users?customer=my_customer&access_token={token}",
            emu.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // revoked (expired) tokens are refused
    emu.revoke_access_tokens();
    assert_eq!(list_users(&emu, Some(&token)).await.0, 401);
    let token = emu.issue_access_token(ADMIN);
    assert_eq!(list_users(&emu, Some(&token)).await.0, 200);
    // open mode needs nothing
    emu.set_auth(Auth::Open);
    assert_eq!(list_users(&emu, None).await.0, 200);
    assert_eq!(emu.events()["unauthorized"], 3);
}

#[tokio::test]
async fn jwt_bearer_grant_end_to_end() {
    let emu = start();
    let (key_file, _) = service_account_key(SA, &emu.token_url());
    let key_file: Value = serde_json::from_str(&key_file).unwrap();
    assert_eq!(key_file["type"], "service_account");
    assert_eq!(key_file["client_email"], SA);
    assert_eq!(key_file["token_uri"], emu.token_url());
    let pem = key_file["private_key"].as_str().unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    for field in ["project_id", "private_key_id", "client_id"] {
        assert!(key_file[field].is_string(), "{field}");
    }

    // sign with the key file's private key, as a client library would
    let assertion = roster_google_emulator::test_keys::sign_jwt(pem, &claims(&emu));
    let (status, body) = jwt_grant(&emu, &assertion).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(list_users(&emu, Some(token)).await.0, 200);
    let resp = Client::new()
        .post(format!("{}/customer/my_customer/orgunits", emu.base_url()))
        .bearer_auth(token)
        .json(&json!({"name": "Students", "parentOrgUnitPath": "/"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // the token carries no group scope: groups.list is refused
    let resp = Client::new()
        .get(format!("{}/groups?customer=my_customer", emu.base_url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["error"]["errors"][0]["reason"], "insufficientPermissions");
    // localhost form of the token URL is accepted as audience too
    let mut c = claims(&emu);
    c["aud"] = json!(format!("http://localhost:{}/token", emu.addr().port()));
    assert_eq!(
        jwt_grant(&emu, &TestKey::shared(0).sign_jwt(&c)).await.0,
        200
    );
    assert_eq!(emu.counters()["oauth2.token"], 2);
}

/// google-auth and Node's googleapis sign the JWT for Google's token audience whatever
/// `token_uri` the key file names: the emulator accepts that audience, so a stock client
/// works with only the API endpoint and `token_uri` changed.
#[tokio::test]
async fn google_token_audience_is_accepted_like_stock_clients_send_it() {
    let emu = start();
    let mut c = claims(&emu);
    c["aud"] = json!(roster_google_emulator::GOOGLE_TOKEN_AUDIENCE);
    assert_eq!(c["aud"], "https://oauth2.googleapis.com/token");
    let (status, body) = jwt_grant(&emu, &TestKey::shared(0).sign_jwt(&c)).await;
    assert_eq!(status, 200, "{body}");
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(list_users(&emu, Some(token)).await.0, 200);
}

#[tokio::test]
async fn jwt_bearer_grant_rejections() {
    let emu = start();
    let good = TestKey::shared(0);
    let invalid_grant = |body: &Value, description: &str| {
        assert_eq!(
            body,
            &json!({"error": "invalid_grant", "error_description": description})
        );
    };

    // signed with another key
    let other = TestKey::shared(1);
    assert_ne!(other.public_key_pem, good.public_key_pem);
    let (s, b) = jwt_grant(&emu, &other.sign_jwt(&claims(&emu))).await;
    assert_eq!(s, 400);
    invalid_grant(&b, "Invalid JWT Signature.");

    // tampered claims (signature no longer matches)
    let token = good.sign_jwt(&claims(&emu));
    let parts: Vec<&str> = token.split('.').collect();
    let mut forged = claims(&emu);
    forged["sub"] = json!("someone@d118.org");
    use base64::Engine;
    let forged_body = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(forged.to_string());
    let (s, b) = jwt_grant(&emu, &format!("{}.{}.{}", parts[0], forged_body, parts[2])).await;
    assert_eq!(s, 400);
    invalid_grant(&b, "Invalid JWT Signature.");

    // wrong audience (neither the emulator's token URL nor Google's)
    let mut c = claims(&emu);
    c["aud"] = json!("https://accounts.example.com/token");
    let (s, b) = jwt_grant(&emu, &good.sign_jwt(&c)).await;
    assert_eq!(s, 400);
    assert_eq!(b["error"], "invalid_grant");
    assert!(
        b["error_description"]
            .as_str()
            .unwrap()
            .contains("audience")
    );

    // expired, and absurdly long-lived
    let too_old = "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.";
    let mut c = claims(&emu);
    c["iat"] = json!(now() - 4000);
    c["exp"] = json!(now() - 400);
    let (s, b) = jwt_grant(&emu, &good.sign_jwt(&c)).await;
    assert_eq!(s, 400);
    invalid_grant(&b, too_old);
    let mut c = claims(&emu);
    c["exp"] = json!(now() + 86_400);
    let (_, b) = jwt_grant(&emu, &good.sign_jwt(&c)).await;
    invalid_grant(&b, too_old);

    // subject that is not a registered admin
    let mut c = claims(&emu);
    c["sub"] = json!("student@d118.org");
    let (s, b) = jwt_grant(&emu, &good.sign_jwt(&c)).await;
    assert_eq!(s, 400);
    invalid_grant(&b, "Invalid email or User ID");

    // unknown service account
    let mut c = claims(&emu);
    c["iss"] = json!("stranger@other.iam.gserviceaccount.com");
    let (_, b) = jwt_grant(&emu, &good.sign_jwt(&c)).await;
    invalid_grant(&b, "Invalid grant: account not found");

    // no directory scope
    let mut c = claims(&emu);
    c["scope"] = json!("https://www.googleapis.com/auth/drive");
    let (s, b) = jwt_grant(&emu, &good.sign_jwt(&c)).await;
    assert_eq!(s, 400);
    assert_eq!(b["error"], "invalid_scope");

    // garbage and unsupported grant types
    let (s, b) = jwt_grant(&emu, "not-a-jwt").await;
    assert_eq!(s, 400);
    assert_eq!(b["error"], "invalid_grant");
    let (s, b) = token_request(&emu, &[("grant_type", "password")]).await;
    assert_eq!(s, 400);
    assert_eq!(b["error"], "unsupported_grant_type");
    assert_eq!(emu.events()["tokenRejected"], 10);
}

#[tokio::test]
async fn service_account_without_sub_or_with_readonly_scope() {
    let emu = start();
    let key = TestKey::shared(0);
    // no `sub`: the token acts as the service account, which is not an admin
    let mut c = claims(&emu);
    c.as_object_mut().unwrap().remove("sub");
    let (s, b) = jwt_grant(&emu, &key.sign_jwt(&c)).await;
    assert_eq!(s, 200);
    let (s, e) = list_users(&emu, b["access_token"].as_str()).await;
    assert_eq!(s, 403);
    assert_eq!(e["error"]["errors"][0]["reason"], "forbidden");

    // read-only scope: list works, insert is refused
    let mut c = claims(&emu);
    c["scope"] = json!(READONLY_SCOPE);
    let (_, b) = jwt_grant(&emu, &key.sign_jwt(&c)).await;
    let token = b["access_token"].as_str().unwrap();
    assert_eq!(list_users(&emu, Some(token)).await.0, 200);
    let resp = Client::new()
        .post(format!("{}/users", emu.base_url()))
        .bearer_auth(token)
        .json(&json!({"primaryEmail": "n@d118.org", "name": {"givenName": "N", "familyName": "N"}, "password": "12345678"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert!(emu.users().is_empty());

    // delegation restricted to read-only scopes refuses the write scope at the token endpoint
    let sa2 = "ro@d118-roster.iam.gserviceaccount.com";
    emu.register_service_account_with_scopes(sa2, &key.public_key_pem, &[ADMIN], &[READONLY_SCOPE])
        .unwrap();
    let mut c = claims(&emu);
    c["iss"] = json!(sa2);
    let (s, b) = jwt_grant(&emu, &key.sign_jwt(&c)).await;
    assert_eq!(s, 401);
    assert_eq!(b["error"], "unauthorized_client");
    assert!(
        emu.register_service_account("x@y", "not a key", &[ADMIN])
            .is_err()
    );
}

#[tokio::test]
async fn refresh_token_grant_for_installed_app() {
    let emu = start();
    emu.register_installed_client(InstalledClient {
        client_id: "123-abc.apps.googleusercontent.com".into(),
        client_secret: "s3cret".into(),
        refresh_token: "1//refresh".into(),
        subject: ADMIN.into(),
        scopes: vec![USER_SCOPE.into()],
    });
    let grant = |id: &'static str, secret: &'static str, refresh: &'static str| {
        let emu = &emu;
        async move {
            token_request(
                emu,
                &[
                    ("grant_type", "refresh_token"),
                    ("client_id", id),
                    ("client_secret", secret),
                    ("refresh_token", refresh),
                ],
            )
            .await
        }
    };
    let (s, b) = grant("123-abc.apps.googleusercontent.com", "s3cret", "1//refresh").await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["token_type"], "Bearer");
    assert_eq!(list_users(&emu, b["access_token"].as_str()).await.0, 200);

    let (s, b) = grant("123-abc.apps.googleusercontent.com", "wrong", "1//refresh").await;
    assert_eq!(s, 401);
    assert_eq!(b["error"], "invalid_client");
    let (s, b) = grant("nobody", "s3cret", "1//refresh").await;
    assert_eq!(s, 401);
    assert_eq!(
        b,
        json!({"error": "invalid_client", "error_description": "The OAuth client was not found."})
    );
    let (s, b) = grant("123-abc.apps.googleusercontent.com", "s3cret", "1//stale").await;
    assert_eq!(s, 400);
    assert_eq!(
        b,
        json!({"error": "invalid_grant", "error_description": "Token has been expired or revoked."})
    );
}
