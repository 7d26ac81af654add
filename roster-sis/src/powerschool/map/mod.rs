//! PowerSchool rows -> model values. Shared by both backends; every bad value becomes a
//! [`RowError`](roster_core::RowError) naming the table, the row's key and the column, and
//! the rest still load.
//!
//! One file per thing mapped ([`schools()`], [`students()`], [`staff()`], and the class rows:
//! [`terms()`], [`sections()`], [`enrollments()`], [`homerooms()`]), on the parse helpers of
//! `parse`.

mod classes;
mod parse;
mod schools;
mod staff;
mod students;
mod web_logins;

use roster_core::policy::title_case;

pub use self::classes::{enrollments, homerooms, sections, terms};
pub use self::parse::{date, int, text};
pub use self::schools::{RefusedSchools, refused_school_reason, schools};
pub use self::staff::{cell_phones, staff};
pub use self::students::students;
pub use self::web_logins::web_logins;

/// How person names leave the source.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum NameCase {
    /// Exactly as the SIS spells them (no trimming, no case change). The default.
    #[default]
    Keep,
    /// [`roster_core::policy::title_case`]: `O'BRIEN` -> `O'Brien`, `DE LA CRUZ` -> `De la Cruz`;
    /// whitespace runs collapse to one space.
    Title,
}

impl NameCase {
    /// The name with this case rule applied.
    pub fn apply(self, name: String) -> String {
        match self {
            NameCase::Keep => name,
            NameCase::Title => title_case(&name),
        }
    }
}

#[cfg(test)]
fn test_rows(columns: &[&str], data: Vec<Vec<super::backend::Value>>) -> super::backend::Rows {
    super::backend::Rows {
        columns: columns.iter().map(|c| c.to_string()).collect(),
        rows: data,
        errors: Vec::new(),
    }
}
