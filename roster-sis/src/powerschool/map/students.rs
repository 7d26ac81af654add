//! `STUDENTS` rows -> [`Student`]s.

use std::collections::HashMap;

use roster_core::validate::{self, FieldRules};
use roster_core::{Loaded, Student};

use super::super::backend::Rows;
use super::NameCase;
use super::parse::{RowCheck, text};
use super::schools::{RefusedSchools, refused_school_reason};

/// `STUDENTS` rows, in the order the query returns them (oldest DCID first). Every value
/// goes through [`roster_core::validate`]: a bad student number, name, grade, enroll status
/// or a school whose SCHOOLS row was refused is a row error and the student is not loaded
/// (so never created, moved or suspended). A second row with a student number already
/// loaded is a row error on `STUDENT_NUMBER`. A bad `DOB` or `CLASSOF` is a warning: the
/// student loads without it.
pub fn students(
    rows: &Rows,
    names: NameCase,
    rules: &FieldRules,
    refused: &RefusedSchools,
) -> Loaded<Student> {
    let idx = rows.index();
    let mut loaded = Loaded::default();
    let mut seen: HashMap<String, Option<i64>> = HashMap::with_capacity(rows.rows.len());
    for (i, row) in rows.rows.iter().enumerate() {
        let number = text(idx.get(row, "STUDENT_NUMBER")).filter(|s| !s.trim().is_empty());
        let key = match (&number, text(idx.get(row, "DCID"))) {
            (Some(n), _) => format!("STUDENT_NUMBER={}", validate::escape(n.trim())),
            (None, Some(dcid)) => format!("DCID={dcid}"),
            (None, None) => format!("row {}", i + 1),
        };
        let mut c = RowCheck::new("STUDENTS", key.clone(), &idx, row);
        let student_number = c.req_text("STUDENT_NUMBER");
        let student_number = c.check("STUDENT_NUMBER", student_number, |n| {
            validate::identifier(&n, rules)
        });
        let id = c.opt_int("ID");
        let dcid = c.opt_int("DCID");
        let first_name = c.req_text("FIRST_NAME");
        let first_name = c.check("FIRST_NAME", first_name, |n| validate::person_name(&n));
        let last_name = c.req_text("LAST_NAME");
        let last_name = c.check("LAST_NAME", last_name, |n| validate::person_name(&n));
        let grade = c.req_i32("GRADE_LEVEL");
        let grade = c.check("GRADE_LEVEL", grade, validate::grade);
        let school = c.req_int("SCHOOLID");
        if let Some(n) = school
            && let Some(at) = refused.get(&n)
        {
            c.fail("SCHOOLID", refused_school_reason(n, at));
        }
        let enroll_status = c.req_i32("ENROLL_STATUS");
        let enroll_status = c.check("ENROLL_STATUS", enroll_status, validate::enroll_status);
        let home_room = c.opt_text("HOME_ROOM");
        // Optional values: a bad one is a warning and the student still loads.
        let mut w = RowCheck::new("STUDENTS", key, &idx, row);
        let class_of = w.opt_i32("CLASSOF");
        let class_of = w.check("CLASSOF", class_of, validate::class_of);
        let dob = w.opt_date("DOB");
        if let Some(n) = &student_number
            && let Some(first_dcid) = seen.get(n)
        {
            let first =
                first_dcid.map_or_else(|| "an earlier row".to_string(), |d| format!("DCID={d}"));
            c.fail(
                "STUDENT_NUMBER",
                format!("duplicate: already loaded from {first}; this row is not loaded"),
            );
        }
        if !c.errors.is_empty() {
            loaded.errors.append(&mut c.errors);
            continue;
        }
        let (
            Some(student_number),
            Some(first_name),
            Some(last_name),
            Some(grade),
            Some(school),
            Some(enroll_status),
        ) = (
            student_number,
            first_name,
            last_name,
            grade,
            school,
            enroll_status,
        )
        else {
            continue; // unreachable: a missing required value recorded an error above
        };
        loaded.warnings.append(&mut w.errors);
        seen.insert(student_number.clone(), dcid);
        loaded.rows.push(Student {
            student_number,
            id,
            dcid,
            first_name: names.apply(first_name),
            last_name: names.apply(last_name),
            grade,
            school,
            enroll_status,
            class_of,
            home_room,
            dob,
            email: None,
            web_username: None,
            web_password: None,
        });
    }
    loaded
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::super::super::backend::Value;
    use super::super::test_rows as rows;
    use super::*;

    const STUDENT_COLS: [&str; 11] = [
        "STUDENT_NUMBER",
        "ID",
        "DCID",
        "FIRST_NAME",
        "LAST_NAME",
        "GRADE_LEVEL",
        "SCHOOLID",
        "ENROLL_STATUS",
        "CLASSOF",
        "HOME_ROOM",
        "DOB",
    ];

    fn read(r: &Rows, names: NameCase) -> Loaded<Student> {
        students(r, names, &FieldRules::default(), &RefusedSchools::new())
    }

    fn student(num: Value, dcid: i64, first: &str, last: Value, status: i64) -> Vec<Value> {
        vec![
            num,
            Value::Int(dcid),
            Value::Int(dcid),
            Value::Text(first.into()),
            last,
            Value::Int(3),
            Value::Int(110),
            Value::Int(status),
            Value::Int(2035),
            Value::Null,
            Value::Text("2017-04-02".into()),
        ]
    }

    #[test]
    fn bad_student_rows_are_located_and_the_rest_load() {
        let r = rows(
            &STUDENT_COLS,
            vec![
                student(Value::Int(1001), 1, "Ana", Value::Text("Lopez".into()), 0),
                student(Value::Int(1234), 2, "Prince", Value::Null, 0),
                student(Value::Int(1001), 3, "Jordan", Value::Text("Lee".into()), 0),
                student(Value::Null, 4, "Nobody", Value::Text("Here".into()), 0),
                student(
                    Value::Text("1005".into()),
                    5,
                    "Kai",
                    Value::Text("  ".into()),
                    0,
                ),
                student(Value::Int(1006), 6, "Odd", Value::Text("Status".into()), 7),
            ],
        );
        let loaded = read(&r, NameCase::Keep);
        let numbers: Vec<_> = loaded
            .rows
            .iter()
            .map(|s| s.student_number.as_str())
            .collect();
        assert_eq!(numbers, ["1001"]);
        assert_eq!(loaded.rows[0].first_name, "Ana");
        assert_eq!(loaded.rows[0].dob, NaiveDate::from_ymd_opt(2017, 4, 2));
        let errs: Vec<_> = loaded
            .errors
            .iter()
            .map(|e| (e.source_row.as_str(), e.field.as_str(), e.reason.as_str()))
            .collect();
        assert_eq!(
            errs[0],
            ("STUDENTS STUDENT_NUMBER=1234", "LAST_NAME", "is NULL")
        );
        assert_eq!(errs[1].0, "STUDENTS STUDENT_NUMBER=1001");
        assert_eq!(errs[1].1, "STUDENT_NUMBER");
        assert!(
            errs[1]
                .2
                .starts_with("duplicate: already loaded from DCID=1"),
            "{}",
            errs[1].2
        );
        assert_eq!(errs[2], ("STUDENTS DCID=4", "STUDENT_NUMBER", "is NULL"));
        assert_eq!(
            errs[3],
            ("STUDENTS STUDENT_NUMBER=1005", "LAST_NAME", "is blank")
        );
        assert_eq!(
            errs[4],
            (
                "STUDENTS STUDENT_NUMBER=1006",
                "ENROLL_STATUS",
                "\"7\" is not an enroll status PowerSchool defines (-1 to 4)"
            )
        );
        assert_eq!(errs.len(), 5);
    }

    #[test]
    fn title_case_is_opt_in() {
        let r = rows(
            &STUDENT_COLS,
            vec![student(
                Value::Int(1),
                1,
                "LIAM",
                Value::Text("O'BRIEN".into()),
                0,
            )],
        );
        assert_eq!(read(&r, NameCase::Keep).rows[0].last_name, "O'BRIEN");
        let titled = read(&r, NameCase::Title);
        assert_eq!(titled.rows[0].first_name, "Liam");
        assert_eq!(titled.rows[0].last_name, "O'Brien");
    }
}
