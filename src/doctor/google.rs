//! The Google checks: the credentials, the admin the service account acts as, every scope the
//! job uses granted by the domain-wide delegation (one token request for the whole set; when
//! refused, one per scope, to name the missing ones), then with a token: the custom schemas
//! the policy writes, and the managed root OUs. Reads only.

use std::path::PathBuf;
use std::sync::Arc;

use roster_core::probe::Check;
use roster_google::auth::{AuthError, SCOPE_ORGUNIT, SCOPE_USERSCHEMA_READONLY};
use roster_google::{
    ClientConfig, DirectoryClient, InstalledAppAuth, ServiceAccountAuth, TokenSource,
};
use serde_json::Value;

use super::Env;
use super::schemas;
use crate::demo::Demo;
use crate::run::AccountJob;

/// How the job gets its Google token.
pub enum Credentials {
    /// A service account's key (its JSON text) and the admin it acts as.
    ServiceAccount {
        /// The key file's contents.
        key_json: Vec<u8>,
        /// Where the key came from, for messages (a path, or `demo`).
        from: String,
        /// `GOOGLE_ADMIN_SUBJECT`, if set.
        subject: Option<String>,
    },
    /// The installed-app flow's `credentials.json` and `token.json`.
    InstalledApp {
        /// The OAuth client file.
        credentials: PathBuf,
        /// The saved authorization.
        token: PathBuf,
    },
    /// None usable: the failing check says why.
    Missing(Check),
}

/// The credentials and the API root to check them against.
pub struct Google {
    /// How the token is had.
    pub credentials: Credentials,
    /// The Directory API root, quota and retries.
    pub config: ClientConfig,
}

const CREDENTIALS: &str = "Google credentials";
const ADMIN: &str = "Google admin";
const SCOPES: &str = "Google scopes";
const SCHEMAS: &str = "custom schemas";
const OUS: &str = "managed OUs";

/// The credentials the environment names, as production reads them
/// ([`crate::wiring::google_from_env_with`]).
pub fn credentials_from_env(env: Env<'_>) -> Google {
    let config = match config_from_env(env) {
        Ok(c) => c,
        Err(check) => {
            return Google {
                credentials: Credentials::Missing(check),
                config: ClientConfig::default(),
            };
        }
    };
    let credentials = match env("GOOGLE_SERVICE_ACCOUNT_KEY") {
        Some(path) => match std::fs::read(&path) {
            Ok(key_json) => Credentials::ServiceAccount {
                key_json,
                from: path,
                subject: env("GOOGLE_ADMIN_SUBJECT").filter(|s| !s.trim().is_empty()),
            },
            Err(e) => Credentials::Missing(Check::fail(
                CREDENTIALS,
                format!("GOOGLE_SERVICE_ACCOUNT_KEY={path:?} cannot be read: {e}"),
                "point GOOGLE_SERVICE_ACCOUNT_KEY at the key file downloaded from the Cloud console, readable by the task's account (docs/DOCTOR.md#google-credentials)",
            )),
        },
        None => {
            let credentials =
                env("GOOGLE_CREDENTIALS").unwrap_or_else(|| "credentials.json".into());
            let token = env("GOOGLE_TOKEN").unwrap_or_else(|| "token.json".into());
            if std::path::Path::new(&credentials).is_file() {
                Credentials::InstalledApp {
                    credentials: credentials.into(),
                    token: token.into(),
                }
            } else {
                Credentials::Missing(Check::fail(
                    CREDENTIALS,
                    format!("GOOGLE_SERVICE_ACCOUNT_KEY is not set and there is no {credentials}"),
                    "set GOOGLE_SERVICE_ACCOUNT_KEY and GOOGLE_ADMIN_SUBJECT (a service account with domain-wide delegation) (docs/DOCTOR.md#google-credentials)",
                ))
            }
        }
    };
    Google {
        credentials,
        config,
    }
}

fn config_from_env(env: Env<'_>) -> Result<ClientConfig, Check> {
    let mut config = ClientConfig::default();
    if let Some(url) = env("GOOGLE_DIRECTORY_URL") {
        config.base_url = url;
    }
    let quota = env("GOOGLE_QUOTA_PER_MINUTE");
    match crate::settings::quota_per_second(quota.as_deref()) {
        Ok(Some(per_second)) => config = config.with_rate(per_second),
        Ok(None) => {}
        Err(e) => {
            return Err(Check::fail(
                CREDENTIALS,
                e.to_string(),
                "fix or unset GOOGLE_QUOTA_PER_MINUTE (docs/DOCTOR.md#settings)",
            ));
        }
    }
    Ok(config)
}

/// The demo's service account against its emulator.
pub fn demo_credentials(demo: &Demo) -> Google {
    let config = ClientConfig {
        base_url: demo.emulator.base_url(),
        ..crate::demo::demo_client_config()
    };
    let credentials = match demo.service_account() {
        Ok((key, admin)) => Credentials::ServiceAccount {
            key_json: key.into_bytes(),
            from: "the demo's key".into(),
            subject: Some(admin),
        },
        Err(e) => Credentials::Missing(Check::fail(
            CREDENTIALS,
            e.to_string(),
            "rerun with a fresh --out directory (docs/DOCTOR.md#demo)",
        )),
    };
    Google {
        credentials,
        config,
    }
}

/// Every Google check for the job.
pub async fn checks(job: &AccountJob, google: Google) -> Vec<Check> {
    let scopes = roster_google::licensing::scopes_for(job.licence().is_some());
    let (mut out, auth, granted) = match google.credentials {
        Credentials::Missing(check) => (vec![check], None, Vec::new()),
        Credentials::ServiceAccount {
            key_json,
            from,
            subject,
        } => service_account(&key_json, &from, subject.as_deref(), &scopes).await,
        Credentials::InstalledApp { credentials, token } => {
            installed_app(&credentials, &token, &scopes).await
        }
    };
    let Some(auth) = auth else {
        for name in [ADMIN, SCOPES, SCHEMAS, OUS] {
            if !out.iter().any(|c| c.name == name) {
                out.push(Check::skipped(name, "no Google token (see above)"));
            }
        }
        return out;
    };
    let client = match DirectoryClient::new(google.config, auth) {
        Ok(c) => c,
        Err(e) => {
            out.push(Check::fail(
                SCHEMAS,
                e.to_string(),
                "check GOOGLE_DIRECTORY_URL (docs/DOCTOR.md#google-credentials)",
            ));
            return out;
        }
    };
    let has = |s: &str| granted.iter().any(|g| g == s);
    out.push(if has(SCOPE_USERSCHEMA_READONLY) {
        schema_check(job, &client).await
    } else {
        Check::skipped(SCHEMAS, "needs the userschema.readonly scope")
    });
    out.push(if has(SCOPE_ORGUNIT) {
        ou_check(job, &client).await
    } else {
        Check::skipped(OUS, "needs the orgunit scope")
    });
    out
}

type Outcome = (Vec<Check>, Option<Arc<dyn TokenSource>>, Vec<String>);

fn short(scope: &str) -> &str {
    scope
        .strip_prefix("https://www.googleapis.com/auth/")
        .unwrap_or(scope)
}

async fn token(
    key: &[u8],
    subject: &str,
    scopes: &[&str],
) -> Result<ServiceAccountAuth, AuthError> {
    let auth = ServiceAccountAuth::from_key_json(key, subject, scopes).await?;
    auth.token().await?;
    Ok(auth)
}

async fn service_account(
    key: &[u8],
    from: &str,
    subject: Option<&str>,
    scopes: &[&str],
) -> Outcome {
    let key_fix = "download a new JSON key for the service account (IAM > Service accounts > Keys) and point GOOGLE_SERVICE_ACCOUNT_KEY at it (docs/DOCTOR.md#google-credentials)";
    let parsed: Option<Value> = serde_json::from_slice(key).ok();
    let field = |k: &str| {
        parsed
            .as_ref()
            .and_then(|v| v.get(k))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let (Some(email), Some(client_id)) = (field("client_email"), field("client_id")) else {
        return (
            vec![Check::fail(
                CREDENTIALS,
                format!("{from} is not a service-account key (no client_email or client_id)"),
                key_fix,
            )],
            None,
            Vec::new(),
        );
    };
    let who = format!("service account {email} (client ID {client_id})");
    let Some(subject) = subject else {
        return (
            vec![
                Check::ok(CREDENTIALS, who),
                Check::fail(
                    ADMIN,
                    "GOOGLE_ADMIN_SUBJECT is not set",
                    "set GOOGLE_ADMIN_SUBJECT to a super admin's address (docs/DOCTOR.md#google-admin)",
                ),
            ],
            None,
            Vec::new(),
        );
    };
    let delegation_fix = |client_id: &str| {
        format!(
            "Admin console > Security > Access and data control > API controls > Domain-wide delegation: give client ID {client_id} exactly these scopes: {} (docs/DOCTOR.md#google-scopes)",
            scopes.join(",")
        )
    };
    let all_names: Vec<&str> = scopes.iter().map(|s| short(s)).collect();
    match token(key, subject, scopes).await {
        Ok(auth) => (
            vec![
                Check::ok(CREDENTIALS, who),
                Check::ok(ADMIN, format!("acting as {subject}")),
                Check::ok(
                    SCOPES,
                    format!("all {} granted: {}", scopes.len(), all_names.join(", ")),
                ),
            ],
            Some(Arc::new(auth)),
            scopes.iter().map(|s| s.to_string()).collect(),
        ),
        Err(e) if e.to_string().contains("unauthorized_client") => {
            // Which ones: a token per scope.
            let mut granted = Vec::new();
            let mut missing = Vec::new();
            for s in scopes {
                match token(key, subject, &[s]).await {
                    Ok(_) => granted.push(*s),
                    Err(_) => missing.push(short(s)),
                }
            }
            let admin = if granted.is_empty() {
                Check::skipped(ADMIN, "no scope is granted to check it with")
            } else {
                Check::ok(ADMIN, format!("acting as {subject}"))
            };
            let auth: Option<Arc<dyn TokenSource>> = match granted.is_empty() {
                true => None,
                false => token(key, subject, &granted)
                    .await
                    .ok()
                    .map(|a| Arc::new(a) as Arc<dyn TokenSource>),
            };
            (
                vec![
                    Check::ok(CREDENTIALS, who),
                    admin,
                    Check::fail(
                        SCOPES,
                        format!(
                            "the domain-wide delegation does not grant {} of {}: {} (Google: unauthorized_client)",
                            missing.len(),
                            scopes.len(),
                            missing.join(", ")
                        ),
                        delegation_fix(&client_id),
                    ),
                ],
                auth,
                granted.iter().map(|s| s.to_string()).collect(),
            )
        }
        Err(e) if e.to_string().contains("Invalid email or User ID") => (
            vec![
                Check::ok(CREDENTIALS, who),
                Check::fail(
                    ADMIN,
                    format!(
                        "Google does not know {subject:?} as a user of the domain (invalid_grant)"
                    ),
                    "set GOOGLE_ADMIN_SUBJECT to an existing super admin's primary address (docs/DOCTOR.md#google-admin)",
                ),
                Check::skipped(SCOPES, "needs the admin above"),
            ],
            None,
            Vec::new(),
        ),
        Err(e @ AuthError::Unreachable(_)) => (
            vec![Check::fail(
                CREDENTIALS,
                e.to_string(),
                "let this machine reach oauth2.googleapis.com:443 (proxy, firewall) (docs/DOCTOR.md#google-credentials)",
            )],
            None,
            Vec::new(),
        ),
        Err(e) => (
            vec![Check::fail(CREDENTIALS, format!("{who}: {e}"), key_fix)],
            None,
            Vec::new(),
        ),
    }
}

async fn installed_app(
    credentials: &std::path::Path,
    token: &std::path::Path,
    scopes: &[&str],
) -> Outcome {
    let fix = "run the binary once by hand on this machine to sign in (it writes token.json), or use a service account (docs/DOCTOR.md#google-credentials)";
    let auth = match InstalledAppAuth::new(credentials, token, scopes, false).await {
        Ok(a) => a,
        Err(e) => {
            return (
                vec![Check::fail(CREDENTIALS, e.to_string(), fix)],
                None,
                Vec::new(),
            );
        }
    };
    match auth.token().await {
        Ok(_) => (
            vec![
                Check::ok(
                    CREDENTIALS,
                    format!("installed-app flow ({})", token.display()),
                ),
                Check::skipped(
                    ADMIN,
                    "the installed-app flow acts as the admin who signed in",
                ),
                Check::ok(SCOPES, "granted together by the sign-in in token.json"),
            ],
            Some(Arc::new(auth)),
            scopes.iter().map(|s| s.to_string()).collect(),
        ),
        Err(e) => (
            vec![Check::fail(CREDENTIALS, e.to_string(), fix)],
            None,
            Vec::new(),
        ),
    }
}

async fn schema_check(job: &AccountJob, client: &DirectoryClient) -> Check {
    let written = schemas::written(job);
    if written.is_empty() {
        return Check::ok(SCHEMAS, "the policy writes no custom schema");
    }
    let mut problems = Vec::new();
    for (schema, fields) in &written {
        match client.get_schema(schema).await {
            Ok(found) => problems.extend(schemas::problems(schema, fields, Some(&found))),
            Err(e) if e.is_not_found() => problems.extend(schemas::problems(schema, fields, None)),
            Err(e) => {
                return Check::fail(
                    SCHEMAS,
                    format!("reading schema {schema}: {e}"),
                    "make GOOGLE_ADMIN_SUBJECT a super admin (docs/DOCTOR.md#custom-schemas)",
                );
            }
        }
    }
    if problems.is_empty() {
        let n: usize = written.values().map(|f| f.len()).sum();
        let names: Vec<&str> = written.keys().map(String::as_str).collect();
        return Check::ok(
            SCHEMAS,
            format!(
                "{} ({n} fields) exist with compatible types",
                names.join(", ")
            ),
        );
    }
    Check::fail(
        SCHEMAS,
        problems.join("; "),
        "Admin console > Directory > Users > More options > Manage custom attributes: add or fix these fields (docs/DOCTOR.md#custom-schemas)",
    )
}

async fn ou_check(job: &AccountJob, client: &DirectoryClient) -> Check {
    let roots = &job.policy.managed_roots;
    let mut missing = Vec::new();
    for root in roots {
        match client.get_org_unit(root.as_str()).await {
            Ok(_) => {}
            Err(e) if e.is_not_found() => missing.push(root.to_string()),
            Err(e) => {
                return Check::fail(
                    OUS,
                    format!("reading {root}: {e}"),
                    "make GOOGLE_ADMIN_SUBJECT a super admin (docs/DOCTOR.md#managed-ous)",
                );
            }
        }
    }
    if missing.is_empty() {
        let names: Vec<String> = roots.iter().map(ToString::to_string).collect();
        return Check::ok(OUS, format!("{} exist", names.join(", ")));
    }
    Check::fail(
        OUS,
        format!("do not exist: {}", missing.join(", ")),
        "create them in the Admin console (Directory > Organizational units), or fix the policy's managed roots (docs/DOCTOR.md#managed-ous)",
    )
}
