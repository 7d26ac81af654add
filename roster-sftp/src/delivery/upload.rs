//! The files of an upload and their receipts: what to send, under which name, and what was
//! delivered.

use std::fs;
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::Arc;

use super::SftpError;

/// One file to upload: its remote name (no directory) and where its bytes come from.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The remote file name.
    pub name: String,
    /// Its contents.
    pub source: UploadSource,
}

#[derive(Clone)]
/// Where an upload's bytes come from.
pub enum UploadSource {
    /// Bytes in memory.
    Bytes(Arc<[u8]>),
    /// A local file, streamed.
    File(PathBuf),
}

impl std::fmt::Debug for UploadSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UploadSource::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            UploadSource::File(p) => f.debug_tuple("File").field(p).finish(),
        }
    }
}

impl UploadSource {
    pub(crate) fn open(&self) -> Result<(Box<dyn Read + '_>, u64), SftpError> {
        match self {
            UploadSource::Bytes(b) => Ok((Box::new(&b[..]), b.len() as u64)),
            UploadSource::File(p) => {
                let f = fs::File::open(p).map_err(|e| self.read_error(e))?;
                let len = f.metadata().map_err(|e| self.read_error(e))?.len();
                Ok((Box::new(io::BufReader::new(f)), len))
            }
        }
    }

    pub(crate) fn read_error(&self, source: io::Error) -> SftpError {
        SftpError::LocalRead {
            path: match self {
                UploadSource::File(p) => p.clone(),
                UploadSource::Bytes(_) => PathBuf::from("<memory>"),
            },
            source,
        }
    }
}

impl Upload {
    /// Bytes in memory (a vendor export).
    pub fn bytes(name: impl Into<String>, bytes: impl Into<Arc<[u8]>>) -> Self {
        Upload {
            name: name.into(),
            source: UploadSource::Bytes(bytes.into()),
        }
    }

    /// A local file, uploaded under its own file name.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Upload {
            name,
            source: UploadSource::File(path),
        }
    }

    /// A local file, uploaded under another name.
    pub fn file_as(name: impl Into<String>, path: impl Into<PathBuf>) -> Self {
        Upload {
            name: name.into(),
            source: UploadSource::File(path.into()),
        }
    }
}

impl From<roster_core::ExportFile> for Upload {
    /// A vendor export's file, uploaded under its own name.
    fn from(f: roster_core::ExportFile) -> Self {
        Upload::bytes(f.name, f.bytes)
    }
}

/// A file delivered: where it went, its size (checked on the server), the attempt that
/// delivered it, and the local copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uploaded {
    /// The file's name.
    pub name: String,
    /// Where it landed on the server.
    pub remote_path: String,
    /// Its size.
    pub bytes: u64,
    /// Attempts it took.
    pub attempts: u32,
    /// The local copy, when an archive directory is set.
    pub archived: Option<PathBuf>,
}

/// Progress of one file in one attempt.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    /// The file's name.
    pub name: &'a str,
    /// Bytes sent so far.
    pub sent: u64,
    /// The file's size.
    pub total: u64,
    /// The attempt, from 1.
    pub attempt: u32,
}

/// Refuses a remote name that is not a plain file name, before anything connects.
pub(crate) fn check_name(name: &str) -> Result<(), SftpError> {
    let reason = if name.is_empty() {
        "empty"
    } else if name == "." || name == ".." {
        "not a file name"
    } else if name.contains('/') || name.contains('\\') {
        "contains a path separator; set remote_dir instead"
    } else if name.contains('\0') {
        "contains NUL"
    } else {
        return Ok(());
    };
    Err(SftpError::InvalidName {
        name: name.to_string(),
        reason,
    })
}
