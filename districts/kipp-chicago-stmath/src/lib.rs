//! KIPP Chicago's ST Math roster push: the two scripts of `kippdata/silo`
//! (`ST_Math_Rosters.py`, `ST_Math_Teacher_Rosters.py` and `ST_Math.config`; copies in
//! `shared/seeds/upstream/kipp-st-math-*`), rule by rule (see `docs/PARITY.md`): students
//! and every active teacher, as ST Math's two CSVs (and the OneRoster zip ST Math now
//! prefers), sent over SFTP to a pinned host.

use std::collections::BTreeMap;

use roster::core::{Student, VendorExport};
use roster::sftp::vendor::{OneRoster, StMath, VendorChecks};
use roster::sis::powerschool::PowerSchoolOptions;
use roster::sis_choice::{PsField, SisNeed, Without};
use roster::{SftpSettings, Site, Unset, VendorJob};

/// What `kipp-chicago-stmath --help` says the job does.
pub const ABOUT: &str = "KIPP Chicago's ST Math roster: PowerSchool students, teachers and homerooms to ST Math's CSV files and a OneRoster zip. `plan` (default) writes the files; `apply` also uploads them over SFTP.";

/// KIPP Chicago's schools as the scripts map them: `SCHOOLID`, ST Math's institution id
/// (`iid`), and the school's initials (the `school` column). `kipp-st-math-rosters.py`
/// lines 99–121, `kipp-st-math-teacher-rosters.py` lines 55–77 (the same map twice).
/// A student or teacher at any other school keeps a row with a blank `iid` and `school`, as
/// in the scripts.
pub const SCHOOLS: &[(i64, &str, &str)] = &[
    (78102, "KIP4OE", "KAP"),
    (7810, "KIP4OH", "KAMS"),
    (400146, "KIP4OG", "KCCP"),
    (400163, "KIP4OF", "KBCP"),
];

/// The KIPP student condition, `ST_Math.config` line 6: `condition: grade_level NOT IN (3,4)`
/// (added to the students query's `WHERE enroll_status=0` by `kipp-st-math-rosters.py`
/// lines 41–44 and 69–70; the active-status half is [`StMath`]'s own rule).
pub fn in_feed(s: &Student) -> bool {
    !matches!(s.grade.0, 3 | 4)
}

/// The students' web logins, `kipp-st-math-rosters.py` lines 63–64:
/// `ps_customfields.getStudentscf(id,'student_web_username')` and `(…,'student_web_pwd')`.
/// `PS_CUSTOMFIELDS` is an Oracle package (and the script reached it through a SQL Server
/// linked server), so the statement reads the table those legacy custom fields live in since
/// PowerSchool moved them into database extensions: `U_STUDENTSUSERFIELDS`, one row per
/// student keyed by `STUDENTSDCID`, a column per field. **Assumption** the district checks
/// (`docs/PARITY.md`): both fields were migrated there under these names. Plain SQL, so it
/// runs on Oracle and on the demo's SQLite alike. The password only ever reaches
/// `students.csv` (`Student::web_password` is a `Secret`).
pub const WEB_LOGIN_SQL: &str = "SELECT uf.STUDENTSDCID AS STUDENTSDCID,
       uf.STUDENT_WEB_USERNAME AS WEB_USERNAME, uf.STUDENT_WEB_PWD AS WEB_PASSWORD
FROM U_STUDENTSUSERFIELDS uf
ORDER BY uf.STUDENTSDCID";

/// ST Math's SFTP server, `ST_Math.config` line 9 (`host: sftp.stmath.com`), port 22 (the
/// script's pysftp default).
pub const SFTP_HOST: &str = "sftp.stmath.com";

/// The SHA256 fingerprint of `sftp.stmath.com`'s host key, as `sftp-fingerprint
/// sftp.stmath.com` prints it. The script does not pin a key (pysftp checks
/// `known_hosts`), so only the district can fill this in: until it does, the binary refuses
/// to run in production (exit 2, nothing read or sent). `--demo` needs no key.
pub const STMATH_HOST_KEY_SHA256: Option<&str> = None;

/// The district values this binary still needs before it may run in production.
pub fn unset() -> Vec<Unset> {
    let mut v = Vec::new();
    if STMATH_HOST_KEY_SHA256.is_none() {
        v.push(Unset {
            constant: "kipp_chicago_stmath::STMATH_HOST_KEY_SHA256",
            how: "the SHA256 host-key fingerprint `sftp-fingerprint sftp.stmath.com` prints, checked with ST Math",
        });
    }
    v
}

/// ST Math's SFTP settings. The remote directory is `/home`: ST Math's rostering instructions
/// say files go to the "Home" folder (help.stmath.com, "2 File Rostering"); the script
/// uploads to the login directory, which is that folder.
pub fn sftp() -> SftpSettings {
    SftpSettings {
        host: SFTP_HOST.into(),
        port: 22,
        host_key_sha256: STMATH_HOST_KEY_SHA256.unwrap_or_default().into(),
        remote_dir: "/home".into(),
        user_env: "STMATH_SFTP_USER".into(),
        password_env: "STMATH_SFTP_PASSWORD".into(),
        env_prefix: "STMATH_SFTP".into(),
        timeout: roster::vendor_env::DEFAULT_SFTP_TIMEOUT,
    }
}

/// The ST Math export configured with [`SCHOOLS`].
pub fn stmath() -> StMath {
    StMath::new(SCHOOLS.iter().map(|&(n, iid, _)| (n, iid)))
        .and_then(|st| st.school_codes(SCHOOLS.iter().map(|&(n, _, code)| (n, code))))
        .expect("every iid has 1 to 8 characters and every code an iid")
}

/// The district's domain: every email in ST Math's files must be at it.
pub const DOMAIN: &str = "kippchicago.org";

/// The checks every student and teacher passes before ST Math's files list them: an email at
/// [`DOMAIN`] in RFC 5321 shape, unique across the files, a clean name. The scripts have no
/// bad-name list, so none is applied.
pub fn checks() -> VendorChecks {
    VendorChecks::new([DOMAIN])
}

/// The ST Math job: [`stmath`] and OneRoster files of the students [`in_feed`], checked by
/// [`checks`], sent over [`sftp`].
pub fn job() -> VendorJob {
    let exports: Vec<Box<dyn VendorExport>> = vec![
        Box::new(stmath()),
        Box::new(OneRoster::new("kipp-chicago", "KIPP Chicago")),
    ];
    VendorJob {
        name: "kipp-chicago-stmath".into(),
        students: Box::new(in_feed),
        exports,
        sftp: Some(sftp()),
        checks: checks(),
        min_rows: min_rows(),
    }
}

/// The fewest rows a real day's ST Math files have, per file: below it the file is not sent
/// (ST Math removes everyone missing from it), `--force` sends it. `--max-drop` compares with
/// the last delivery; this needs none, so it also guards the first run and a lost state.
///
/// - `students.csv`: four K–8 campuses with grades 3 and 4 left out put several hundred
///   students per campus in the file. Under 200 rows at least three campuses are missing —
///   no current term, a broken homeroom join, an unset iid map — never a real day.
/// - `teachers.csv`: every active teacher of four campuses, dozens each; under 20 the staff
///   read is broken.
///
/// Estimates from the campuses' size, set well below a normal day: raise them to about half
/// the real counts once the first deliveries have been seen.
pub fn min_rows() -> BTreeMap<String, usize> {
    BTreeMap::from([("students.csv".into(), 200), ("teachers.csv".into(), 20)])
}

pub fn site() -> Site {
    Site {
        domain: DOMAIN.into(),
        powerschool: PowerSchoolOptions {
            web_login_sql: Some(WEB_LOGIN_SQL),
            ..PowerSchoolOptions::default()
        },
        sis_needs: sis_needs(),
    }
}

/// What the rules read that only PowerSchool carries, and what the job does without it
/// (`--sis oneroster`; `docs/SOURCES.md`). Homerooms are OneRoster `homeroom` classes.
pub fn sis_needs() -> Vec<SisNeed> {
    vec![
        SisNeed {
            field: PsField::WebLogins,
            used_for: "students.csv student_username and student_password",
            without: Without::Degrade(
                "student_username and student_password are blank (as the script writes a NULL)",
            ),
        },
        SisNeed {
            field: PsField::PtAccess,
            used_for: "teachers.csv position and access_level",
            without: Without::Degrade(
                "position and access_level are blank (as the script writes a NULL PTACCESS)",
            ),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster::core::Grade;

    #[test]
    fn schools_are_the_scripts() {
        // kipp-st-math-rosters.py lines 102-121.
        assert_eq!(SCHOOLS.len(), 4);
        assert!(SCHOOLS.contains(&(78102, "KIP4OE", "KAP")));
        assert!(SCHOOLS.contains(&(7810, "KIP4OH", "KAMS")));
        assert!(SCHOOLS.contains(&(400146, "KIP4OG", "KCCP")));
        assert!(SCHOOLS.contains(&(400163, "KIP4OF", "KBCP")));
        let _ = stmath();
    }

    #[test]
    fn grades_3_and_4_are_left_out() {
        // ST_Math.config line 6.
        let mut s = roster::core::Student {
            student_number: "1".into(),
            id: None,
            dcid: None,
            first_name: "A".into(),
            last_name: "B".into(),
            grade: Grade(3),
            school: 7810,
            enroll_status: roster::core::EnrollStatus::Active,
            class_of: None,
            home_room: None,
            dob: None,
            email: None,
            web_username: None,
            web_password: None,
        };
        assert!(!in_feed(&s));
        s.grade = Grade(4);
        assert!(!in_feed(&s));
        for g in [-2, -1, 0, 1, 2, 5, 8, 12] {
            s.grade = Grade(g);
            assert!(in_feed(&s), "grade {g}");
        }
    }
}
