//! The shared parse helpers: values as both engines return them -> numbers, text, dates;
//! and [`RowCheck`], which collects the problems of one row.

use chrono::NaiveDate;
use roster_core::RowError;

use super::super::backend::{ColumnIndex, Value};

/// A whole number, or why not. NULL is `Ok(None)`.
pub fn int(v: &Value) -> Result<Option<i64>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Int(n) => Ok(Some(*n)),
        Value::Float(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => Ok(Some(*x as i64)),
        Value::Float(x) => Err(format!("is not a whole number: {x}")),
        Value::Text(s) => {
            let t = s.trim();
            if t.is_empty() {
                Ok(None)
            } else {
                t.parse::<i64>()
                    .map(Some)
                    .map_err(|_| format!("is not a whole number: '{s}'"))
            }
        }
        Value::Date(d) => Err(format!("is a date ({d}), expected a number")),
    }
}

/// Text as the SIS holds it; numbers print without a decimal point when whole.
pub fn text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::Int(n) => Some(n.to_string()),
        Value::Float(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => Some((*x as i64).to_string()),
        Value::Float(x) => Some(x.to_string()),
        Value::Text(s) => Some(s.clone()),
        Value::Date(d) => Some(d.format("%Y-%m-%d").to_string()),
    }
}

/// A date: an Oracle `DATE`, or SQLite text `YYYY-MM-DD` (a time part is ignored).
pub fn date(v: &Value) -> Result<Option<NaiveDate>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Date(d) => Ok(Some(*d)),
        Value::Text(s) if s.trim().is_empty() => Ok(None),
        Value::Text(s) => {
            let t = s.trim();
            let day = t.get(..10).unwrap_or(t);
            NaiveDate::parse_from_str(day, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| format!("is not a date (YYYY-MM-DD): '{s}'"))
        }
        other => Err(format!("is not a date: {other}")),
    }
}

/// Collects the problems of one row.
pub(super) struct RowCheck<'a> {
    table: &'static str,
    key: String,
    idx: &'a ColumnIndex,
    row: &'a [Value],
    pub(super) errors: Vec<RowError>,
}

impl<'a> RowCheck<'a> {
    pub(super) fn new(
        table: &'static str,
        key: String,
        idx: &'a ColumnIndex,
        row: &'a [Value],
    ) -> Self {
        RowCheck {
            table,
            key,
            idx,
            row,
            errors: Vec::new(),
        }
    }

    pub(super) fn source_row(&self) -> String {
        format!("{} {}", self.table, self.key)
    }

    pub(super) fn fail(&mut self, column: &str, reason: impl Into<String>) {
        let e = RowError::new(self.source_row(), column, reason);
        self.errors.push(e);
    }

    pub(super) fn value(&self, column: &str) -> &'a Value {
        self.idx.get(self.row, column)
    }

    /// A parsed value; a parse error is recorded against `column`.
    pub(super) fn parsed<T>(
        &mut self,
        column: &str,
        parsed: Result<Option<T>, String>,
    ) -> Option<T> {
        parsed.unwrap_or_else(|reason| {
            self.fail(column, reason);
            None
        })
    }

    /// Like [`Self::parsed`], and a missing value is recorded as `missing`.
    pub(super) fn required<T>(
        &mut self,
        column: &str,
        parsed: Result<Option<T>, String>,
        missing: &str,
    ) -> Option<T> {
        match parsed {
            Ok(None) => {
                self.fail(column, missing);
                None
            }
            other => self.parsed(column, other),
        }
    }

    pub(super) fn opt_int(&mut self, column: &str) -> Option<i64> {
        let v = int(self.value(column));
        self.parsed(column, v)
    }

    pub(super) fn req_int(&mut self, column: &str) -> Option<i64> {
        let v = self.value(column);
        let missing = if v.is_null() { "is NULL" } else { "is blank" };
        self.required(column, int(v), missing)
    }

    pub(super) fn req_i32(&mut self, column: &str) -> Option<i32> {
        let n = self.req_int(column)?;
        self.narrow(column, n)
    }

    pub(super) fn opt_i32(&mut self, column: &str) -> Option<i32> {
        let n = self.opt_int(column)?;
        self.narrow(column, n)
    }

    /// `n` as an `i32`, or an error on `column` when it does not fit.
    pub(super) fn narrow(&mut self, column: &str, n: i64) -> Option<i32> {
        let v = i32::try_from(n).ok();
        if v.is_none() {
            self.fail(column, format!("is out of range: {n}"));
        }
        v
    }

    /// Required text: NULL and whitespace-only are errors; the value is kept as spelled.
    pub(super) fn req_text(&mut self, column: &str) -> Option<String> {
        match text(self.value(column)) {
            None => {
                self.fail(column, "is NULL");
                None
            }
            Some(s) if s.trim().is_empty() => {
                self.fail(column, "is blank");
                None
            }
            Some(s) => Some(s),
        }
    }

    /// Optional text: NULL and whitespace-only are `None`.
    pub(super) fn opt_text(&self, column: &str) -> Option<String> {
        text(self.value(column)).filter(|s| !s.trim().is_empty())
    }

    pub(super) fn opt_date(&mut self, column: &str) -> Option<NaiveDate> {
        let d = date(self.value(column));
        self.parsed(column, d)
    }

    pub(super) fn req_date(&mut self, column: &str) -> Option<NaiveDate> {
        let d = date(self.value(column));
        self.required(column, d, "is NULL")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_convert_between_engines() {
        assert_eq!(int(&Value::Float(12.0)), Ok(Some(12)));
        assert!(int(&Value::Float(1.5)).is_err());
        assert_eq!(int(&Value::Text(" 42 ".into())), Ok(Some(42)));
        assert_eq!(text(&Value::Float(1234.0)).as_deref(), Some("1234"));
        let d = NaiveDate::from_ymd_opt(2026, 8, 20).unwrap();
        assert_eq!(
            date(&Value::Text("2026-08-20 00:00:00".into())),
            Ok(Some(d))
        );
        assert_eq!(date(&Value::Date(d)), Ok(Some(d)));
        assert!(date(&Value::Text("08/20/2026".into())).is_err());
    }
}
