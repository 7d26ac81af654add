//! `orgs.csv`: the schools, and the other orgs users may name.

use std::collections::{HashMap, HashSet};

use roster_core::validate;
use roster_core::{RowError, School, SourceError};

use super::Read;
use super::table::Table;
use super::values::{initials, numeric_or_derived};

pub(super) struct Orgs {
    pub(super) schools: Vec<School>,
    pub(super) by_id: HashMap<String, i64>,
    /// Orgs that are not (current) schools: districts, departments, deleted schools. Users
    /// name them in `orgSourcedIds` normally; only ids in neither set are errors.
    pub(super) others: HashSet<String>,
    /// School orgs refused by the field checks: sourcedId -> `orgs.csv line N`.
    pub(super) refused: HashMap<String, String>,
    /// Why each refused or unreadable org row was not loaded.
    pub(super) errors: Vec<RowError>,
}

impl Orgs {
    pub(super) fn school(&self, number: i64) -> Option<&School> {
        self.schools.iter().find(|s| s.number == number)
    }
}

impl Read {
    pub(super) fn orgs(&self) -> Result<Orgs, SourceError> {
        let t = Table::read(&self.dir, "orgs.csv", &["sourcedId", "name", "type"])?;
        let mut schools: Vec<School> = Vec::new();
        let mut by_id = HashMap::new();
        let mut others = HashSet::new();
        let mut refused = HashMap::new();
        let mut all_errors = t.unreadable.clone();
        for row in t.rows() {
            if !row.get("type").eq_ignore_ascii_case("school") || row.is_deleted() {
                others.insert(row.get("sourcedId").to_string());
                continue;
            }
            let mut errors = Vec::new();
            let id = row.required("sourcedId", &mut errors).map(str::trim);
            let name = row.required("name", &mut errors);
            let name = row.check("name", name, &mut errors, validate::ou_component);
            let identifier = row.get("identifier");
            let textual = !identifier.is_empty() && identifier.parse::<i64>().is_err();
            let abbreviation = match &name {
                Some(_) if textual => Some(identifier.to_string()),
                Some(name) => Some(initials(name)),
                None => None,
            };
            let field = if textual { "identifier" } else { "name" };
            let abbreviation = row.check(field, abbreviation, &mut errors, |a| {
                validate::ou_component(&a).map_err(|mut why| {
                    why.reason = format!("gives the abbreviation {}: {}", why.shown, why.reason);
                    why.shown = validate::show(if textual { identifier } else { row.get("name") });
                    why
                })
            });
            let (Some(id), Some(name), Some(abbreviation), true) =
                (id, name, abbreviation, errors.is_empty())
            else {
                if let Some(id) = id {
                    refused.insert(id.to_string(), row.location());
                }
                all_errors.append(&mut errors);
                continue;
            };
            let number = identifier
                .parse::<i64>()
                .ok()
                .unwrap_or_else(|| numeric_or_derived(id));
            if schools.iter().any(|s| s.number == number) {
                all_errors.push(row.error(
                    "identifier",
                    format!("duplicate school number {number}; this org is not loaded"),
                ));
                continue;
            }
            by_id.insert(id.to_string(), number);
            schools.push(School {
                number,
                name,
                abbreviation,
                state_excluded: false,
            });
        }
        schools.sort_by_key(|s| s.number);
        for e in &all_errors {
            tracing::warn!(error = %e, "bad OneRoster org; skipped");
        }
        Ok(Orgs {
            schools,
            by_id,
            others,
            refused,
            errors: all_errors,
        })
    }
}
