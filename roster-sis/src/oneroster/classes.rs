//! `classes.csv`, and [`Classes`] as of a day: sessions, classes and enrollments together.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use roster_core::{Classes, RowError, Scope, Section, SourceError, Term};

use super::Read;
use super::orgs::Orgs;
use super::sessions::Session;
use super::table::Table;
use super::values::numeric_or_derived;

/// Classes by `sourcedId`: the section, and whether it is a homeroom.
pub(super) type ClassMap = BTreeMap<String, (Section, bool)>;

/// The terms of the classes, by (school, term id).
type TermMap = BTreeMap<(i64, i64), Term>;

impl Read {
    pub(super) fn classes(&self, scope: &Scope, today: NaiveDate) -> Result<Classes, SourceError> {
        let orgs = self.orgs()?;
        let users = self.users(&orgs, &Scope::All)?;
        let mut problems: Vec<RowError> = Vec::new();

        let current = self.sessions(today, &mut problems)?;
        let (mut sections, terms) = self.class_rows(&orgs, scope, &current, &mut problems)?;
        let (mut out_enrollments, homerooms) =
            self.enrollments(&users, &mut sections, today, &mut problems)?;
        for e in &problems {
            tracing::warn!(row = %e.source_row, field = %e.field, reason = %e.reason, "bad OneRoster class row");
        }
        let mut sections: Vec<Section> = sections.into_values().map(|(s, _)| s).collect();
        sections.sort_by_key(|s| (s.school, s.id));
        out_enrollments.sort_by(|a, b| {
            (a.section_id, &a.student_number).cmp(&(b.section_id, &b.student_number))
        });
        Ok(Classes {
            terms: terms.into_values().collect(),
            sections,
            enrollments: out_enrollments,
            homerooms,
            errors: problems,
        })
    }

    /// Classes with a current term, in scope, and their terms by (school, term id).
    fn class_rows(
        &self,
        orgs: &Orgs,
        scope: &Scope,
        current: &HashMap<String, Session>,
        problems: &mut Vec<RowError>,
    ) -> Result<(ClassMap, TermMap), SourceError> {
        let classes = Table::read(
            &self.dir,
            "classes.csv",
            &["sourcedId", "title", "schoolSourcedId", "termSourcedIds"],
        )?;
        let mut sections: ClassMap = BTreeMap::new();
        let mut terms: TermMap = BTreeMap::new();
        problems.extend(classes.unreadable.iter().cloned());
        for row in classes.rows() {
            if row.is_deleted() {
                continue;
            }
            let Some(&school) = orgs.by_id.get(row.get("schoolSourcedId")) else {
                problems.push(row.error(
                    "schoolSourcedId",
                    format!("unknown school '{}'", row.get("schoolSourcedId")),
                ));
                continue;
            };
            if !orgs.school(school).is_some_and(|s| scope.includes(s)) {
                continue;
            }
            let Some(term) = row
                .list("termSourcedIds")
                .into_iter()
                .find_map(|t| current.get(t))
            else {
                continue;
            };
            let sid = row.get("sourcedId");
            let course_number = Some(row.get("courseSourcedId"))
                .filter(|c| !c.is_empty())
                .unwrap_or_else(|| row.get("classCode"))
                .to_string();
            terms.entry((school, term.0)).or_insert_with(|| Term {
                id: term.0,
                year_id: term.1,
                name: term.2.clone(),
                school,
                first_day: term.3,
                last_day: term.4,
            });
            let homeroom = row.get("classType").eq_ignore_ascii_case("homeroom");
            sections.insert(
                sid.to_string(),
                (
                    Section {
                        id: numeric_or_derived(sid),
                        school,
                        course_number,
                        course_name: row.get("title").to_string(),
                        section_number: row.get("classCode").to_string(),
                        term_id: term.0,
                        teacher_dcid: None,
                        expression: row.get("periods").to_string(),
                    },
                    homeroom,
                ),
            );
        }
        Ok((sections, terms))
    }
}
