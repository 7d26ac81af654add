//! `users.csv`: students, and staff (teachers, administrators, aides); other roles are
//! skipped.

use std::collections::HashMap;

use roster_core::{
    EnrollStatus, Loaded, RowError, SchoolAssignment, Scope, SourceError, Staff, StaffType, Student,
};

use roster_core::validate::{self, Emails};

use super::Read;
use super::orgs::Orgs;
use super::powerschool_columns::StaffColumns;
use super::table::{RowRef, Table};
use super::values::{numeric_or_derived, parse_grade};

pub(super) struct Users {
    pub(super) students: Loaded<Student>,
    pub(super) staff: Loaded<Staff>,
    /// sourcedId -> student number / staff DCID, for enrollments.
    pub(super) student_numbers: HashMap<String, String>,
    pub(super) staff_dcids: HashMap<String, i64>,
}

impl Read {
    pub(super) fn users(&self, orgs: &Orgs, scope: &Scope) -> Result<Users, SourceError> {
        let t = Table::read(
            &self.dir,
            "users.csv",
            &[
                "sourcedId",
                "role",
                "givenName",
                "familyName",
                "orgSourcedIds",
            ],
        )?;
        let mut out = Users {
            students: Loaded::default(),
            staff: Loaded::default(),
            student_numbers: HashMap::new(),
            staff_dcids: HashMap::new(),
        };
        // An unreadable row may be a student or staff: both jobs hear about it.
        out.students.errors.extend(t.unreadable.iter().cloned());
        out.staff.errors.extend(t.unreadable.iter().cloned());
        let mut seen_students: HashMap<String, u64> = HashMap::new();
        let mut seen_staff: HashMap<i64, u64> = HashMap::new();
        let mut emails = Emails::new();
        for row in t.rows() {
            let role = row.get("role").to_ascii_lowercase();
            let is_student = role == "student";
            let staff_type = match role.as_str() {
                "teacher" => Some(StaffType::Teacher),
                "administrator" | "aide" => Some(StaffType::Staff),
                _ => None,
            };
            if !is_student && staff_type.is_none() {
                continue;
            }
            let mut errors = Vec::new();
            let source_id = row.required("sourcedId", &mut errors).map(str::trim);
            // Schools first: a row for a school out of scope is not this run's business.
            let mut schools = Vec::new();
            for org in row.list("orgSourcedIds") {
                match orgs.by_id.get(org) {
                    Some(&n) => schools.push(n),
                    None if orgs.refused.contains_key(org) => errors.push(row.error(
                        "orgSourcedIds",
                        format!(
                            "school org {} is refused ({}); this row is not loaded",
                            validate::show(org),
                            orgs.refused[org]
                        ),
                    )),
                    // Districts and departments are orgs too; only unknown ids are errors.
                    None if orgs.others.contains(org) => {}
                    None => errors.push(row.error(
                        "orgSourcedIds",
                        format!("unknown org '{}'", validate::escape(org)),
                    )),
                }
            }
            if schools.is_empty() && errors.iter().all(|e| e.field != "orgSourcedIds") {
                errors.push(row.error("orgSourcedIds", "names no school"));
            }
            let in_scope = schools
                .iter()
                .any(|&n| orgs.school(n).is_some_and(|s| scope.includes(s)));
            if !schools.is_empty() && !in_scope {
                continue;
            }
            let first = row.required("givenName", &mut errors);
            let first = row.check("givenName", first, &mut errors, validate::person_name);
            let last = row.required("familyName", &mut errors);
            let last = row.check("familyName", last, &mut errors, validate::person_name);
            let disabled = row.get("enabledUser").eq_ignore_ascii_case("false") || row.is_deleted();
            let email = Some(row.raw("email")).filter(|e| !e.trim().is_empty());
            let email = row.check("email", email, &mut errors, validate::email);
            let identifier = Some(row.get("identifier").to_string()).filter(|e| !e.is_empty());
            if is_student {
                let grade = match row.list("grades").first() {
                    None => {
                        errors.push(row.error("grades", "is empty"));
                        None
                    }
                    Some(g) => match parse_grade(g) {
                        Ok(g) => Some(g),
                        Err(reason) => {
                            errors.push(row.error("grades", reason));
                            None
                        }
                    },
                };
                let number = identifier.clone().or_else(|| source_id.map(str::to_string));
                let number_field = if identifier.is_some() {
                    "identifier"
                } else {
                    "sourcedId"
                };
                let number = row.check(number_field, number, &mut errors, |n| {
                    validate::identifier(&n, &self.rules)
                });
                if let (Some(n), Some(sid)) = (&number, source_id) {
                    out.student_numbers.insert(sid.to_string(), n.clone());
                    if let Some(line) = seen_students.get(n) {
                        errors.push(row.error(
                            number_field,
                            format!("duplicate student number {n}: already loaded from line {line}; this row is not loaded"),
                        ));
                    }
                }
                claim(&mut emails, email.as_deref(), &row, &mut errors);
                if !errors.is_empty() {
                    out.students.errors.append(&mut errors);
                    continue;
                }
                let (Some(number), Some(first), Some(last), Some(grade)) =
                    (number, first, last, grade)
                else {
                    continue;
                };
                seen_students.insert(number.clone(), row.line);
                out.students.rows.push(Student {
                    student_number: number,
                    id: None,
                    dcid: source_id.and_then(|s| s.parse().ok()),
                    first_name: self.names.apply(first),
                    last_name: self.names.apply(last),
                    grade,
                    school: schools[0],
                    enroll_status: if disabled {
                        EnrollStatus::Inactive
                    } else {
                        EnrollStatus::Active
                    },
                    class_of: None,
                    home_room: None,
                    dob: None,
                    email,
                    web_username: None,
                    web_password: None,
                });
            } else {
                let ps = StaffColumns::read(&row, &mut errors);
                let dcid = ps.dcid.or_else(|| source_id.map(numeric_or_derived));
                if let (Some(d), Some(sid)) = (dcid, source_id) {
                    out.staff_dcids.insert(sid.to_string(), d);
                    if let Some(line) = seen_staff.get(&d) {
                        errors.push(row.error(
                            "sourcedId",
                            format!("duplicate staff id {d}: already loaded from line {line}; this row is not loaded"),
                        ));
                    }
                }
                claim(&mut emails, email.as_deref(), &row, &mut errors);
                if !errors.is_empty() {
                    out.staff.errors.append(&mut errors);
                    continue;
                }
                let (Some(dcid), Some(first), Some(last), Some(staff_type)) =
                    (dcid, first, last, staff_type)
                else {
                    continue;
                };
                seen_staff.insert(dcid, row.line);
                let status = if disabled { 2 } else { 1 };
                let home_school = ps.home_school.unwrap_or(schools[0]);
                out.staff.rows.push(Staff {
                    dcid,
                    email,
                    first_name: self.names.apply(first),
                    last_name: self.names.apply(last),
                    teacher_number: identifier,
                    home_school,
                    schools: schools
                        .iter()
                        .map(|&school| SchoolAssignment {
                            school,
                            status,
                            staff_type: match ps.staff_type {
                                Some(t) if school == home_school => t,
                                _ => staff_type,
                            },
                        })
                        .collect(),
                    group: ps.group,
                    cell_phone: Some(row.get("sms").to_string()).filter(|p| !p.is_empty()),
                    pt_access: ps.pt_access,
                });
            }
        }
        for e in out.students.errors.iter().chain(&out.staff.errors) {
            tracing::warn!(row = %e.source_row, field = %e.field, reason = %e.reason, "bad OneRoster row");
        }
        Ok(out)
    }
}

/// Email uniqueness across the file (students and staff): the first row keeps an address;
/// a later row of an otherwise good person is a row error naming the first.
fn claim(emails: &mut Emails, email: Option<&str>, row: &RowRef<'_>, errors: &mut Vec<RowError>) {
    if errors.is_empty()
        && let Some(e) = email
        && let Err(why) = emails.claim(e, &row.location())
    {
        errors.push(why.at(row.location(), "email"));
    }
}
