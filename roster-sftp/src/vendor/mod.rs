//! Vendor roster files (DESIGN §8), each a [`roster_core::VendorExport`]:
//!
//! - [`StMath`]: ST Math `students.csv` + `teachers.csv`;
//! - [`Grow`]: SchoolMint Grow's SFTP user upload (one CSV, full refresh);
//! - [`OneRoster`]: OneRoster 1.1 bulk CSV, zipped as `OneRoster.zip`.
//!
//! Every CSV follows RFC 4180: CRLF line ends, fields quoted when they hold a comma, a quote
//! or a line break, quotes doubled; UTF-8, with a byte-order mark when
//! [`CsvOptions::bom`] is set (Excel wants one; most loaders do not care).
//! Output is deterministic: the same roster gives the same bytes. No cell starts a
//! spreadsheet formula: see [`checks`] for what is refused and what is neutralised.

pub mod checks;
mod grow;
mod oneroster;
mod oneroster_columns;
mod stmath;

pub use checks::{Screened, VendorChecks};
pub use grow::{GROW_COLUMNS, Grow, GrowRole, GrowRow, default_role as default_grow_role};
pub use oneroster::{ONEROSTER_FILES, OneRoster};
pub use stmath::{PermanentLogin, STMATH_STUDENT_COLUMNS, STMATH_TEACHER_COLUMNS, StMath};

use roster_core::{Student, VendorError};

/// CSV encoding options shared by the vendor formats.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CsvOptions {
    /// Start each file with a UTF-8 byte-order mark (EF BB BF).
    pub bom: bool,
}

/// An RFC 4180 writer into memory.
pub(crate) struct CsvFile {
    name: &'static str,
    w: csv::Writer<Vec<u8>>,
}

impl CsvFile {
    pub(crate) fn new(
        name: &'static str,
        opts: CsvOptions,
        header: &[&str],
    ) -> Result<Self, VendorError> {
        Self::with_capacity(name, opts, header, 8 * 1024)
    }

    pub(crate) fn with_capacity(
        name: &'static str,
        opts: CsvOptions,
        header: &[&str],
        capacity: usize,
    ) -> Result<Self, VendorError> {
        let mut buf = Vec::with_capacity(capacity);
        if opts.bom {
            buf.extend_from_slice(b"\xEF\xBB\xBF");
        }
        let w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .quote_style(csv::QuoteStyle::Necessary)
            .from_writer(buf);
        let mut f = CsvFile { name, w };
        f.row(header)?;
        Ok(f)
    }

    /// Writes one record; a cell that would start a spreadsheet formula gets a `'` in front
    /// ([`checks::neutralise`]).
    pub(crate) fn row<I, T>(&mut self, fields: I) -> Result<(), VendorError>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        let name = self.name;
        for field in fields {
            self.w
                .write_field(checks::neutralise(field.as_ref()))
                .map_err(|e| write_error(name, e))?;
        }
        self.w
            .write_record(None::<&[u8]>)
            .map_err(|e| write_error(name, e))
    }

    pub(crate) fn finish(self) -> Result<roster_core::ExportFile, VendorError> {
        let name = self.name;
        let bytes = self
            .w
            .into_inner()
            .map_err(|e| write_error(name, e.error()))?;
        Ok(roster_core::ExportFile {
            name: name.to_string(),
            bytes,
        })
    }
}

fn write_error(file: &str, e: impl std::fmt::Display) -> VendorError {
    VendorError::Write {
        file: file.to_string(),
        reason: e.to_string(),
    }
}

/// A fast hasher for integer keys (school numbers, DCIDs): SipHash showed in profiles of
/// million-row exports. Not for untrusted keys.
#[derive(Default, Clone, Copy)]
pub(crate) struct IntHasher(u64);

impl std::hash::Hasher for IntHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_i64(&mut self, n: i64) {
        self.0 = (self.0.rotate_left(5) ^ n as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

pub(crate) type IntMap<K, V> =
    std::collections::HashMap<K, V, std::hash::BuildHasherDefault<IntHasher>>;

/// Where a student's row error points: the SIS key.
pub(crate) fn student_row(s: &Student) -> String {
    format!("STUDENTS STUDENT_NUMBER={}", s.student_number)
}

pub(crate) fn staff_row(dcid: i64) -> String {
    format!("USERS DCID={dcid}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4180_quoting_crlf_and_bom() {
        let mut f = CsvFile::new("t.csv", CsvOptions { bom: true }, &["a", "b"]).unwrap();
        f.row(["O'Neil, Pat", "say \"hi\"\nbye"]).unwrap();
        f.row(["José", ""]).unwrap();
        let out = f.finish().unwrap();
        assert_eq!(
            out.bytes,
            "\u{feff}a,b\r\n\"O'Neil, Pat\",\"say \"\"hi\"\"\nbye\"\r\nJosé,\r\n".as_bytes()
        );
        let plain = CsvFile::new("t.csv", CsvOptions::default(), &["a"]).unwrap();
        assert_eq!(plain.finish().unwrap().bytes, b"a\r\n");
    }

    #[test]
    fn formula_cells_are_neutralised_when_written() {
        let mut f = CsvFile::new("t.csv", CsvOptions::default(), &["a", "b", "c"]).unwrap();
        f.row(["=HYPERLINK(\"http://x\")", "-2+3", "Riverside"])
            .unwrap();
        f.row(["", "@SUM(A1)", "\tx"]).unwrap();
        let out = String::from_utf8(f.finish().unwrap().bytes).unwrap();
        assert_eq!(
            out,
            "a,b,c\r\n\"'=HYPERLINK(\"\"http://x\"\")\",'-2+3,Riverside\r\n,'@SUM(A1),'\tx\r\n"
        );
    }
}
