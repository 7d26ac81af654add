//! `orgs.csv`: the schools, and the other orgs users may name.

use std::collections::{HashMap, HashSet};

use roster_core::{School, SourceError};

use super::Read;
use super::table::Table;
use super::values::{initials, numeric_or_derived};

pub(super) struct Orgs {
    pub(super) schools: Vec<School>,
    pub(super) by_id: HashMap<String, i64>,
    /// Orgs that are not (current) schools: districts, departments, deleted schools. Users
    /// name them in `orgSourcedIds` normally; only ids in neither set are errors.
    pub(super) others: HashSet<String>,
}

impl Orgs {
    pub(super) fn school(&self, number: i64) -> Option<&School> {
        self.schools.iter().find(|s| s.number == number)
    }
}

impl Read {
    pub(super) fn orgs(&self) -> Result<Orgs, SourceError> {
        let t = Table::read(&self.dir, "orgs.csv", &["sourcedId", "name", "type"])?;
        for e in &t.unreadable {
            tracing::warn!(error = %e, "bad OneRoster org; skipped");
        }
        let mut schools: Vec<School> = Vec::new();
        let mut by_id = HashMap::new();
        let mut others = HashSet::new();
        for row in t.rows() {
            if !row.get("type").eq_ignore_ascii_case("school") || row.is_deleted() {
                others.insert(row.get("sourcedId").to_string());
                continue;
            }
            let mut errors = Vec::new();
            let id = row.required("sourcedId", &mut errors).map(str::trim);
            let name = row.required("name", &mut errors);
            let (Some(id), Some(name), true) = (id, name, errors.is_empty()) else {
                for e in errors {
                    tracing::warn!(error = %e, "bad OneRoster org; skipped");
                }
                continue;
            };
            let identifier = row.get("identifier");
            let number = identifier
                .parse::<i64>()
                .ok()
                .unwrap_or_else(|| numeric_or_derived(id));
            let abbreviation = if !identifier.is_empty() && identifier.parse::<i64>().is_err() {
                identifier.to_string()
            } else {
                initials(name)
            };
            if schools.iter().any(|s| s.number == number) {
                tracing::warn!(row = %row.error("identifier", ""), number, "duplicate school number; skipped");
                continue;
            }
            by_id.insert(id.to_string(), number);
            schools.push(School {
                number,
                name: name.trim().to_string(),
                abbreviation,
                state_excluded: false,
            });
        }
        schools.sort_by_key(|s| s.number);
        Ok(Orgs {
            schools,
            by_id,
            others,
        })
    }
}
