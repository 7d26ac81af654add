//! Access tokens for the Directory API.
//!
//! The client asks a [`TokenSource`] for a bearer token before every request. Three sources:
//! - [`ServiceAccountAuth`]: a service-account key file with domain-wide delegation; the JWT
//!   (signed with the key, `sub` = an admin address) is exchanged at the key's `token_uri`.
//! - [`InstalledAppAuth`]: the installed-app (desktop) OAuth flow with the seeds'
//!   `credentials.json` and `token.json` (Python google-auth's format, written 0600); a
//!   persisted token with a `refresh_token` is refreshed without a browser.
//! - [`StaticToken`]: a fixed token (tests, or a token minted elsewhere).
//!
//! Both OAuth flows run on `yup-oauth2` 12 with its default hyper client, whose rustls
//! connector is built with `https_or_http()`: `http://127.0.0.1` token endpoints (the
//! emulator) work as well as Google's https one.

mod token_file;

use std::fmt;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::Duration;

use async_trait::async_trait;
use roster_core::Secret;
use yup_oauth2::authenticator::Authenticator;
use yup_oauth2::authenticator_delegate::InstalledFlowDelegate;
use yup_oauth2::{
    DefaultHyperClientBuilder, HyperClientBuilder, InstalledFlowAuthenticator,
    InstalledFlowReturnMethod, ServiceAccountAuthenticator, ServiceAccountKey,
};

pub use token_file::{TokenFile, TokenFileContents};

/// Manage users (create, rename, move, suspend, custom schema values).
pub const SCOPE_USER: &str = "https://www.googleapis.com/auth/admin.directory.user";
/// Read and create organizational units.
pub const SCOPE_ORGUNIT: &str = "https://www.googleapis.com/auth/admin.directory.orgunit";
/// Remove a suspended user from their groups.
pub const SCOPE_GROUP_MEMBER: &str = "https://www.googleapis.com/auth/admin.directory.group.member";
/// Find the groups a user belongs to (`groups.list?userKey=`), before removing them.
pub const SCOPE_GROUP_READONLY: &str =
    "https://www.googleapis.com/auth/admin.directory.group.readonly";
/// The broader group scope (an alternative to [`SCOPE_GROUP_MEMBER`]).
pub const SCOPE_GROUP: &str = "https://www.googleapis.com/auth/admin.directory.group";
/// Read custom schema definitions (to send values with the field's declared type).
pub const SCOPE_USERSCHEMA_READONLY: &str =
    "https://www.googleapis.com/auth/admin.directory.userschema.readonly";

/// Every scope the client needs.
pub const DEFAULT_SCOPES: &[&str] = &[
    SCOPE_USER,
    SCOPE_ORGUNIT,
    SCOPE_GROUP_READONLY,
    SCOPE_GROUP_MEMBER,
    SCOPE_USERSCHEMA_READONLY,
];

/// Why no access token could be had.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("cannot read {path}: {source}")]
    /// A credentials or token file could not be read.
    Read {
        /// The file.
        path: PathBuf,
        #[source]
        /// The I/O error.
        source: std::io::Error,
    },
    #[error("invalid {what}: {message}")]
    /// A key, a token or a response is malformed or was refused.
    Invalid {
        /// What was read (`service account key`, `token response`, ...).
        what: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// The token endpoint could not be reached (worth retrying).
    #[error("token endpoint unreachable: {0}")]
    Unreachable(String),
    /// The token endpoint refused (bad key, wrong subject, revoked refresh token, ...).
    #[error("token request refused: {0}")]
    Refused(String),
    /// No usable token and interactive consent is not allowed.
    #[error(
        "no usable token in {0} and interactive consent is disabled: run the installed-app login once"
    )]
    ConsentRequired(PathBuf),
}

impl AuthError {
    /// Whether asking again later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, AuthError::Unreachable(_))
    }

    fn from_yup(e: yup_oauth2::Error) -> Self {
        use yup_oauth2::Error as Y;
        match e {
            Y::HttpError(_) | Y::HttpClientError(_) => AuthError::Unreachable(e.to_string()),
            other => AuthError::Refused(other.to_string()),
        }
    }
}

/// Where the client gets its bearer token. Implementations cache and refresh as needed.
#[async_trait]
pub trait TokenSource: Send + Sync + fmt::Debug {
    /// A currently valid access token.
    async fn token(&self) -> Result<Secret, AuthError>;
    /// A fresh token, ignoring any cached one (after the API answered 401).
    async fn refresh(&self) -> Result<Secret, AuthError> {
        self.token().await
    }
}

/// A fixed bearer token.
#[derive(Debug, Clone)]
pub struct StaticToken(Secret);

impl StaticToken {
    /// A source that always returns `token`.
    pub fn new(token: impl Into<String>) -> Self {
        StaticToken(Secret::new(token))
    }
}

#[async_trait]
impl TokenSource for StaticToken {
    async fn token(&self) -> Result<Secret, AuthError> {
        Ok(self.0.clone())
    }
}

type Connector = <DefaultHyperClientBuilder as HyperClientBuilder>::Connector;

const TOKEN_TIMEOUT: Duration = Duration::from_secs(30);

async fn fetch(
    auth: &Authenticator<Connector>,
    scopes: &[String],
    force: bool,
) -> Result<Secret, AuthError> {
    let t = if force {
        auth.force_refreshed_token(scopes).await
    } else {
        auth.token(scopes).await
    }
    .map_err(AuthError::from_yup)?;
    t.token()
        .map(Secret::new)
        .ok_or_else(|| AuthError::Refused("the token endpoint returned no access token".into()))
}

fn http_client() -> DefaultHyperClientBuilder {
    DefaultHyperClientBuilder::default().with_timeout(TOKEN_TIMEOUT)
}

/// A service account with domain-wide delegation acting as `subject` (an admin address).
pub struct ServiceAccountAuth {
    auth: Authenticator<Connector>,
    client_email: String,
    subject: String,
    scopes: Vec<String>,
}

impl fmt::Debug for ServiceAccountAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceAccountAuth")
            .field("client_email", &self.client_email)
            .field("subject", &self.subject)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl ServiceAccountAuth {
    /// Reads a key file as downloaded from the Cloud console.
    pub async fn from_key_file(
        path: impl AsRef<Path>,
        subject: &str,
        scopes: &[&str],
    ) -> Result<Self, AuthError> {
        let path = path.as_ref();
        let text = tokio::fs::read(path)
            .await
            .map_err(|source| AuthError::Read {
                path: path.to_path_buf(),
                source,
            })?;
        Self::from_key_json(&text, subject, scopes).await
    }

    /// Parses a key from its JSON text. The token endpoint is the key's `token_uri`.
    pub async fn from_key_json(
        json: impl AsRef<[u8]>,
        subject: &str,
        scopes: &[&str],
    ) -> Result<Self, AuthError> {
        let key = yup_oauth2::parse_service_account_key(json).map_err(|e| AuthError::Invalid {
            what: "service account key",
            message: e.to_string(),
        })?;
        Self::from_key(key, subject, scopes).await
    }

    /// Tokens for a parsed service-account key, acting as `subject`, with these scopes.
    pub async fn from_key(
        key: ServiceAccountKey,
        subject: &str,
        scopes: &[&str],
    ) -> Result<Self, AuthError> {
        let client_email = key.client_email.clone();
        let auth = ServiceAccountAuthenticator::with_client(key, http_client())
            .subject(subject)
            .build()
            .await
            .map_err(|e| AuthError::Invalid {
                what: "service account key",
                message: e.to_string(),
            })?;
        Ok(ServiceAccountAuth {
            auth,
            client_email,
            subject: subject.to_string(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
        })
    }
}

#[async_trait]
impl TokenSource for ServiceAccountAuth {
    async fn token(&self) -> Result<Secret, AuthError> {
        fetch(&self.auth, &self.scopes, false).await
    }
    async fn refresh(&self) -> Result<Secret, AuthError> {
        fetch(&self.auth, &self.scopes, true).await
    }
}

/// The installed-app flow with `credentials.json` (an OAuth client of type "Desktop app")
/// and `token.json` (the saved authorization, Python google-auth's format).
pub struct InstalledAppAuth {
    auth: Authenticator<Connector>,
    token_path: PathBuf,
    scopes: Vec<String>,
}

impl fmt::Debug for InstalledAppAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InstalledAppAuth")
            .field("token_path", &self.token_path)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

/// Refuses to open a browser: unattended runs must fail loudly, not wait for a human.
struct NoBrowser(PathBuf);

impl InstalledFlowDelegate for NoBrowser {
    fn present_user_url<'a>(
        &'a self,
        _url: &'a str,
        _need_code: bool,
    ) -> Pin<Box<dyn std::future::Future<Output = Result<String, String>> + Send + 'a>> {
        let msg = AuthError::ConsentRequired(self.0.clone()).to_string();
        Box::pin(async move { Err(msg) })
    }
}

impl InstalledAppAuth {
    /// `interactive`: when `token.json` is missing or its refresh token is refused, open the
    /// consent flow (a local redirect listener; the URL is printed). Unattended jobs pass
    /// `false` and get [`AuthError::ConsentRequired`] instead.
    pub async fn new(
        credentials: impl AsRef<Path>,
        token_file: impl AsRef<Path>,
        scopes: &[&str],
        interactive: bool,
    ) -> Result<Self, AuthError> {
        let credentials = credentials.as_ref();
        let text = tokio::fs::read(credentials)
            .await
            .map_err(|source| AuthError::Read {
                path: credentials.to_path_buf(),
                source,
            })?;
        let secret =
            yup_oauth2::parse_application_secret(&text).map_err(|e| AuthError::Invalid {
                what: "OAuth client credentials",
                message: e.to_string(),
            })?;
        let token_path = token_file.as_ref().to_path_buf();
        let storage = TokenFile::open(&token_path, &secret).await?;
        // yup-oauth2 ignores the delegate's answer in the redirect flow (it then waits for
        // the browser's redirect), so the unattended case uses the copy-the-code flow, whose
        // delegate refuses at once.
        let method = if interactive {
            InstalledFlowReturnMethod::HTTPRedirect
        } else {
            InstalledFlowReturnMethod::Interactive
        };
        let mut builder = InstalledFlowAuthenticator::with_client(secret, method, http_client())
            .with_storage(Box::new(storage));
        if !interactive {
            builder = builder.flow_delegate(Box::new(NoBrowser(token_path.clone())));
        }
        let auth = builder.build().await.map_err(|e| AuthError::Invalid {
            what: "installed-app flow",
            message: e.to_string(),
        })?;
        Ok(InstalledAppAuth {
            auth,
            token_path,
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
        })
    }
}

#[async_trait]
impl TokenSource for InstalledAppAuth {
    async fn token(&self) -> Result<Secret, AuthError> {
        fetch(&self.auth, &self.scopes, false).await
    }
    async fn refresh(&self) -> Result<Secret, AuthError> {
        fetch(&self.auth, &self.scopes, true).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yup_oauth2_debug_logs_are_compiled_out() {
        // yup-oauth2 logs refresh tokens and token responses with `log::debug!`.
        assert!(log::STATIC_MAX_LEVEL <= log::LevelFilter::Info);
    }

    #[tokio::test]
    async fn static_token_never_prints() {
        let t = StaticToken::new("ya29.secret-value");
        assert!(!format!("{t:?}").contains("secret-value"));
        assert_eq!(t.token().await.unwrap().expose(), "ya29.secret-value");
    }
}
