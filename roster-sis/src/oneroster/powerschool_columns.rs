//! The PowerSchool extension columns of `users.csv`
//! ([`roster_core::oneroster_extension`]): `metadata.powerschool.dcid`, `.groupvalue`,
//! `.ptaccess`, `.homeschoolid`, `.stafftype`. Each is optional: an absent column or a blank
//! value leaves the field unknown (as a plain OneRoster file has it). A value that is not a
//! whole number in the column's range (a letter, a sign, a control character, too big) is a
//! row error at the file, line and column, and the row is not loaded.

use std::path::Path;

use roster_core::model::SchoolNumber;
use roster_core::oneroster_extension as ext;
use roster_core::validate;
use roster_core::{RowError, SourceError, StaffType};

use super::table::{RowRef, column_name};

/// What a staff row's extension columns say; `None` when the column is absent or blank.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct StaffColumns {
    pub(super) dcid: Option<i64>,
    pub(super) group: Option<i64>,
    pub(super) pt_access: Option<i64>,
    pub(super) home_school: Option<SchoolNumber>,
    pub(super) staff_type: Option<StaffType>,
}

impl StaffColumns {
    /// The row's values; each bad one is pushed onto `errors`.
    pub(super) fn read(row: &RowRef<'_>, errors: &mut Vec<RowError>) -> StaffColumns {
        let mut number = |column| whole_number(row, column, errors);
        StaffColumns {
            dcid: number(ext::DCID),
            group: number(ext::GROUP_VALUE),
            pt_access: number(ext::PT_ACCESS),
            home_school: number(ext::HOME_SCHOOL_ID),
            staff_type: number(ext::STAFF_TYPE)
                .and_then(|n| i32::try_from(n).ok())
                .map(StaffType::from),
        }
    }
}

/// A column's value as a whole number from 0 to the column's maximum; `None` when blank.
fn whole_number(row: &RowRef<'_>, column: &str, errors: &mut Vec<RowError>) -> Option<i64> {
    let raw = row.raw(column);
    if raw.trim().is_empty() {
        return None;
    }
    let max = ext::max_value(column).unwrap_or(i64::MAX);
    let digits = raw.trim_matches(' ');
    let parsed = if digits.len() > 19 {
        None
    } else if digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse::<i64>().ok().filter(|n| *n <= max)
    } else {
        None
    };
    if parsed.is_none() {
        let why = if raw.chars().any(char::is_control) {
            format!("has a control character (a whole number from 0 to {max})")
        } else {
            format!("is not a whole number from 0 to {max}")
        };
        errors.push(row.error(column, format!("{why}: {}", validate::show(raw))));
    }
    parsed
}

/// The PowerSchool extension columns the `users.csv` of `dir` (a folder or a zip) has in its
/// header, in [`ext::ALL`]'s order.
pub fn in_users_header(dir: &Path) -> Result<Vec<&'static str>, SourceError> {
    let path = super::archive::display(dir, "users.csv");
    let err = |reason: String| SourceError::File {
        path: path.clone(),
        reason,
    };
    let bytes = super::archive::read(dir, "users.csv").map_err(err)?;
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(bytes.as_slice());
    let header = rdr.headers().map_err(|e| err(e.to_string()))?;
    let names: Vec<&str> = header.iter().map(column_name).collect();
    Ok(ext::ALL.into_iter().filter(|c| names.contains(c)).collect())
}
