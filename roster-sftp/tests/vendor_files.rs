//! Vendor files for the fixture roster: insta snapshots of every file, plus the properties the
//! vendors depend on (column order, RFC 4180, full refresh, stable ids).

mod support;

use std::collections::BTreeSet;
use std::io::Read;

use roster_core::{Grade, RowError, StaffType, VendorExport};
use roster_sftp::vendor::{
    GROW_COLUMNS, Grow, GrowRole, ONEROSTER_FILES, OneRoster, PermanentLogin,
    STMATH_STUDENT_COLUMNS, STMATH_TEACHER_COLUMNS, StMath,
};
use support::fixture::{roster, roster_reordered};

/// Snapshot text: CRLF record ends shown as plain line ends (checked separately).
fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec())
        .expect("UTF-8")
        .replace("\r\n", "\n")
}

/// Parses a file back with a strict RFC 4180 reader: every record has the header's width.
fn parse(bytes: &[u8]) -> Vec<Vec<String>> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    assert!(body.ends_with(b"\r\n"), "records end in CRLF");
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .from_reader(body);
    r.records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect()
}

fn errors_text(errors: &[RowError]) -> String {
    errors.iter().map(|e| format!("{e}\n")).collect()
}

fn stmath() -> StMath {
    StMath::new([(101, "KIPPCHI1"), (102, "KIPPCHI2")])
        .unwrap()
        .school_codes([(101, "KAP"), (102, "KAM, \"B\"")])
        .unwrap()
}

#[test]
fn st_math_students_and_teachers() {
    let export = stmath().export(&roster()).unwrap();
    let names: Vec<_> = export.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["students.csv", "teachers.csv"]);
    let students = &export.files[0].bytes;
    let teachers = &export.files[1].bytes;
    insta::assert_snapshot!("stmath_students", text(students));
    insta::assert_snapshot!("stmath_teachers", text(teachers));
    insta::assert_snapshot!("stmath_errors", errors_text(&export.errors));

    let rows = parse(students);
    assert_eq!(rows[0], STMATH_STUDENT_COLUMNS);
    let col = |name: &str| {
        STMATH_STUDENT_COLUMNS
            .iter()
            .position(|c| *c == name)
            .unwrap()
    };
    // Every active student is kept, as kipp-st-math-rosters.py keeps them (lines 69, 161,
    // 167: left joins), by school then student number; 1006 (transferred out) is not.
    let ids: Vec<_> = rows[1..]
        .iter()
        .map(|r| r[col("student_id")].as_str())
        .collect();
    assert_eq!(
        ids,
        ["1001", "1002", "1005", "1003", "1004", "1008", "1007"]
    );
    let row = |id: &str| rows.iter().find(|r| r[col("student_id")] == id).unwrap();
    // The grade is GRADE_LEVEL as a number (script lines 66, 190).
    assert_eq!(row("1001")[col("grade")], "0");
    assert_eq!(row("1001")[col("permanent_login")], "text");
    assert_eq!(row("1003")[col("permanent_login")], "visual");
    assert_eq!(row("1008")[col("student_last_name")], "Smith,\nJr");
    // `school` is the school's code (script lines 111-121), quoted as RFC 4180 wants.
    assert_eq!(row("1003")[col("school")], "KAM, \"B\"");
    assert_eq!(row("1001")[col("school")], "KAP");
    assert_eq!(row("1001")[col("teacher_email")], "ada.lovelace@kipp.org");
    // Blank as in the script: period (HOME_ROOM is read, never written), birth_date,
    // curriculum, new_student_id, action.
    for c in [
        "period",
        "birth_date",
        "curriculum",
        "new_student_id",
        "action",
    ] {
        assert!(rows[1..].iter().all(|r| r[col(c)].is_empty()), "{c}");
    }
    // Kept with blanks: no homeroom (1004), a teacher without email (1005), an unmapped
    // school (1007: blank iid and school, the homeroom teacher still filled in).
    for c in [
        "district_teacher_id",
        "teacher_email",
        "teacher_last_name",
        "teacher_first_name",
    ] {
        assert_eq!(row("1004")[col(c)], "", "{c}");
    }
    assert_eq!(row("1005")[col("teacher_email")], "");
    assert_eq!(row("1005")[col("district_teacher_id")], "T503");
    assert_eq!(row("1007")[col("iid")], "");
    assert_eq!(row("1007")[col("school")], "");
    assert_eq!(row("1007")[col("district_school_id")], "103");
    assert_eq!(row("1007")[col("district_teacher_id")], "502");

    let trows = parse(teachers);
    assert_eq!(trows[0], STMATH_TEACHER_COLUMNS);
    // Every active assignment of every user with a home school (teacher script lines 41-44),
    // by school then DCID: not only homeroom teachers; Ina (status 2) is not listed.
    let pairs: Vec<_> = trows[1..]
        .iter()
        .map(|r| (r[0].as_str(), r[3].as_str(), r[4].as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("KIPPCHI1", "T501", "ada.lovelace@kipp.org"),
            ("KIPPCHI1", "502", "grace.ohara@kipp.org"),
            ("KIPPCHI1", "T503", ""),
            ("KIPPCHI1", "504", "principal@kipp.org"),
            ("KIPPCHI2", "502", "grace.ohara@kipp.org"),
            ("KIPPCHI2", "506", "dee.strict@kipp.org"),
        ]
    );

    // Each student kept with a blank required field is reported.
    let reported: BTreeSet<_> = export
        .errors
        .iter()
        .map(|e| e.source_row.as_str())
        .collect();
    assert_eq!(
        reported,
        BTreeSet::from([
            "STUDENTS STUDENT_NUMBER=1004",
            "STUDENTS STUDENT_NUMBER=1005",
            "STUDENTS STUDENT_NUMBER=1007",
        ])
    );
}

#[test]
fn st_math_options_bom_and_permanent_login_override() {
    let st = stmath()
        .permanent_login_for(Grade(0), PermanentLogin::Visual)
        .with_bom(true);
    let export = st.export(&roster()).unwrap();
    for f in &export.files {
        assert!(f.bytes.starts_with(b"\xEF\xBB\xBFiid,"), "{}", f.name);
    }
    let rows = parse(&export.files[0].bytes);
    assert_eq!(rows[1][10], "1001");
    assert_eq!(rows[1][16], "visual");
    assert_eq!(rows[2][16], "text"); // grade 1 keeps the default

    let e = StMath::new([(101, "TOO-LONG-IID")]).unwrap_err();
    assert!(e.to_string().contains("school 101"), "{e}");
}

#[test]
fn st_math_output_does_not_depend_on_input_order() {
    let a = stmath().export(&roster()).unwrap();
    let b = stmath().export(&roster_reordered()).unwrap();
    assert_eq!(a.files, b.files);
}

fn grow() -> Grow {
    Grow::new()
        .role(|s| match s.dcid {
            504 => Some(GrowRole::SchoolAdmin),
            506 => Some(GrowRole::SystemAdmin),
            _ => roster_sftp::vendor::default_grow_role(s),
        })
        .school_name(102, "KIPP Ascend Middle")
        .fill(|s, row| {
            if row.role == GrowRole::Teacher {
                row.user_type = "Instructional".into();
            }
            if s.dcid == 502 {
                row.primary_coach = "pat.principal@kipp.org".into();
            }
        })
}

#[test]
fn grow_user_upload_lists_every_active_staff_member() {
    let r = roster();
    let export = grow().export(&r).unwrap();
    assert_eq!(export.files.len(), 1);
    let f = &export.files[0];
    assert_eq!(f.name, "grow_users.csv");
    insta::assert_snapshot!("grow_users", text(&f.bytes));
    insta::assert_snapshot!("grow_errors", errors_text(&export.errors));

    let rows = parse(&f.bytes);
    assert_eq!(rows[0], GROW_COLUMNS);
    assert_eq!(rows[0][4], "School"); // column E
    let emails: Vec<_> = rows[1..].iter().map(|r| r[2].as_str()).collect();
    for e in &emails {
        assert_eq!(*e, e.trim().to_lowercase());
    }
    assert!(emails.contains(&"ada.lovelace@kipp.org"));
    assert!(emails.contains(&"principal@kipp.org"));

    // Full refresh: every active staff member is in the file or reported.
    let active: BTreeSet<String> = r
        .staff
        .iter()
        .filter(|s| s.is_active())
        .map(|s| s.dcid.to_string())
        .collect();
    let listed: BTreeSet<String> = rows[1..].iter().map(|r| r[9].clone()).collect();
    let reported: BTreeSet<String> = export
        .errors
        .iter()
        .map(|e| e.source_row.trim_start_matches("USERS DCID=").to_string())
        .collect();
    assert_eq!(&listed | &reported, active);
    assert!(!listed.contains("505"), "inactive staff are not listed");

    // Grace teaches at two schools: two rows, home school (102) first, with Grow's name.
    let grace: Vec<_> = rows[1..].iter().filter(|r| r[9] == "502").collect();
    assert_eq!(grace.len(), 2);
    assert_eq!(grace[0][4], "KIPP Ascend Middle");
    assert_eq!(grace[1][4], "KIPP Ascend Primary");
    // The System Admin has no school.
    let dee: Vec<_> = rows[1..].iter().filter(|r| r[9] == "506").collect();
    assert_eq!(
        (dee.len(), dee[0][3].as_str(), dee[0][4].as_str()),
        (1, "System Admin", "")
    );
}

#[test]
fn grow_default_role_reports_non_teachers() {
    let export = Grow::new().export(&roster()).unwrap();
    let mut roles: Vec<_> = export
        .errors
        .iter()
        .filter(|e| e.field == "Role")
        .map(|e| e.source_row.clone())
        .collect();
    roles.sort();
    assert_eq!(roles, ["USERS DCID=504", "USERS DCID=506"]);
    assert!(
        export
            .errors
            .iter()
            .any(|e| e.reason.contains(&format!("{:?}", StaffType::Staff)))
    );
}

#[test]
fn oneroster_csv_files() {
    let or = OneRoster::new("kipp-chicago", "KIPP Chicago");
    let export = or.csv_files(&roster()).unwrap();
    let names: Vec<_> = export.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ONEROSTER_FILES);
    for f in &export.files {
        let snap = format!("oneroster_{}", f.name.trim_end_matches(".csv"));
        insta::assert_snapshot!(snap, text(&f.bytes));
        parse(&f.bytes);
    }
    insta::assert_snapshot!("oneroster_errors", errors_text(&export.errors));
}

#[test]
fn oneroster_zip_is_stable_and_holds_the_csv_files() {
    let or = OneRoster::new("kipp-chicago", "KIPP Chicago");
    let csvs = or.csv_files(&roster()).unwrap();
    let zipped = or.export(&roster()).unwrap();
    assert_eq!(zipped.files.len(), 1);
    assert_eq!(zipped.files[0].name, "OneRoster.zip");
    assert_eq!(zipped.errors, csvs.errors);

    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(zipped.files[0].bytes.clone())).unwrap();
    let entries: Vec<_> = archive.file_names().map(str::to_string).collect();
    let mut sorted_expected: Vec<_> = ONEROSTER_FILES.to_vec();
    sorted_expected.sort();
    let mut sorted_entries = entries.clone();
    sorted_entries.sort();
    assert_eq!(sorted_entries, sorted_expected);
    for f in &csvs.files {
        let mut entry = archive.by_name(&f.name).unwrap();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        assert_eq!(bytes, f.bytes, "{}", f.name);
    }

    // Run to run, and whatever order the SIS returned rows in: the same bytes, so the same
    // sourcedIds.
    let again = or.export(&roster_reordered()).unwrap();
    assert_eq!(again.files, zipped.files);
}

/// The two options of the demo's export: every active staff member, and PowerSchool's
/// `USERS` fields as extension columns after OneRoster's own; the other files unchanged.
#[test]
fn oneroster_with_the_powerschool_columns_and_every_active_staff_member() {
    use roster_core::oneroster_extension as ext;
    let plain = OneRoster::new("kipp-chicago", "KIPP Chicago")
        .csv_files(&roster())
        .unwrap();
    let full = OneRoster::new("kipp-chicago", "KIPP Chicago")
        .with_powerschool_columns(true)
        .with_every_active_staff(true)
        .csv_files(&roster())
        .unwrap();
    for (a, b) in plain.files.iter().zip(&full.files) {
        if a.name != "users.csv" {
            assert_eq!(a.bytes, b.bytes, "{}", a.name);
        }
    }
    let users = |e: &roster_core::Export| parse(&e.files[5].bytes);
    let (plain_users, full_users) = (users(&plain), users(&full));
    let header = &full_users[0];
    assert_eq!(&header[..18], &plain_users[0][..]);
    assert_eq!(&header[18..], &ext::ALL.map(String::from)[..]);
    // Every plain row is in the full file, with the extension cells after it.
    for row in &plain_users[1..] {
        assert!(
            full_users.iter().any(|f| f[..18] == row[..]),
            "{row:?} kept"
        );
    }
    let r = roster();
    let active = r.staff.iter().filter(|s| s.is_active()).count();
    let staff_rows: Vec<_> = full_users[1..]
        .iter()
        .filter(|u| u[5] != "student")
        .collect();
    assert!(staff_rows.len() <= active);
    let plain_staff = plain_users[1..]
        .iter()
        .filter(|u| u[5] != "student")
        .count();
    assert!(
        staff_rows.iter().any(|u| u[5] == "administrator") && staff_rows.len() > plain_staff,
        "staff who do not teach are added as administrators"
    );
    for u in &staff_rows {
        let dcid: i64 = u[18].parse().unwrap();
        let s = r
            .staff
            .iter()
            .find(|s| s.dcid == dcid)
            .expect("a SIS staff member");
        assert_eq!(u[0], format!("staff-{dcid}"));
        assert_eq!(u[19], s.group.map(|g| g.to_string()).unwrap_or_default());
        assert_eq!(
            u[20],
            s.pt_access.map(|g| g.to_string()).unwrap_or_default()
        );
        assert_eq!(u[21], s.home_school.to_string());
        let home_type = s.home_assignment().map(|a| a.staff_type.code().to_string());
        assert_eq!(u[22], home_type.unwrap_or_default());
    }
    for u in full_users[1..].iter().filter(|u| u[5] == "student") {
        assert!(u[18..].iter().all(String::is_empty), "{u:?}");
    }
}
