//! Production wiring: PowerSchool and Google from the environment. Secrets are read from
//! environment variables or files and never printed.
//!
//! | variable | meaning |
//! | --- | --- |
//! | `POWERSCHOOL_READ_USER`, `POWERSCHOOL_DB_PASSWORD`, `POWERSCHOOL_PROD_DB` | PowerSchool's Oracle database (needs Oracle Instant Client at run time) |
//! | `GOOGLE_SERVICE_ACCOUNT_KEY` | path of a service-account key file (domain-wide delegation) |
//! | `GOOGLE_ADMIN_SUBJECT` | the admin the service account acts as |
//! | `GOOGLE_CREDENTIALS`, `GOOGLE_TOKEN` | without a service account: the installed-app flow's `credentials.json` and `token.json` (defaults: those names in the working directory) |
//! | `GOOGLE_DIRECTORY_URL` | another API root, e.g. a `directory-emulator` for a rehearsal |
//! | `GOOGLE_QUOTA_PER_MINUTE` | the project's Directory API quota (default 2,400) |
//! | `NEW_USER_PASSWORD` | initial password of created accounts |

use std::io::IsTerminal;
use std::sync::Arc;

use roster_core::SourceError;
use roster_google::{
    ClientConfig, DirectoryClient, GoogleDirectory, InstalledAppAuth, ServiceAccountAuth,
    TokenSource,
};
use roster_sis::powerschool::{OracleBackend, PowerSchoolOptions, PowerSchoolSource};

use crate::error::{ConfigError, GoogleSetupError};

/// PowerSchool over Oracle, credentials from the environment.
pub async fn powerschool_from_env(
    options: PowerSchoolOptions,
) -> Result<PowerSchoolSource<OracleBackend>, SourceError> {
    PowerSchoolSource::oracle_from_env(options).await
}

/// The client settings from the environment (API root, quota).
pub fn client_config_from_env() -> Result<ClientConfig, ConfigError> {
    let mut config = ClientConfig::default();
    if let Ok(url) = std::env::var("GOOGLE_DIRECTORY_URL") {
        config.base_url = url;
    }
    let quota = std::env::var("GOOGLE_QUOTA_PER_MINUTE").ok();
    if let Some(per_second) = crate::settings::quota_per_second(quota.as_deref())? {
        config = config.with_rate(per_second);
    }
    Ok(config)
}

/// The Google directory, authenticated from the environment.
pub async fn google_from_env() -> Result<GoogleDirectory, GoogleSetupError> {
    google_from_env_with(false).await
}

/// [`google_from_env`]; with `licensing`, the credentials also ask for the licensing scope
/// and the target can remove licences (a job with a licence rule).
pub async fn google_from_env_with(licensing: bool) -> Result<GoogleDirectory, GoogleSetupError> {
    let scopes = roster_google::licensing::scopes_for(licensing);
    let mut acting_as = None;
    let auth: Arc<dyn TokenSource> = match std::env::var("GOOGLE_SERVICE_ACCOUNT_KEY") {
        Ok(key) => {
            let subject = std::env::var("GOOGLE_ADMIN_SUBJECT")
                .map_err(|_| ConfigError::MissingAdminSubject)?;
            acting_as = Some(subject.clone());
            Arc::new(
                ServiceAccountAuth::from_key_file(&key, &subject, &scopes)
                    .await
                    .map_err(GoogleSetupError::Auth)?,
            )
        }
        Err(_) => {
            let credentials =
                std::env::var("GOOGLE_CREDENTIALS").unwrap_or_else(|_| "credentials.json".into());
            let token = std::env::var("GOOGLE_TOKEN").unwrap_or_else(|_| "token.json".into());
            if !std::path::Path::new(&credentials).exists() {
                return Err(ConfigError::NoGoogleCredentials { credentials }.into());
            }
            let interactive = std::io::stdin().is_terminal();
            Arc::new(
                InstalledAppAuth::new(&credentials, &token, &scopes, interactive)
                    .await
                    .map_err(GoogleSetupError::Auth)?,
            )
        }
    };
    // A token now: a bad key, an unknown subject or a delegation not granted fails here, in a
    // second and before the SIS is read, not at the first listing call. The token is cached.
    auth.token().await.map_err(GoogleSetupError::Auth)?;
    let client =
        DirectoryClient::new(client_config_from_env()?, auth).map_err(GoogleSetupError::Client)?;
    let mut target = GoogleDirectory::new(Arc::new(client));
    if licensing {
        target = target.with_licensing();
    }
    // The sync never suspends, moves or renames the admin it acts as.
    Ok(match acting_as {
        Some(subject) => target.acting_as(subject),
        None => target,
    })
}
