//! Every setting's range, checked before any work (issue 19 item 4).
//!
//! Flags are checked by clap with the parsers below (a bad one is clap's exit 2 naming the
//! flag); environment variables by [`check_env`], which the district mains call before they
//! touch the SIS or Google. A bad value is one line naming the setting, never a panic.

use crate::error::ConfigError;

/// The most changes a run applies at once (Google's per-user quota makes more pointless).
pub const MAX_CONCURRENCY: usize = 256;
/// School numbers are positive and at most nine digits (PowerSchool's `SCHOOL_NUMBER`).
pub const MAX_SCHOOL_NUMBER: i64 = 999_999_999;
/// `GOOGLE_QUOTA_PER_MINUTE`: Google grants at most a few hundred thousand per minute.
pub const MAX_QUOTA_PER_MINUTE: f64 = 1_000_000.0;

/// `--concurrency`: 1 to [`MAX_CONCURRENCY`].
pub fn concurrency(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_CONCURRENCY).contains(&n) => Ok(n),
        _ => Err(format!(
            "must be a whole number from 1 to {MAX_CONCURRENCY}"
        )),
    }
}

/// `--school`: 1 to [`MAX_SCHOOL_NUMBER`].
pub fn school_number(s: &str) -> Result<i64, String> {
    match s.trim().parse::<i64>() {
        Ok(n) if (1..=MAX_SCHOOL_NUMBER).contains(&n) => Ok(n),
        _ => Err(format!(
            "must be a school number from 1 to {MAX_SCHOOL_NUMBER}"
        )),
    }
}

/// `--demo-students`: 1 to [`crate::demo::MAX_DEMO_STUDENTS`].
pub fn demo_students(s: &str) -> Result<usize, String> {
    let max = crate::demo::MAX_DEMO_STUDENTS;
    match s.trim().parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!("must be a number of students from 1 to {max}")),
    }
}

/// `GOOGLE_QUOTA_PER_MINUTE` as requests per second, when set.
pub fn quota_per_second(value: Option<&str>) -> Result<Option<f64>, ConfigError> {
    let Some(v) = value else { return Ok(None) };
    match v.trim().parse::<f64>() {
        Ok(q) if q.is_finite() && (1.0..=MAX_QUOTA_PER_MINUTE).contains(&q) => Ok(Some(q / 60.0)),
        _ => Err(ConfigError::OutOfRange {
            name: "GOOGLE_QUOTA_PER_MINUTE",
            value: v.to_string(),
            range: "a number of requests from 1 to 1000000",
        }),
    }
}

/// Checks every numeric environment variable the binaries read, before any work.
pub fn check_env(var: &dyn Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
    quota_per_second(var("GOOGLE_QUOTA_PER_MINUTE").as_deref())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_parsers_take_the_range_and_refuse_the_rest() {
        assert_eq!(concurrency("16"), Ok(16));
        assert_eq!(school_number("101"), Ok(101));
        for bad in ["0", "-1", "NaN", "inf", "1e400", "99999999999999999999", ""] {
            assert!(concurrency(bad).is_err(), "{bad}");
            assert!(school_number(bad).is_err(), "{bad}");
            assert!(demo_students(bad).is_err(), "{bad}");
            assert!(quota_per_second(Some(bad)).is_err(), "{bad}");
        }
    }
}
