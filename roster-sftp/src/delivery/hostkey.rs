//! SHA256 host-key fingerprints in OpenSSH's format (`SHA256:` + unpadded base64), as
//! `ssh-keygen -l -E sha256` and `ssh -v` print them.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use ssh2::{HashType, HostKeyType, Session};

use super::connect::tcp_connect;
use super::error::SftpError;

/// A server's host key as seen during the SSH handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostKeyInfo {
    /// `SHA256:<base64>`; pin this value in the district's code.
    pub fingerprint: String,
    /// OpenSSH's name for the key type, e.g. `ssh-ed25519`.
    pub key_type: &'static str,
}

/// Formats a raw SHA-256 digest the way OpenSSH does.
pub fn format_sha256(digest: &[u8]) -> String {
    format!("SHA256:{}", STANDARD_NO_PAD.encode(digest))
}

/// Checks a pinned fingerprint and returns its 32-byte digest. Accepts `SHA256:` followed by
/// base64 with or without `=` padding; surrounding whitespace is ignored.
pub fn parse_sha256(pinned: &str) -> Result<[u8; 32], SftpError> {
    let invalid = || SftpError::InvalidFingerprint {
        value: pinned.to_string(),
    };
    let b64 = pinned.trim().strip_prefix("SHA256:").ok_or_else(invalid)?;
    let b64 = b64.trim_end_matches('=');
    let mut padded = b64.to_string();
    while padded.len() % 4 != 0 {
        padded.push('=');
    }
    let bytes = STANDARD.decode(padded.as_bytes()).map_err(|_| invalid())?;
    bytes.try_into().map_err(|_| invalid())
}

pub(crate) fn key_type_name(t: HostKeyType) -> &'static str {
    match t {
        HostKeyType::Rsa => "ssh-rsa",
        HostKeyType::Dss => "ssh-dss",
        HostKeyType::Ecdsa256 => "ecdsa-sha2-nistp256",
        HostKeyType::Ecdsa384 => "ecdsa-sha2-nistp384",
        HostKeyType::Ecdsa521 => "ecdsa-sha2-nistp521",
        HostKeyType::Ed25519 => "ssh-ed25519",
        HostKeyType::Unknown => "unknown",
    }
}

/// The host key of a session whose handshake is done.
pub(crate) fn session_host_key(sess: &Session, addr: &str) -> Result<HostKeyInfo, SftpError> {
    let no_key = || SftpError::NoHostKey {
        addr: addr.to_string(),
    };
    let digest = sess.host_key_hash(HashType::Sha256).ok_or_else(no_key)?;
    let key_type = sess
        .host_key()
        .map(|(_, t)| key_type_name(t))
        .ok_or_else(no_key)?;
    Ok(HostKeyInfo {
        fingerprint: format_sha256(digest),
        key_type,
    })
}

/// Connects to `host:port`, completes the key exchange and returns the server's host key,
/// without authenticating. For first-time setup: check the value with the vendor, then pin it.
pub fn fetch_host_key(host: &str, port: u16, timeout: Duration) -> Result<HostKeyInfo, SftpError> {
    let (tcp, addr) = tcp_connect(host, port, timeout)?;
    let mut sess = Session::new().map_err(|source| SftpError::Handshake {
        addr: addr.clone(),
        source,
    })?;
    sess.set_tcp_stream(tcp);
    sess.set_timeout(timeout.as_millis().clamp(1, u32::MAX as u128) as u32);
    sess.handshake().map_err(|source| SftpError::Handshake {
        addr: addr.clone(),
        source,
    })?;
    let info = session_host_key(&sess, &addr)?;
    let _ = sess.disconnect(None, "fingerprint only", None);
    Ok(info)
}

/// Async [`fetch_host_key`], run on tokio's blocking pool.
pub async fn fetch_host_key_async(
    host: String,
    port: u16,
    timeout: Duration,
) -> Result<HostKeyInfo, SftpError> {
    tokio::task::spawn_blocking(move || fetch_host_key(&host, port, timeout))
        .await
        .map_err(|e| SftpError::Task(e.to_string()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_openssh() {
        // sha256("") in OpenSSH's unpadded base64.
        let digest = [
            0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f,
            0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b,
            0x78, 0x52, 0xb8, 0x55,
        ];
        let s = format_sha256(&digest);
        assert_eq!(s, "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU");
        assert_eq!(parse_sha256(&s).unwrap(), digest);
        assert_eq!(parse_sha256(&format!(" {s}= ")).unwrap(), digest);
    }

    #[test]
    fn rejects_malformed_pins() {
        for bad in [
            "",
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU",
            "MD5:aa:bb",
            "SHA256:not base64!",
            "SHA256:AAAA",
        ] {
            let err = parse_sha256(bad).unwrap_err();
            assert!(matches!(err, SftpError::InvalidFingerprint { .. }), "{bad}");
            assert!(err.to_string().contains("SHA256:"), "{err}");
        }
    }
}
