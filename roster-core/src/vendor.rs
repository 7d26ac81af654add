//! Vendor roster files (ST Math, SchoolMint Grow, OneRoster).

use crate::model::{Roster, RowError};

/// One file to deliver: its name and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFile {
    /// The file's name.
    pub name: String,
    /// Its contents.
    pub bytes: Vec<u8>,
}

/// Files built from a roster, plus a located error for each person that could not go in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Export {
    /// The files to deliver.
    pub files: Vec<ExportFile>,
    /// Rows left out, each with its location.
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
    /// Builds the vendor's files from the roster.
    fn export(&self, roster: &Roster) -> Result<Export, VendorError>;
}

#[derive(Debug, thiserror::Error)]
/// Why a vendor export could not be built.
pub enum VendorError {
    #[error("{0}")]
    /// The exporter's settings are wrong.
    Config(String),
    #[error("cannot write {file}: {reason}")]
    /// A file could not be written.
    Write {
        /// The file's name.
        file: String,
        /// What went wrong.
        reason: String,
    },
}
