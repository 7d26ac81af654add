//! Local dated copies of the files sent.

use std::fs;
use std::path::{Path, PathBuf};

use chrono::Utc;

use super::{SftpError, Upload, UploadSource};

/// Copies a sent file to `dir/YYYY-MM-DD/HHMMSS-NAME` (UTC), adding `-2`, `-3`, … if that
/// name is taken.
pub(crate) fn archive(dir: &Path, file: &Upload) -> Result<PathBuf, SftpError> {
    let now = Utc::now();
    let day = dir.join(now.format("%Y-%m-%d").to_string());
    let err = |path: &Path, source| SftpError::Archive {
        name: file.name.clone(),
        path: path.to_path_buf(),
        source,
    };
    fs::create_dir_all(&day).map_err(|e| err(&day, e))?;
    let stamp = now.format("%H%M%S");
    let mut path = day.join(format!("{stamp}-{}", file.name));
    let mut n = 1;
    while path.exists() {
        n += 1;
        path = day.join(format!("{stamp}-{}-{n}", file.name));
    }
    match &file.source {
        UploadSource::Bytes(b) => fs::write(&path, &b[..]),
        UploadSource::File(src) => fs::copy(src, &path).map(|_| ()),
    }
    .map_err(|e| err(&path, e))?;
    tracing::debug!(path = %path.display(), "kept a local copy");
    Ok(path)
}
