//! `USERS` x `SCHOOLSTAFF` rows -> [`Staff`], and the district's cell-phone query.

use std::collections::HashMap;

use roster_core::validate::{self, Emails, FieldRules};
use roster_core::{Loaded, RowError, SchoolAssignment, Staff};

use super::super::backend::Rows;
use super::NameCase;
use super::parse::{RowCheck, text};
use super::schools::{RefusedSchools, refused_school_reason};

/// `USERS` x `SCHOOLSTAFF` rows ordered by DCID, grouped into one [`Staff`] per user.
/// A bad user column drops the user (row error on `USERS DCID=n`); a bad assignment drops
/// only that assignment (row error on `SCHOOLSTAFF ID=n`). A NULL `STAFFSTATUS` reads as 0
/// (not assigned), as PowerSchool's screens show it. `cell_phones` come from the optional
/// district query.
///
/// Every value goes through [`roster_core::validate`]: a bad DCID, name or email, an
/// email another user already has (the first in DCID order keeps it), a home school whose
/// SCHOOLS row was refused, or an assignment with a `STAFFSTATUS` PowerSchool does not
/// define is a row error and the user is not loaded (never created, moved or suspended).
pub fn staff(
    rows: &Rows,
    names: NameCase,
    cell_phones: &HashMap<i64, String>,
    rules: &FieldRules,
    refused: &RefusedSchools,
) -> Loaded<Staff> {
    let idx = rows.index();
    let mut loaded: Loaded<Staff> = Loaded::default();
    let mut emails = Emails::new();
    let mut i = 0;
    while i < rows.rows.len() {
        let row = &rows.rows[i];
        let dcid_value = idx.get(row, "DCID");
        // The group: consecutive rows with the same DCID.
        let mut j = i + 1;
        while j < rows.rows.len()
            && idx.get(&rows.rows[j], "DCID") == dcid_value
            && !dcid_value.is_null()
        {
            j += 1;
        }
        let key =
            text(dcid_value).map_or_else(|| format!("row {}", i + 1), |d| format!("DCID={d}"));
        let mut c = RowCheck::new("USERS", key.clone(), &idx, row);
        let dcid = c.req_int("DCID");
        let dcid = c.check("DCID", dcid, |d| validate::id_number(d, rules));
        let first_name = c.req_text("FIRST_NAME");
        let first_name = c.check("FIRST_NAME", first_name, |n| validate::person_name(&n));
        let last_name = c.req_text("LAST_NAME");
        let last_name = c.check("LAST_NAME", last_name, |n| validate::person_name(&n));
        let home_school = c.req_int("HOMESCHOOLID");
        if let Some(n) = home_school
            && let Some(at) = refused.get(&n)
        {
            c.fail("HOMESCHOOLID", refused_school_reason(n, at));
        }
        let group = c.opt_int("GROUPVALUE");
        let email = c.opt_text("EMAIL_ADDR");
        let email = c.check("EMAIL_ADDR", email, |e| validate::email(&e));
        let teacher_number = c.opt_text("TEACHERNUMBER");
        // A bad PTACCESS is reported and read as NULL; it does not drop the user (only
        // KIPP's ST Math codes depend on it, and they go blank).
        let mut pt = RowCheck::new("USERS", key, &idx, row);
        let pt_access = pt.opt_int("PTACCESS");
        loaded.errors.append(&mut pt.errors);
        let mut schools = Vec::new();
        for arow in &rows.rows[i..j] {
            let Some(ss_id) = text(idx.get(arow, "SCHOOLSTAFF_ID")) else {
                continue; // LEFT JOIN: no assignments
            };
            let mut a = RowCheck::new("SCHOOLSTAFF", format!("ID={ss_id}"), &idx, arow);
            let school = a.req_int("SCHOOLID");
            let status = a.req_i32("STATUS");
            let staff_type = a.opt_i32("STAFFSTATUS").unwrap_or(0);
            let Some(staff_type) = a.check("STAFFSTATUS", Some(staff_type), validate::staff_type)
            else {
                // Unknown type: the whole user is skipped, never treated as inactive.
                c.fail(
                    "SCHOOLSTAFF",
                    format!(
                        "assignment {} is refused; this user is not loaded",
                        a.source_row()
                    ),
                );
                loaded.errors.append(&mut a.errors);
                continue;
            };
            match (school, status) {
                (Some(school), Some(status)) if a.errors.is_empty() => {
                    schools.push(SchoolAssignment {
                        school,
                        status,
                        staff_type,
                    })
                }
                _ => loaded.errors.append(&mut a.errors),
            }
        }
        i = j;
        if c.errors.is_empty()
            && let Some(e) = &email
            && let Err(why) = emails.claim(e, &c.source_row())
        {
            let e = why.at(c.source_row(), "EMAIL_ADDR");
            c.errors.push(e);
        }
        if !c.errors.is_empty() {
            loaded.errors.append(&mut c.errors);
            continue;
        }
        let (Some(dcid), Some(first_name), Some(last_name), Some(home_school)) =
            (dcid, first_name, last_name, home_school)
        else {
            continue;
        };
        loaded.rows.push(Staff {
            dcid,
            email,
            first_name: names.apply(first_name),
            last_name: names.apply(last_name),
            teacher_number,
            home_school,
            schools,
            group,
            cell_phone: cell_phones.get(&dcid).cloned(),
            pt_access,
        });
    }
    loaded
}

/// Rows of the cell-phone query -> DCID -> phone (first non-blank per DCID).
pub fn cell_phones(rows: &Rows) -> (HashMap<i64, String>, Vec<RowError>) {
    let idx = rows.index();
    let mut out = HashMap::new();
    let mut errors = Vec::new();
    for (i, row) in rows.rows.iter().enumerate() {
        let mut c = RowCheck::new("U_HUMANRESOURCES", format!("row {}", i + 1), &idx, row);
        let dcid = c.req_int("USERSDCID");
        let phone = c.opt_text("CELLPHONE");
        errors.append(&mut c.errors);
        if let (Some(d), Some(p)) = (dcid, phone) {
            out.entry(d).or_insert(p);
        }
    }
    (out, errors)
}

#[cfg(test)]
mod tests {
    use super::super::super::backend::Value;
    use super::super::test_rows as rows;
    use super::*;
    use roster_core::StaffType;

    #[test]
    fn staff_groups_assignments_and_drops_only_bad_ones() {
        let cols = [
            "DCID",
            "EMAIL_ADDR",
            "FIRST_NAME",
            "LAST_NAME",
            "TEACHERNUMBER",
            "HOMESCHOOLID",
            "GROUPVALUE",
            "SCHOOLSTAFF_ID",
            "SCHOOLID",
            "STATUS",
            "STAFFSTATUS",
        ];
        let user = |dcid: i64, ss: Value, school: Value, status: Value, staffstatus: Value| {
            vec![
                Value::Int(dcid),
                Value::Text(format!("u{dcid}@x.example")),
                Value::Text("Pat".into()),
                Value::Text("Doe".into()),
                Value::Null,
                Value::Int(110),
                Value::Int(5),
                ss,
                school,
                status,
                staffstatus,
            ]
        };
        let r = rows(
            &cols,
            vec![
                user(
                    1,
                    Value::Int(11),
                    Value::Int(110),
                    Value::Int(1),
                    Value::Int(1),
                ),
                user(
                    1,
                    Value::Int(12),
                    Value::Int(210),
                    Value::Null,
                    Value::Int(1),
                ),
                user(
                    1,
                    Value::Int(13),
                    Value::Int(310),
                    Value::Int(2),
                    Value::Null,
                ),
                user(2, Value::Null, Value::Null, Value::Null, Value::Null),
            ],
        );
        let phones = HashMap::from([(1, "555-0100".to_string())]);
        let loaded = staff(
            &r,
            NameCase::Keep,
            &phones,
            &FieldRules::default(),
            &RefusedSchools::new(),
        );
        assert_eq!(loaded.rows.len(), 2);
        let one = &loaded.rows[0];
        assert_eq!(one.schools.len(), 2);
        assert_eq!(one.schools[1].staff_type, StaffType::NotAssigned);
        assert_eq!(one.cell_phone.as_deref(), Some("555-0100"));
        assert!(loaded.rows[1].schools.is_empty());
        assert_eq!(
            loaded.errors,
            vec![RowError::new("SCHOOLSTAFF ID=12", "STATUS", "is NULL")]
        );
    }
}
