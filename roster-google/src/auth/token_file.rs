//! `token.json` as the seeds' Python scripts (google-auth's `Credentials.to_json`) write it,
//! used as yup-oauth2's token storage: the same file works for both, and it is always
//! written with mode 0600 (atomically: a temp file in the same folder, then a rename).

use std::fmt;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio::sync::Mutex;
use yup_oauth2::ApplicationSecret;
use yup_oauth2::storage::{TokenInfo, TokenStorage, TokenStorageError};

use super::AuthError;

/// The JSON of `token.json`. Unknown keys (`universe_domain`, `account`, ...) are kept.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TokenFileContents {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The access token.
    pub token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The refresh token.
    pub refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The token endpoint.
    pub token_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The OAuth client's id.
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The OAuth client's secret.
    pub client_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The scopes granted.
    pub scopes: Option<Vec<String>>,
    /// UTC, `2024-05-01T12:34:56.123456Z` (google-auth also reads it without the fraction).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry: Option<String>,
    #[serde(flatten)]
    /// Every other key, kept as read.
    pub extra: Map<String, Value>,
}

impl fmt::Debug for TokenFileContents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redact = |o: &Option<String>| o.as_ref().map(|_| "***");
        f.debug_struct("TokenFileContents")
            .field("token", &redact(&self.token))
            .field("refresh_token", &redact(&self.refresh_token))
            .field("token_uri", &self.token_uri)
            .field("client_id", &self.client_id)
            .field("client_secret", &redact(&self.client_secret))
            .field("scopes", &self.scopes)
            .field("expiry", &self.expiry)
            .finish_non_exhaustive()
    }
}

impl TokenFileContents {
    /// The expiry as a time, when present and parseable.
    pub fn expiry_time(&self) -> Option<DateTime<Utc>> {
        let s = self.expiry.as_deref()?.trim();
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return Some(t.with_timezone(&Utc));
        }
        let naive = s.trim_end_matches('Z');
        NaiveDateTime::parse_from_str(naive, "%Y-%m-%dT%H:%M:%S%.f")
            .ok()
            .map(|n| n.and_utc())
    }

    fn covers(&self, scopes: &[&str]) -> bool {
        match &self.scopes {
            None => true,
            Some(have) => scopes.iter().all(|s| have.iter().any(|h| h == s)),
        }
    }

    fn to_token_info(&self) -> Option<TokenInfo> {
        if self.token.is_none() && self.refresh_token.is_none() {
            return None;
        }
        let expires_at = match self.expiry_time() {
            Some(t) => time::OffsetDateTime::from_unix_timestamp(t.timestamp()).ok(),
            // An access token with no expiry cannot be trusted to be valid: treat it as
            // expired so a refresh token (if any) is used.
            None if self.token.is_some() => Some(time::OffsetDateTime::UNIX_EPOCH),
            None => None,
        };
        Some(TokenInfo {
            access_token: self.token.clone(),
            refresh_token: self.refresh_token.clone(),
            expires_at,
            id_token: None,
        })
    }
}

/// yup-oauth2 token storage backed by a `token.json` file.
pub struct TokenFile {
    path: PathBuf,
    contents: Mutex<TokenFileContents>,
}

impl fmt::Debug for TokenFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenFile")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl TokenFile {
    /// Reads `path` if it exists (a missing file is an empty token store). The OAuth client's
    /// id, secret and token URI are recorded in the file as google-auth does.
    pub async fn open(path: &Path, client: &ApplicationSecret) -> Result<Self, AuthError> {
        let mut contents = match tokio::fs::read(path).await {
            Ok(bytes) => serde_json::from_slice::<TokenFileContents>(&bytes).map_err(|e| {
                AuthError::Invalid {
                    what: "token file",
                    message: format!("{}: {e}", path.display()),
                }
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => TokenFileContents::default(),
            Err(source) => {
                return Err(AuthError::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        contents.client_id = Some(client.client_id.clone());
        contents.client_secret = Some(client.client_secret.clone());
        contents.token_uri = Some(client.token_uri.clone());
        Ok(TokenFile {
            path: path.to_path_buf(),
            contents: Mutex::new(contents),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Writes `bytes` to `path` with mode 0600, replacing it atomically.
///
/// On Windows there are no mode bits: the file takes the access control list of its folder,
/// so the token is as private as the folder it is kept in (README, "Windows"); the rename
/// replaces an existing file there too.
pub(crate) async fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "token.json".into());
    let tmp = path.with_file_name(format!(".{file_name}.{}.tmp", std::process::id()));
    let mut opts = tokio::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    opts.mode(0o600);
    let mut f = opts.open(&tmp).await?;
    f.write_all(bytes).await?;
    f.sync_all().await?;
    drop(f);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tokio::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600)).await?;
    }
    if let Err(e) = tokio::fs::rename(&tmp, path).await {
        let _ = tokio::fs::remove_file(&tmp).await;
        return Err(e);
    }
    Ok(())
}

#[async_trait]
impl TokenStorage for TokenFile {
    async fn set(&self, scopes: &[&str], token: TokenInfo) -> Result<(), TokenStorageError> {
        let mut c = self.contents.lock().await;
        c.token = token.access_token;
        if token.refresh_token.is_some() {
            c.refresh_token = token.refresh_token;
        }
        c.expiry = token.expires_at.and_then(|t| {
            DateTime::<Utc>::from_timestamp(t.unix_timestamp(), t.nanosecond())
                .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string())
        });
        let mut all: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        all.sort();
        all.dedup();
        c.scopes = Some(all);
        let bytes = serde_json::to_vec_pretty(&*c)
            .map_err(|e| TokenStorageError::Other(e.to_string().into()))?;
        write_private(&self.path, &bytes).await?;
        tracing::debug!(path = %self.path.display(), "saved the OAuth token");
        Ok(())
    }

    async fn get(&self, scopes: &[&str]) -> Option<TokenInfo> {
        let c = self.contents.lock().await;
        if !c.covers(scopes) {
            tracing::info!(path = %self.path.display(), "the saved token lacks some scopes");
            return None;
        }
        c.to_token_info()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_google_auth_token_json() {
        let c: TokenFileContents = serde_json::from_str(
            r#"{"token": "ya29.a", "refresh_token": "1//r", "token_uri": "https://oauth2.googleapis.com/token",
                "client_id": "id", "client_secret": "sec", "scopes": ["s1", "s2"],
                "universe_domain": "googleapis.com", "account": "", "expiry": "2031-05-01T12:34:56.123456Z"}"#,
        )
        .unwrap();
        assert_eq!(
            c.expiry_time().unwrap().to_rfc3339(),
            "2031-05-01T12:34:56.123456+00:00"
        );
        assert!(c.covers(&["s1"]));
        assert!(!c.covers(&["s1", "s3"]));
        assert_eq!(c.extra.get("universe_domain").unwrap(), "googleapis.com");
        let info = c.to_token_info().unwrap();
        assert_eq!(info.access_token.as_deref(), Some("ya29.a"));
        assert!(!info.is_expired());
        let debug = format!("{c:?}");
        assert!(!debug.contains("ya29") && !debug.contains("1//r") && !debug.contains("sec\""));
    }

    #[test]
    fn naive_expiry_and_missing_expiry() {
        let mut c = TokenFileContents {
            token: Some("t".into()),
            refresh_token: Some("r".into()),
            expiry: Some("2020-01-01T00:00:00".into()),
            ..Default::default()
        };
        assert!(c.to_token_info().unwrap().is_expired());
        c.expiry = None;
        assert!(c.to_token_info().unwrap().is_expired());
        assert!(TokenFileContents::default().to_token_info().is_none());
    }

    #[tokio::test]
    async fn writes_0600_and_keeps_the_refresh_token() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token.json");
        let secret = ApplicationSecret {
            client_id: "cid".into(),
            client_secret: "csecret".into(),
            token_uri: "http://127.0.0.1:1/token".into(),
            auth_uri: "http://127.0.0.1:1/auth".into(),
            ..Default::default()
        };
        std::fs::write(&path, r#"{"refresh_token": "keep-me", "account": "x"}"#).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        let store = TokenFile::open(&path, &secret).await.unwrap();
        let expires = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
        store
            .set(
                &["b", "a"],
                TokenInfo {
                    access_token: Some("new-access".into()),
                    refresh_token: None,
                    expires_at: Some(expires),
                    id_token: None,
                },
            )
            .await
            .unwrap();
        let written: TokenFileContents =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(written.token.as_deref(), Some("new-access"));
        assert_eq!(written.refresh_token.as_deref(), Some("keep-me"));
        assert_eq!(written.client_id.as_deref(), Some("cid"));
        assert_eq!(
            written.token_uri.as_deref(),
            Some("http://127.0.0.1:1/token")
        );
        assert_eq!(written.scopes, Some(vec!["a".to_string(), "b".to_string()]));
        assert_eq!(written.extra.get("account").unwrap(), "x");
        assert_eq!(
            written.expiry_time().unwrap().timestamp(),
            expires.unix_timestamp()
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let got = store.get(&["a"]).await.unwrap();
        assert_eq!(got.access_token.as_deref(), Some("new-access"));
        assert!(store.get(&["a", "c"]).await.is_none());
        // No temp file is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
