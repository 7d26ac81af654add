//! The one thing both PowerSchool backends do: run a SQL statement with named binds and hand
//! back rows of typed values. Everything above this trait (scopes, mapping, row errors) is
//! shared and tested on SQLite.

use std::collections::HashMap;
use std::fmt;

use chrono::NaiveDate;
use roster_core::{RowError, SourceError};

/// A value read from, or bound to, a SQL statement.
///
/// Dates are their own variant on purpose: Oracle stores `DATE`, the SQLite mirror stores
/// `TEXT 'YYYY-MM-DD'`. A `Date` bind becomes an Oracle `DATE` (midnight) on Oracle and the
/// ISO text on SQLite, so the SQL text is identical and `FIRSTDAY <= :today` compares like
/// with like on both.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL `NULL`.
    Null,
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// Text.
    Text(String),
    /// A date.
    Date(NaiveDate),
}

impl Value {
    /// Is it `NULL`?
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("NULL"),
            Value::Int(n) => write!(f, "{n}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Text(s) => write!(f, "'{s}'"),
            Value::Date(d) => write!(f, "DATE '{d}'"),
        }
    }
}

/// A named bind: the name without its leading colon (`school` for `:school`).
pub type Bind = (&'static str, Value);

/// A result set: upper-case column names and the rows, in the order the SQL returned them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rows {
    /// Column names, upper-case.
    pub columns: Vec<String>,
    /// The rows, each with one value per column.
    pub rows: Vec<Vec<Value>>,
    /// Records the transport delivered but could not read (the PowerSchool API's malformed
    /// records, located by query, page and index); always empty on the SQL backends. The
    /// source adds them to the row errors of what it loads.
    pub errors: Vec<RowError>,
}

impl Rows {
    /// Column index by name (case-insensitive), for the mapping code.
    pub fn index(&self) -> ColumnIndex {
        ColumnIndex(
            self.columns
                .iter()
                .enumerate()
                .map(|(i, c)| (c.to_ascii_uppercase(), i))
                .collect(),
        )
    }
}

/// Column name -> position.
#[derive(Debug, Clone)]
pub struct ColumnIndex(HashMap<String, usize>);

impl ColumnIndex {
    /// The value of `column` in `row`; a query that lacks the column is a programming error
    /// caught by the tests, reported as `Null` rather than a panic in production.
    pub fn get<'r>(&self, row: &'r [Value], column: &str) -> &'r Value {
        static NULL: Value = Value::Null;
        self.0
            .get(column)
            .and_then(|&i| row.get(i))
            .unwrap_or(&NULL)
    }
}

/// Runs SQL with named binds. Implementations block; the async source calls them through
/// `tokio::task::spawn_blocking`.
pub trait SqlBackend: Send + Sync + 'static {
    /// A short name for logs ("sqlite", "oracle").
    fn name(&self) -> &'static str;
    /// Runs a `SELECT` and returns every row.
    fn query(&self, sql: &str, binds: &[Bind]) -> Result<Rows, SourceError>;
    /// Whether `doctor` may ask the tables directly (`SELECT * FROM T WHERE 1 = 0`). An API
    /// that runs only its named queries says no, and is probed by its reads alone.
    fn runs_any_sql(&self) -> bool {
        true
    }
}

/// The bind names a statement uses (`:school` -> `school`), in order of first appearance.
/// Text inside single-quoted literals is ignored.
pub fn placeholders(sql: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut in_literal = false;
    let chars: Vec<char> = sql.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            in_literal = !in_literal;
        } else if c == ':' && !in_literal {
            let start = i + 1;
            let mut end = start;
            while end < chars.len() && (chars[end].is_ascii_alphanumeric() || chars[end] == '_') {
                end += 1;
            }
            if end > start {
                let name: String = chars[start..end].iter().collect();
                if !out.contains(&name) {
                    out.push(name);
                }
                i = end;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// Refuses a call whose binds differ from the statement's placeholders: a missing bind or a
/// stray one is a programming error both engines would report less clearly.
pub fn check_binds(sql: &str, binds: &[Bind]) -> Result<(), SourceError> {
    let mut want = placeholders(sql);
    want.sort();
    let mut got: Vec<String> = binds.iter().map(|(n, _)| n.to_string()).collect();
    got.sort();
    got.dedup();
    if want == got {
        Ok(())
    } else {
        Err(SourceError::query(format!(
            "binds {got:?} do not match the statement's placeholders {want:?}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_skip_literals_and_repeat_once() {
        let sql = "SELECT ':nope' FROM T WHERE A = :school AND B <= :today AND C >= :today";
        assert_eq!(placeholders(sql), vec!["school", "today"]);
    }
}
