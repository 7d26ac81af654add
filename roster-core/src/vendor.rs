//! Vendor roster files (ST Math, SchoolMint Grow, OneRoster).

use crate::model::{Roster, RowError};

/// One file to deliver: its name and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Files built from a roster, plus a located error for each person that could not go in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Export {
    pub files: Vec<ExportFile>,
    pub errors: Vec<RowError>,
}

/// A vendor's roster format.
pub trait VendorExport: Send + Sync {
    /// A short name for logs and reports, e.g. `st-math`.
    fn name(&self) -> &str;
    /// Whether each upload replaces the vendor's whole roster, so that anyone missing from
    /// the file is archived or removed (true for ST Math, Grow and OneRoster bulk files). A
    /// job with a full-refresh export refuses to run on part of the district.
    fn full_refresh(&self) -> bool {
        true
    }
    fn export(&self, roster: &Roster) -> Result<Export, VendorError>;
}

#[derive(Debug, thiserror::Error)]
pub enum VendorError {
    #[error("{0}")]
    Config(String),
    #[error("cannot write {file}: {reason}")]
    Write { file: String, reason: String },
}
