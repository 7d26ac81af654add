//! The vendor refresh guard. ST Math and Grow replace their whole roster with each file ("any
//! data removed will be removed"), so a near-empty file removes everyone at the vendor.
//!
//! Each vendor job keeps, next to its audit log, what it last delivered: per file the row
//! count, a SHA-256 checksum, the time, and the row keys (the person's id column). A CSV that has a
//! header and no rows, or that has more than `--max-drop` percent (default 10) fewer rows than
//! the last delivery, is refused with the missing keys; `--force` sends it anyway. Non-CSV
//! files (the OneRoster zip) are recorded but not row-checked.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use roster_core::SafetyViolation;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What a job last delivered, per file name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeliveryState {
    pub files: BTreeMap<String, Delivered>,
}

/// One delivered file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivered {
    /// Data rows (header excluded); `None` for a file that is not CSV.
    pub rows: Option<usize>,
    pub bytes: usize,
    pub sha256: String,
    pub at: DateTime<Utc>,
    /// The column that names a row's person (`student_id`), if one has distinct values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_column: Option<String>,
    /// The rows' keys (that column's values, or whole rows), sorted.
    #[serde(default)]
    pub keys: Vec<String>,
}

/// Why the state file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot read the delivery state {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the delivery state {} is not valid ({source}); move it away to start over (the next run then has nothing to compare with)",
        path.display()
    )]
    Corrupt {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("cannot write the delivery state {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// `<dir of the audit log>/<job>.delivered.json`.
pub fn state_path(audit_log: &Path, job: &str) -> PathBuf {
    crate::lock::lock_path(audit_log, job).with_extension("delivered.json")
}

impl DeliveryState {
    /// The state at `path`; a missing file is the first delivery (nothing to compare with).
    pub fn load(path: &Path) -> Result<DeliveryState, StateError> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|source| StateError::Corrupt {
                path: path.to_path_buf(),
                source,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(DeliveryState::default()),
            Err(source) => Err(StateError::Read {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// Writes the state whole (a temporary file renamed over the old one).
    pub fn save(&self, path: &Path) -> Result<(), StateError> {
        let write = |source| StateError::Write {
            path: path.to_path_buf(),
            source,
        };
        let tmp = path.with_extension("json.tmp");
        let json = serde_json::to_vec_pretty(self).expect("a delivery state always serialises");
        std::fs::write(&tmp, json).map_err(write)?;
        std::fs::rename(&tmp, path).map_err(write)
    }

    /// Records `files` as delivered at `at`, keeping other files' records.
    pub fn record(&mut self, files: &[(String, Delivered)]) {
        for (name, d) in files {
            self.files.insert(name.clone(), d.clone());
        }
    }
}

/// Summarises a file as the state would record it, delivered at `at`. `key_column` is the
/// column the last delivery keyed its rows by, if any (so keys compare like with like).
pub fn summarize(
    name: &str,
    bytes: &[u8],
    at: DateTime<Utc>,
    key_column: Option<&str>,
) -> Delivered {
    let sha256 = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let (rows, key_column, keys) = if name.to_ascii_lowercase().ends_with(".csv") {
        let (rows, column, keys) = csv_rows(bytes, key_column);
        (Some(rows), column, keys)
    } else {
        (None, None, Vec::new())
    };
    Delivered {
        rows,
        bytes: bytes.len(),
        sha256,
        at,
        key_column,
        keys,
    }
}

/// Data rows, the key column and the sorted keys (a UTF-8 BOM is ignored). The key column is
/// `hint` when the file has it; else the first `...id` column whose values are all distinct
/// (`student_id`, `district_teacher_id`, `sourcedId`), else the first distinct column; with
/// none, a row's key is the whole row.
fn csv_rows(bytes: &[u8], hint: Option<&str>) -> (usize, Option<String>, Vec<String>) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes);
    let headers: Vec<String> = reader
        .byte_headers()
        .map(|h| {
            h.iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect()
        })
        .unwrap_or_default();
    let records: Vec<csv::ByteRecord> = reader.byte_records().flatten().collect();
    let field = |r: &csv::ByteRecord, i: usize| {
        String::from_utf8_lossy(r.get(i).unwrap_or_default()).into_owned()
    };
    let distinct = |i: usize| {
        let mut seen = BTreeSet::new();
        records.iter().all(|r| {
            let v = field(r, i);
            !v.is_empty() && seen.insert(v)
        })
    };
    let is_id = |h: &String| h.to_ascii_lowercase().ends_with("id");
    let column = hint
        .and_then(|h| headers.iter().position(|c| c == h))
        .or_else(|| (0..headers.len()).find(|&i| is_id(&headers[i]) && distinct(i)))
        .or_else(|| (0..headers.len()).find(|&i| distinct(i)));
    let keys: BTreeSet<String> = records
        .iter()
        .map(|r| match column {
            Some(i) => field(r, i),
            None => (0..r.len())
                .map(|i| field(r, i))
                .collect::<Vec<_>>()
                .join(","),
        })
        .collect();
    (
        records.len(),
        column.map(|i| headers[i].clone()),
        keys.into_iter().collect(),
    )
}

/// The CSVs with fewer data rows than the district's minimum for that file name (`minimums`
/// from [`crate::VendorJob::min_rows`]). An empty file is [`check`]'s to report.
pub fn below_minimum(
    files: &[(String, Delivered)],
    minimums: &BTreeMap<String, usize>,
) -> Vec<SafetyViolation> {
    files
        .iter()
        .filter_map(|(name, now)| {
            let rows = now.rows.filter(|&r| r > 0)?;
            let minimum = *minimums.get(name)?;
            (rows < minimum).then(|| SafetyViolation::BelowMinimum {
                file: name.clone(),
                rows,
                minimum,
            })
        })
        .collect()
}

/// The files to refuse: empty CSVs, and CSVs with more than `max_drop_pct` percent fewer rows
/// than the last delivery of the same file.
pub fn check(
    state: &DeliveryState,
    files: &[(String, Delivered)],
    max_drop_pct: f64,
) -> Vec<SafetyViolation> {
    let mut v = Vec::new();
    for (name, now) in files {
        let Some(rows) = now.rows else { continue };
        if rows == 0 {
            v.push(SafetyViolation::EmptyFile { file: name.clone() });
            continue;
        }
        let Some(previous) = state.files.get(name).and_then(|d| d.rows.map(|r| (r, d))) else {
            continue;
        };
        let (prev_rows, prev) = previous;
        if prev_rows == 0 || rows >= prev_rows {
            continue;
        }
        let dropped_pct = (prev_rows - rows) as f64 * 100.0 / prev_rows as f64;
        if dropped_pct > max_drop_pct {
            let kept: BTreeSet<&String> = now.keys.iter().collect();
            v.push(SafetyViolation::FileShrank {
                file: name.clone(),
                previous: prev_rows,
                rows,
                dropped_pct,
                max_drop_pct,
                missing: prev
                    .keys
                    .iter()
                    .filter(|k| !kept.contains(k))
                    .cloned()
                    .collect(),
            });
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, body: &str) -> (String, Delivered) {
        (
            name.into(),
            summarize(name, body.as_bytes(), Utc::now(), None),
        )
    }

    #[test]
    fn a_header_only_csv_is_refused_even_on_the_first_delivery() {
        let v = check(
            &DeliveryState::default(),
            &[file("s.csv", "id,name\n")],
            10.0,
        );
        assert_eq!(
            v,
            [SafetyViolation::EmptyFile {
                file: "s.csv".into()
            }]
        );
    }

    #[test]
    fn a_drop_over_the_share_names_the_missing_keys() {
        let mut state = DeliveryState::default();
        state.record(&[file("s.csv", "id\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n")]);
        // 1 of 10 gone: 10% is not over 10%.
        assert!(
            check(
                &state,
                &[file("s.csv", "id\n1\n2\n3\n4\n5\n6\n7\n8\n9\n")],
                10.0
            )
            .is_empty()
        );
        let v = check(
            &state,
            &[file("s.csv", "\u{feff}id\n1\n2\n3\n4\n5\n6\n7\n")],
            10.0,
        );
        let [
            SafetyViolation::FileShrank {
                previous: 10,
                rows: 7,
                missing,
                dropped_pct,
                ..
            },
        ] = v.as_slice()
        else {
            panic!("{v:?}")
        };
        assert_eq!(missing, &["10", "8", "9"]);
        assert!((dropped_pct - 30.0).abs() < 1e-9);
    }

    #[test]
    fn a_file_under_the_district_minimum_is_refused() {
        let minimums = BTreeMap::from([("s.csv".to_string(), 3)]);
        let two = [file("s.csv", "id\n1\n2\n"), file("t.csv", "id\n1\n")];
        assert_eq!(
            below_minimum(&two, &minimums),
            [SafetyViolation::BelowMinimum {
                file: "s.csv".into(),
                rows: 2,
                minimum: 3
            }]
        );
        assert!(below_minimum(&[file("s.csv", "id\n1\n2\n3\n")], &minimums).is_empty());
        // Empty is the empty-file check's, not reported twice.
        assert!(below_minimum(&[file("s.csv", "id\n")], &minimums).is_empty());
    }

    #[test]
    fn rows_are_keyed_by_the_first_distinct_id_column() {
        let (_, d) = file("s.csv", "iid,student_id,name\nK1,7,A\nK1,8,B\n");
        assert_eq!(d.key_column.as_deref(), Some("student_id"));
        assert_eq!(d.keys, ["7", "8"]);
    }

    #[test]
    fn a_zip_is_recorded_but_not_row_checked() {
        let d = summarize("OneRoster.zip", b"PK\x03\x04", Utc::now(), None);
        assert_eq!((d.rows, d.bytes), (None, 4));
        assert_eq!(d.sha256.len(), 64);
    }
}
