//! `enrollments.csv`: students in classes and the classes' teachers, as of a day.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use roster_core::{Enrollment, RowError, SourceError};

use super::Read;
use super::classes::ClassMap;
use super::table::Table;
use super::users::Users;

impl Read {
    /// Enrollments in session `today` in the classes of `sections`, whose teachers they set
    /// (primary teacher first); and the homerooms: student number -> homeroom teacher DCID.
    pub(super) fn enrollments(
        &self,
        users: &Users,
        sections: &mut ClassMap,
        today: NaiveDate,
        problems: &mut Vec<RowError>,
    ) -> Result<(Vec<Enrollment>, BTreeMap<String, i64>), SourceError> {
        let enrollments = Table::read(
            &self.dir,
            "enrollments.csv",
            &["classSourcedId", "userSourcedId", "role"],
        )?;
        let mut teacher_primary: HashSet<String> = HashSet::new();
        let mut out_enrollments = Vec::new();
        let mut homeroom_students: Vec<(String, String)> = Vec::new(); // (student number, class)
        problems.extend(enrollments.unreadable.iter().cloned());
        for row in enrollments.rows() {
            if row.is_deleted() {
                continue;
            }
            let class = row.get("classSourcedId");
            let Some((section, homeroom)) = sections.get_mut(class) else {
                continue; // a class not in session or out of scope
            };
            match (row.date("beginDate"), row.date("endDate")) {
                (Err(e), _) | (_, Err(e)) => {
                    problems.push(e);
                    continue;
                }
                (Ok(b), Ok(e)) if b.is_some_and(|b| b > today) || e.is_some_and(|e| e < today) => {
                    continue;
                }
                _ => {}
            }
            let user = row.get("userSourcedId");
            match row.get("role").to_ascii_lowercase().as_str() {
                "student" => match users.student_numbers.get(user) {
                    Some(n) => {
                        out_enrollments.push(Enrollment {
                            student_number: n.clone(),
                            section_id: section.id,
                        });
                        if *homeroom {
                            homeroom_students.push((n.clone(), class.to_string()));
                        }
                    }
                    None => problems
                        .push(row.error("userSourcedId", format!("unknown student '{user}'"))),
                },
                "teacher" => match users.staff_dcids.get(user) {
                    Some(&dcid) => {
                        let primary = row.get("primary").eq_ignore_ascii_case("true");
                        if section.teacher_dcid.is_none()
                            || (primary && !teacher_primary.contains(class))
                        {
                            section.teacher_dcid = Some(dcid);
                            if primary {
                                teacher_primary.insert(class.to_string());
                            }
                        }
                    }
                    None => problems
                        .push(row.error("userSourcedId", format!("unknown teacher '{user}'"))),
                },
                _ => {}
            }
        }
        let mut homerooms = BTreeMap::new();
        for (student, class) in homeroom_students {
            if let Some(t) = sections.get(&class).and_then(|(s, _)| s.teacher_dcid) {
                homerooms.entry(student).or_insert(t);
            }
        }
        Ok((out_enrollments, homerooms))
    }
}
