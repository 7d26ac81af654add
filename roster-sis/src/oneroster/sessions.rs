//! `academicSessions.csv`: the terms in session on a given day.

use std::collections::HashMap;

use chrono::NaiveDate;
use roster_core::{RowError, SourceError};

use super::Read;
use super::table::Table;
use super::values::numeric_or_derived;

/// A session in session: (term id, school year, title, first day, last day).
pub(super) type Session = (i64, i64, String, NaiveDate, NaiveDate);

impl Read {
    /// Sessions in session `today`, by `sourcedId`; bad rows go to `problems`.
    pub(super) fn sessions(
        &self,
        today: NaiveDate,
        problems: &mut Vec<RowError>,
    ) -> Result<HashMap<String, Session>, SourceError> {
        let sessions = Table::read(
            &self.dir,
            "academicSessions.csv",
            &["sourcedId", "startDate", "endDate"],
        )?;
        let mut current: HashMap<String, Session> = HashMap::new();
        problems.extend(sessions.unreadable.iter().cloned());
        for row in sessions.rows() {
            if row.is_deleted() {
                continue;
            }
            let (start, end) = match (row.date("startDate"), row.date("endDate")) {
                (Ok(Some(s)), Ok(Some(e))) => (s, e),
                (Err(e), _) | (_, Err(e)) => {
                    problems.push(e);
                    continue;
                }
                (Ok(None), _) => {
                    problems.push(row.error("startDate", "is empty"));
                    continue;
                }
                (_, Ok(None)) => {
                    problems.push(row.error("endDate", "is empty"));
                    continue;
                }
            };
            if start <= today && today <= end {
                let sid = row.get("sourcedId");
                let year = row.get("schoolYear").parse().unwrap_or(0);
                current.insert(
                    sid.to_string(),
                    (
                        numeric_or_derived(sid),
                        year,
                        row.get("title").to_string(),
                        start,
                        end,
                    ),
                );
            }
        }
        Ok(current)
    }
}
