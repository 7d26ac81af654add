//! ST Math's `student_username` / `student_password` and the `PTACCESS` codes of
//! `teachers.csv`, fed from the model (KIPP's scripts: `kipp-st-math-rosters.py` lines 63–64
//! and 191, `kipp-st-math-teacher-rosters.py` lines 81–90).

mod support;

use roster_core::{RowError, Secret, VendorExport};
use roster_sftp::vendor::{STMATH_STUDENT_COLUMNS, STMATH_TEACHER_COLUMNS, StMath};
use support::fixture::roster;

fn rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

fn col(columns: &[&str], name: &str) -> usize {
    columns.iter().position(|c| *c == name).unwrap()
}

#[test]
fn web_logins_and_ptaccess_codes_reach_the_files_and_only_the_files() {
    let mut r = roster();
    r.students[0].web_username = Some("ab1001".into());
    r.students[0].web_password = Some(Secret::new("Pa55,word\"x"));
    let first = r.students[0].student_number.clone();
    // PTACCESS 1, 0 and NULL on three teachers.
    let codes = [Some(1), Some(0), None];
    for (t, code) in r.staff.iter_mut().zip(codes) {
        t.pt_access = code;
    }
    let dcids: Vec<(String, Option<i64>)> = r
        .staff
        .iter()
        .take(3)
        .map(|t| {
            (
                t.teacher_number.clone().unwrap_or(t.dcid.to_string()),
                t.pt_access,
            )
        })
        .collect();
    let st = StMath::new([(101, "KIPPCHI1"), (102, "KIPPCHI2")]).unwrap();
    let export = st.export(&r).unwrap();

    let students = rows(&export.files[0].bytes);
    let s = |name| col(&STMATH_STUDENT_COLUMNS, name);
    let row = students
        .iter()
        .find(|row| row[s("student_id")] == first)
        .unwrap();
    assert_eq!(row[s("student_username")], "ab1001");
    // Written exactly, quoted as RFC 4180 wants.
    assert_eq!(row[s("student_password")], "Pa55,word\"x");
    // Everyone else: blank, as the script writes a NULL custom field.
    for other in students[1..].iter().filter(|r| r[s("student_id")] != first) {
        assert_eq!(other[s("student_username")], "");
        assert_eq!(other[s("student_password")], "");
    }

    let teachers = rows(&export.files[1].bytes);
    let t = |name| col(&STMATH_TEACHER_COLUMNS, name);
    let mut seen = 0;
    for (id, pt) in &dcids {
        for row in teachers[1..]
            .iter()
            .filter(|r| &r[t("district_teacher_id")] == id)
        {
            let want = match pt {
                Some(1) => ("1", "1"),
                Some(0) => ("8", "3"),
                _ => ("", ""),
            };
            assert_eq!(
                (row[t("position")].as_str(), row[t("access_level")].as_str()),
                want,
                "{id}"
            );
            seen += 1;
        }
    }
    assert!(seen > 0, "no teacher of the three is listed");

    // The password is nowhere but in students.csv: not in the errors, not in a Debug dump.
    let errors: Vec<&RowError> = export.errors.iter().collect();
    let shown = format!("{errors:?} {:?} {:?}", r.students, export.errors);
    assert!(!shown.contains("Pa55"), "{shown}");
    assert!(!String::from_utf8_lossy(&export.files[1].bytes).contains("Pa55"));
}
