//! The SQLite backend: the same SQL on a PowerSchool-shaped SQLite file (see [`crate::demo`]).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use roster_core::SourceError;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use super::backend::{Bind, Rows, SqlBackend, Value, check_binds};

/// A read-only connection to a PowerSchool-shaped SQLite database.
pub struct SqliteBackend {
    conn: Mutex<Connection>,
    path: PathBuf,
}

impl std::fmt::Debug for SqliteBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteBackend")
            .field("path", &self.path)
            .finish()
    }
}

impl SqliteBackend {
    /// Opens `path` read-only; a missing file is an error (SQLite would create an empty one).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, SourceError> {
        let path = path.as_ref().to_path_buf();
        if !path.is_file() {
            return Err(SourceError::File {
                path: path.display().to_string(),
                reason: "no such file".into(),
            });
        }
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| SourceError::Open {
            path: path.display().to_string(),
            source: Box::new(e),
        })?;
        Ok(SqliteBackend {
            conn: Mutex::new(conn),
            path,
        })
    }

    /// Wraps an open connection (e.g. an in-memory database built by a test).
    pub fn from_connection(conn: Connection) -> Self {
        SqliteBackend {
            path: conn.path().map(PathBuf::from).unwrap_or_default(),
            conn: Mutex::new(conn),
        }
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl SqlBackend for SqliteBackend {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn query(&self, sql: &str, binds: &[Bind]) -> Result<Rows, SourceError> {
        check_binds(sql, binds)?;
        let conn = self
            .conn
            .lock()
            .map_err(|_| SourceError::Other("SQLite connection poisoned".into()))?;
        let q = SourceError::query;
        let mut stmt = conn.prepare_cached(sql).map_err(q)?;
        for (name, value) in binds {
            let key = format!(":{name}");
            let i = stmt
                .parameter_index(&key)
                .map_err(q)?
                .ok_or_else(|| SourceError::query(format!("statement has no bind {key}")))?;
            match value {
                Value::Null => stmt.raw_bind_parameter(i, rusqlite::types::Null),
                Value::Int(n) => stmt.raw_bind_parameter(i, n),
                Value::Float(x) => stmt.raw_bind_parameter(i, x),
                Value::Text(s) => stmt.raw_bind_parameter(i, s.as_str()),
                // PowerSchool-shaped SQLite keeps dates as ISO text.
                Value::Date(d) => stmt.raw_bind_parameter(i, d.format("%Y-%m-%d").to_string()),
            }
            .map_err(q)?;
        }
        let columns: Vec<String> = stmt
            .column_names()
            .iter()
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let width = columns.len();
        let mut out = Rows {
            columns,
            rows: Vec::new(),
            errors: Vec::new(),
        };
        let mut rows = stmt.raw_query();
        while let Some(row) = rows.next().map_err(q)? {
            let mut values = Vec::with_capacity(width);
            for i in 0..width {
                values.push(match row.get_ref(i).map_err(q)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(n) => Value::Int(n),
                    ValueRef::Real(x) => Value::Float(x),
                    ValueRef::Text(t) | ValueRef::Blob(t) => {
                        Value::Text(String::from_utf8_lossy(t).into_owned())
                    }
                });
            }
            out.rows.push(values);
        }
        Ok(out)
    }
}
