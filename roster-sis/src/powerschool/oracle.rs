//! The Oracle backend: PowerSchool's own database through the `oracle` crate (ODPI-C).
//!
//! The crate bundles ODPI-C and loads Oracle's client library (`libclntsh`/`oci.dll`) at run
//! time, so building needs nothing from Oracle; running needs Oracle Instant Client. Without
//! it every connect fails with `DPI-1047`, which [`OracleError::InstantClientMissing`] turns
//! into a message that names the fix.
//!
//! Types on the Oracle side: `NUMBER` columns are fetched as text and read as whole numbers
//! (floats when they have a fraction); `DATE`/`TIMESTAMP` as dates (the time part dropped);
//! everything else as text. Text binds are `VARCHAR2` (not the driver's default `NVARCHAR2`).
//! A date bind ([`Value::Date`]) is bound as an Oracle `DATE` at midnight, which is what
//! PowerSchool stores in `TERMS.FIRSTDAY`/`LASTDAY`, so the SQL text is the same as on
//! SQLite, where dates are ISO text.
//!
//! The password lives in a [`Secret`]: `Debug` prints `***`, and every message built here is
//! scrubbed of it in case a driver error ever echoed it.

use std::sync::Mutex;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use oracle::sql_type::{OracleType, Timestamp, ToSql};
use oracle::{Connection, Connector};
use roster_core::{Secret, SourceError};

use super::backend::{Bind, Rows, SqlBackend, Value, check_binds};

/// Environment variables of the D118 scripts.
pub const ENV_USER: &str = "POWERSCHOOL_READ_USER";
/// The password's variable.
pub const ENV_PASSWORD: &str = "POWERSCHOOL_DB_PASSWORD";
/// The connect string's variable.
pub const ENV_DB: &str = "POWERSCHOOL_PROD_DB";

/// Where and how to connect. `Debug` never shows the password.
#[derive(Clone, Debug)]
pub struct OracleConfig {
    /// The database user.
    pub user: String,
    /// Its password.
    pub password: Secret,
    /// An Easy Connect string (`host:port/service`) or a TNS alias.
    pub connect_string: String,
}

impl OracleConfig {
    /// From `POWERSCHOOL_READ_USER`, `POWERSCHOOL_DB_PASSWORD`, `POWERSCHOOL_PROD_DB`.
    pub fn from_env() -> Result<Self, OracleError> {
        let var = |name: &'static str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.is_empty())
                .ok_or(OracleError::MissingEnv(name))
        };
        Ok(OracleConfig {
            user: var(ENV_USER)?,
            password: Secret::from_env(ENV_PASSWORD)
                .ok_or(OracleError::MissingEnv(ENV_PASSWORD))?,
            connect_string: var(ENV_DB)?,
        })
    }
}

/// What can go wrong talking to Oracle. No variant ever holds the password.
#[derive(Debug, thiserror::Error)]
pub enum OracleError {
    #[error("environment variable {0} is not set")]
    /// A required environment variable is not set.
    MissingEnv(&'static str),
    #[error(
        "Oracle Instant Client was not found (DPI-1047). The oracle driver loads it at run time: \
         install Oracle Instant Client Basic or Basic Light (64-bit, 19c or later) for this \
         platform and make its directory findable: on Linux add it to LD_LIBRARY_PATH (or \
         register it with ldconfig), on Windows add it to PATH, on macOS put it in \
         DYLD_LIBRARY_PATH or ~/lib. Driver said: {detail}"
    )]
    /// Oracle Instant Client could not be loaded.
    InstantClientMissing {
        /// The driver's message.
        detail: String,
    },
    #[error("cannot connect to PowerSchool database {connect_string} as {user}: {detail}")]
    /// The database refused the connection.
    Connect {
        /// The user.
        user: String,
        /// The connect string.
        connect_string: String,
        /// The driver's message (never the password).
        detail: String,
    },
    #[error("PowerSchool query failed: {0}")]
    /// A statement failed.
    Query(String),
}

/// An [`OracleError`] is scrubbed when it is built, so it is kept whole as the cause.
impl From<OracleError> for SourceError {
    fn from(e: OracleError) -> Self {
        match e {
            OracleError::Query(m) => SourceError::query(m),
            other => SourceError::connect(other),
        }
    }
}

/// Replaces the password in a driver message, should it ever appear there.
fn scrub(message: String, password: &Secret) -> String {
    let p = password.expose();
    if p.len() >= 3 && message.contains(p) {
        message.replace(p, "***")
    } else {
        message
    }
}

/// Turns a connect failure into an [`OracleError`]; `DPI-1047` names the fix.
pub fn translate_connect_error(message: String, config: &OracleConfig) -> OracleError {
    let detail = scrub(message, &config.password);
    if detail.contains("DPI-1047") {
        OracleError::InstantClientMissing { detail }
    } else {
        OracleError::Connect {
            user: config.user.clone(),
            connect_string: config.connect_string.clone(),
            detail,
        }
    }
}

/// A date bound as Oracle `DATE` (midnight).
struct OracleDate(NaiveDate);

impl ToSql for OracleDate {
    fn oratype(&self, _conn: &Connection) -> oracle::Result<OracleType> {
        Ok(OracleType::Date)
    }

    fn to_sql(&self, val: &mut oracle::SqlValue) -> oracle::Result<()> {
        let d = self.0;
        Timestamp::new(d.year(), d.month(), d.day(), 0, 0, 0, 0)?.to_sql(val)
    }
}

/// Text bound as `VARCHAR2` (a Rust `String` binds as `NVARCHAR2`, which makes Oracle
/// convert PowerSchool's `VARCHAR2` columns and skip their indexes).
struct OracleText(String);

impl ToSql for OracleText {
    fn oratype(&self, _conn: &Connection) -> oracle::Result<OracleType> {
        Ok(OracleType::Varchar2(self.0.len().max(1) as u32))
    }

    fn to_sql(&self, val: &mut oracle::SqlValue) -> oracle::Result<()> {
        self.0.to_sql(val)
    }
}

/// A connection to PowerSchool's Oracle database.
pub struct OracleBackend {
    conn: Mutex<Connection>,
    password: Secret,
}

impl std::fmt::Debug for OracleBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OracleBackend").finish_non_exhaustive()
    }
}

impl OracleBackend {
    /// Connects (blocking: call it from `spawn_blocking`, or use [`Self::connect_async`]).
    pub fn connect(config: &OracleConfig) -> Result<Self, OracleError> {
        tracing::info!(user = %config.user, db = %config.connect_string, "connecting to PowerSchool (Oracle)");
        let conn = Connector::new(
            config.user.as_str(),
            config.password.expose(),
            config.connect_string.as_str(),
        )
        .connect()
        .map_err(|e| translate_connect_error(e.to_string(), config))?;
        Ok(OracleBackend {
            conn: Mutex::new(conn),
            password: config.password.clone(),
        })
    }

    /// [`Self::connect`] off the async runtime.
    pub async fn connect_async(config: OracleConfig) -> Result<Self, OracleError> {
        tokio::task::spawn_blocking(move || Self::connect(&config))
            .await
            .map_err(|e| OracleError::Query(format!("connect task failed: {e}")))?
    }

    fn query_inner(&self, sql: &str, binds: &[Bind]) -> Result<Rows, oracle::Error> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let mut stmt = conn
            .statement(sql)
            .fetch_array_size(1000)
            .prefetch_rows(1000)
            .build()?;
        let owned: Vec<(&str, Box<dyn ToSql>)> = binds
            .iter()
            .map(|(name, v)| {
                let b: Box<dyn ToSql> = match v {
                    Value::Null => Box::new(None::<String>),
                    Value::Int(n) => Box::new(*n),
                    Value::Float(x) => Box::new(*x),
                    Value::Text(s) => Box::new(OracleText(s.clone())),
                    // An Oracle DATE at midnight, like PowerSchool's DATE columns (a plain
                    // NaiveDate would bind as TIMESTAMP and convert the column side).
                    Value::Date(d) => Box::new(OracleDate(*d)),
                };
                (*name, b)
            })
            .collect();
        let params: Vec<(&str, &dyn ToSql)> = owned.iter().map(|(n, b)| (*n, b.as_ref())).collect();
        let result = stmt.query_named(&params)?;
        let info: Vec<OracleType> = result
            .column_info()
            .iter()
            .map(|c| c.oracle_type().clone())
            .collect();
        let columns = result
            .column_info()
            .iter()
            .map(|c| c.name().to_ascii_uppercase())
            .collect();
        let mut out = Rows {
            columns,
            rows: Vec::new(),
            errors: Vec::new(),
        };
        for row in result {
            let row = row?;
            let mut values = Vec::with_capacity(info.len());
            for (sv, ty) in row.sql_values().iter().zip(&info) {
                values.push(match ty {
                    OracleType::Number(..)
                    | OracleType::Float(_)
                    | OracleType::BinaryFloat
                    | OracleType::BinaryDouble
                    | OracleType::Int64
                    | OracleType::UInt64 => match sv.get::<Option<String>>()? {
                        None => Value::Null,
                        Some(s) => match s.parse::<i64>() {
                            Ok(n) => Value::Int(n),
                            Err(_) => s.parse::<f64>().map(Value::Float).unwrap_or(Value::Text(s)),
                        },
                    },
                    OracleType::Date
                    | OracleType::Timestamp(_)
                    | OracleType::TimestampTZ(_)
                    | OracleType::TimestampLTZ(_) => match sv.get::<Option<NaiveDateTime>>()? {
                        None => Value::Null,
                        Some(dt) => Value::Date(dt.date()),
                    },
                    _ => match sv.get::<Option<String>>()? {
                        None => Value::Null,
                        Some(s) => Value::Text(s),
                    },
                });
            }
            out.rows.push(values);
        }
        Ok(out)
    }
}

impl SqlBackend for OracleBackend {
    fn name(&self) -> &'static str {
        "oracle"
    }

    fn query(&self, sql: &str, binds: &[Bind]) -> Result<Rows, SourceError> {
        check_binds(sql, binds)?;
        self.query_inner(sql, binds)
            // The driver's error may echo the password: keep only its scrubbed text.
            .map_err(|e| SourceError::query(scrub(e.to_string(), &self.password)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_hides_the_password() {
        let pw = Secret::new("Tr0ub4dor&3");
        let msg = scrub("ORA-01017: bad login Tr0ub4dor&3".into(), &pw);
        assert_eq!(msg, "ORA-01017: bad login ***");
    }

    #[test]
    fn config_debug_hides_the_password() {
        let c = OracleConfig {
            user: "psnavigator".into(),
            password: Secret::new("Tr0ub4dor&3"),
            connect_string: "ps.example:1521/PSPRODDB".into(),
        };
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("Tr0ub4dor"), "{dbg}");
        assert!(dbg.contains("psnavigator"));
    }
}
