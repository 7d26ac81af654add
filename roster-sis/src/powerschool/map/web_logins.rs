//! The district's web-login statement -> `Student::web_username` / `web_password`.

use std::collections::HashMap;

use roster_core::{RowError, Secret, Student};

use super::super::backend::Rows;
use super::parse::RowCheck;

/// Fills the web login of `students` from the rows of the district's statement
/// (`STUDENTSDCID, WEB_USERNAME, WEB_PASSWORD`; the first row of a DCID wins). A row without
/// a usable `STUDENTSDCID` is a row error and changes no student; a student without a row
/// keeps empty fields. The password goes straight into a [`Secret`]: no error, log or
/// report carries it (a bad row names its key and column, never a value of the row).
pub fn web_logins(rows: &Rows, students: &mut [Student]) -> Vec<RowError> {
    let idx = rows.index();
    let mut errors = Vec::new();
    let mut by_dcid: HashMap<i64, (Option<String>, Option<Secret>)> = HashMap::new();
    for (i, row) in rows.rows.iter().enumerate() {
        let mut c = RowCheck::new("WEB_LOGINS", format!("row {}", i + 1), &idx, row);
        let dcid = c.req_int("STUDENTSDCID");
        let username = c.opt_text("WEB_USERNAME");
        let password = c.opt_text("WEB_PASSWORD").map(Secret::new);
        errors.append(&mut c.errors);
        if let Some(d) = dcid {
            by_dcid.entry(d).or_insert((username, password));
        }
    }
    for s in students.iter_mut() {
        if let Some((username, password)) = s.dcid.and_then(|d| by_dcid.get(&d)) {
            s.web_username.clone_from(username);
            s.web_password.clone_from(password);
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::super::super::backend::Value;
    use super::super::test_rows as rows;
    use super::*;
    use roster_core::{EnrollStatus, Grade};

    fn student(dcid: i64) -> Student {
        Student {
            student_number: format!("{dcid}"),
            id: None,
            dcid: Some(dcid),
            first_name: "A".into(),
            last_name: "B".into(),
            grade: Grade(5),
            school: 7810,
            enroll_status: EnrollStatus::Active,
            class_of: None,
            home_room: None,
            dob: None,
            email: None,
            web_username: None,
            web_password: None,
        }
    }

    #[test]
    fn fills_by_dcid_and_reports_bad_rows_without_their_values() {
        let cols = ["STUDENTSDCID", "WEB_USERNAME", "WEB_PASSWORD"];
        let text = |s: &str| Value::Text(s.into());
        let r = rows(
            &cols,
            vec![
                vec![Value::Int(1), text("ab1"), text("pw-one")],
                vec![Value::Int(1), text("later"), text("pw-later")],
                vec![text("x"), text("cd2"), text("pw-bad-row")],
                vec![Value::Int(3), Value::Null, Value::Int(4711)],
            ],
        );
        let mut students = vec![student(1), student(2), student(3)];
        let errors = web_logins(&r, &mut students);
        assert_eq!(students[0].web_username.as_deref(), Some("ab1"));
        assert_eq!(
            students[0].web_password.as_ref().map(Secret::expose),
            Some("pw-one")
        );
        assert_eq!(students[1].web_username, None);
        assert_eq!(students[1].web_password, None);
        assert_eq!(students[2].web_username, None);
        assert_eq!(
            students[2].web_password.as_ref().map(Secret::expose),
            Some("4711")
        );
        assert_eq!(errors.len(), 1);
        let shown = format!("{errors:?} {students:?}");
        assert!(shown.contains("STUDENTSDCID"), "{shown}");
        for pw in ["pw-one", "pw-later", "pw-bad-row", "4711"] {
            assert!(!shown.contains(pw), "{pw} leaked: {shown}");
        }
    }
}
