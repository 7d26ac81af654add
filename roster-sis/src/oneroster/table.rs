//! The CSV plumbing shared by every reader: a file read whole with its header, and rows
//! whose values are found by column name and whose errors name the file and line.

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;
use csv::StringRecord;
use roster_core::{RowError, SourceError};

/// One CSV file read whole: header positions and records with their line numbers.
pub(super) struct Table {
    pub(super) file: &'static str,
    pub(super) columns: HashMap<String, usize>,
    pub(super) records: Vec<(u64, StringRecord)>,
    /// Rows that are not UTF-8 (a file saved as Windows-1252, say): reported, not read.
    pub(super) unreadable: Vec<RowError>,
}

/// A header cell as a column name: spaces trimmed, and the UTF-8 byte-order mark that may
/// precede the first header.
pub(super) fn column_name(header: &str) -> &str {
    header.trim_start_matches('\u{feff}').trim()
}

impl Table {
    pub(super) fn read(
        dir: &Path,
        file: &'static str,
        required: &[&str],
    ) -> Result<Table, SourceError> {
        let path = super::archive::display(dir, file);
        let err = |reason: String| SourceError::File {
            path: path.clone(),
            reason,
        };
        let bytes = super::archive::read(dir, file).map_err(err)?;
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::None)
            .from_reader(bytes.as_slice());
        let mut lines = PhysicalLines::default();
        let headers = rdr.headers().map_err(|e| err(e.to_string()))?.clone();
        let columns: HashMap<String, usize> = headers
            .iter()
            .enumerate()
            .map(|(i, h)| (column_name(h).to_string(), i))
            .collect();
        if let Some(missing) = required.iter().find(|c| !columns.contains_key(**c)) {
            return Err(err(format!("missing column {missing}")));
        }
        let mut records = Vec::new();
        let mut unreadable = Vec::new();
        for rec in rdr.byte_records() {
            let rec = rec.map_err(|e| err(e.to_string()))?;
            let line = rec
                .position()
                .map_or(0, |p| lines.line_at(&bytes, p.byte()));
            match StringRecord::from_byte_record(rec) {
                Ok(rec) => records.push((line, rec)),
                Err(e) => {
                    let field = e.utf8_error().field();
                    let column = headers
                        .get(field)
                        .unwrap_or("?")
                        .trim_start_matches('\u{feff}');
                    unreadable.push(RowError::new(
                        format!("{file} line {line}"),
                        column,
                        "is not valid UTF-8 (export the file as UTF-8)",
                    ));
                }
            }
        }
        Ok(Table {
            file,
            columns,
            records,
            unreadable,
        })
    }

    pub(super) fn rows(&self) -> impl Iterator<Item = RowRef<'_>> {
        self.records.iter().map(move |(line, rec)| RowRef {
            table: self,
            line: *line,
            rec,
        })
    }
}

/// Physical line numbers (1 = the first line of the file, the header) of byte offsets met
/// in increasing order. The csv crate's own count is one short in CRLF files; this one counts a
/// line break as `\r\n`, `\n` or a lone `\r`, so LF and CRLF files give the same numbers.
#[derive(Default)]
struct PhysicalLines {
    scanned: usize,
    breaks: u64,
}

impl PhysicalLines {
    fn line_at(&mut self, bytes: &[u8], offset: u64) -> u64 {
        let mut end = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        // In a CRLF file the csv crate ends a record at `\r` and starts the next one at the
        // `\n`: no record starts with a line break, so step over any to the record itself.
        while matches!(bytes.get(end), Some(b'\r' | b'\n')) {
            end += 1;
        }
        while self.scanned < end {
            match bytes[self.scanned] {
                b'\n' => self.breaks += 1,
                b'\r' if bytes.get(self.scanned + 1) != Some(&b'\n') => self.breaks += 1,
                _ => {}
            }
            self.scanned += 1;
        }
        self.breaks + 1
    }
}

#[derive(Clone, Copy)]
pub(super) struct RowRef<'a> {
    pub(super) table: &'a Table,
    pub(super) line: u64,
    pub(super) rec: &'a StringRecord,
}

impl<'a> RowRef<'a> {
    /// The trimmed value of a column ("" when absent).
    pub(super) fn get(&self, column: &str) -> &'a str {
        self.table
            .columns
            .get(column)
            .and_then(|&i| self.rec.get(i))
            .map(str::trim)
            .unwrap_or("")
    }

    /// The value as written (not trimmed), for names.
    pub(super) fn raw(&self, column: &str) -> &'a str {
        self.table
            .columns
            .get(column)
            .and_then(|&i| self.rec.get(i))
            .unwrap_or("")
    }

    pub(super) fn error(&self, column: &str, reason: impl Into<String>) -> RowError {
        RowError::new(
            format!("{} line {}", self.table.file, self.line),
            column,
            reason,
        )
    }

    /// A value put through one of the [`roster_core::validate`] checks; a refusal is pushed
    /// onto `errors`, located at this row and `column`.
    pub(super) fn check<V, T>(
        &self,
        column: &str,
        value: Option<V>,
        errors: &mut Vec<RowError>,
        f: impl FnOnce(V) -> Result<T, roster_core::validate::Invalid>,
    ) -> Option<T> {
        match f(value?) {
            Ok(v) => Some(v),
            Err(why) => {
                errors.push(why.at(self.location(), column));
                None
            }
        }
    }

    /// `file line N`.
    pub(super) fn location(&self) -> String {
        format!("{} line {}", self.table.file, self.line)
    }

    pub(super) fn required(&self, column: &str, errors: &mut Vec<RowError>) -> Option<&'a str> {
        if self.get(column).is_empty() {
            errors.push(self.error(column, "is empty"));
            None
        } else {
            Some(self.raw(column))
        }
    }

    pub(super) fn is_deleted(&self) -> bool {
        self.get("status").eq_ignore_ascii_case("tobedeleted")
    }

    pub(super) fn list(&self, column: &str) -> Vec<&'a str> {
        self.get(column)
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect()
    }

    pub(super) fn date(&self, column: &str) -> Result<Option<NaiveDate>, RowError> {
        let v = self.get(column);
        if v.is_empty() {
            return Ok(None);
        }
        NaiveDate::parse_from_str(v.get(..10).unwrap_or(v), "%Y-%m-%d")
            .map(Some)
            .map_err(|_| self.error(column, format!("is not a date (YYYY-MM-DD): '{v}'")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(body: &str) -> Vec<u64> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("t.csv"), body).unwrap();
        let t = Table::read(dir.path(), "t.csv", &["a"]).unwrap();
        t.records.iter().map(|(l, _)| *l).collect()
    }

    #[test]
    fn lines_are_physical_with_lf_crlf_bom_blank_lines_and_quoted_breaks() {
        assert_eq!(lines_of("a,b\n1,x\n2,y\n"), [2, 3]);
        assert_eq!(lines_of("a,b\r\n1,x\r\n2,y\r\n"), [2, 3]);
        assert_eq!(lines_of("\u{feff}a,b\r\n1,x\r\n2,y"), [2, 3]);
        assert_eq!(
            lines_of("a,b\r\n\r\n1,x\r\n2,y\r\n"),
            [3, 4],
            "a blank line counts"
        );
        assert_eq!(
            lines_of("a,b\r\n1,\"two\r\nlines\"\r\n2,y\r\n"),
            [2, 4],
            "a quoted line break counts"
        );
        assert_eq!(lines_of("a,b\r1,x\r2,y\r"), [2, 3], "old Mac line ends");
    }
}
