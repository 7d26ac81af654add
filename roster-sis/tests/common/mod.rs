//! Shared test setup: one small generated district per test binary.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use chrono::NaiveDate;
use roster_sis::demo::{self, DemoConfig, DemoSummary};

/// A school day in the first semester of the 2026-27 school year.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

pub fn config() -> DemoConfig {
    DemoConfig::new(300, 118, today())
}

/// The 300-student demo district, generated once per test binary.
pub fn district(binary: &str) -> &'static (PathBuf, DemoSummary) {
    static DB: OnceLock<(PathBuf, DemoSummary)> = OnceLock::new();
    DB.get_or_init(|| {
        let path =
            PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{binary}-demo-300.sqlite"));
        let summary = demo::generate(&path, &config()).expect("generate demo district");
        (path, summary)
    })
}

/// One number from a raw SQL count on the generated file (independent of the source code).
pub fn raw_count(path: &std::path::Path, sql: &str) -> i64 {
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// One text value from a raw SQL query on the generated file.
pub fn raw_string(path: &std::path::Path, sql: &str) -> String {
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}
