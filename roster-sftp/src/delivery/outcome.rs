//! What an upload did, file by file, even when it stopped part way: which files were
//! delivered, which were not, how many times it reconnected, and why it stopped.

use std::io;

use ssh2::ErrorCode;

use super::{SftpError, Uploaded};

/// `LIBSSH2_ERROR_TIMEOUT`: a blocking libssh2 call waited the session timeout.
const LIBSSH2_ERROR_TIMEOUT: i32 = -9;

/// The outcome of [`SftpTarget::deliver`](super::SftpTarget::deliver): a partial delivery
/// (2 of 3 files replaced, the third refused) names both halves.
#[derive(Debug)]
pub struct Delivery {
    /// Files replaced on the server, in upload order.
    pub delivered: Vec<Uploaded>,
    /// Names of the files that were not delivered (the server keeps its old copies).
    pub not_delivered: Vec<String>,
    /// Reconnections after a failed attempt: 0 when the first connection did everything.
    pub retries: u32,
    /// Why the upload stopped before the last file; `None` when every file was delivered.
    pub error: Option<SftpError>,
}

impl Delivery {
    /// Every file delivered.
    pub fn is_complete(&self) -> bool {
        self.error.is_none() && self.not_delivered.is_empty()
    }

    /// The receipts when every file was delivered, else the error.
    pub fn into_result(self) -> Result<Vec<Uploaded>, SftpError> {
        match self.error {
            None => Ok(self.delivered),
            Some(e) => Err(e),
        }
    }
}

impl SftpError {
    /// A blocking operation (connect, SSH banner and key exchange, a write) waited the whole
    /// timeout: the server is hung. Not retried, so a hung server costs one timeout, not one
    /// per attempt.
    pub fn is_timeout(&self) -> bool {
        match self {
            SftpError::Connect { source, .. } | SftpError::Transfer { source, .. } => {
                source.kind() == io::ErrorKind::TimedOut
            }
            SftpError::Handshake { source, .. } | SftpError::Remote { source, .. } => {
                source.code() == ErrorCode::Session(LIBSSH2_ERROR_TIMEOUT)
            }
            SftpError::TimedOut { .. } => true,
            SftpError::GaveUp { last, .. } => last.is_timeout(),
            _ => false,
        }
    }
}
