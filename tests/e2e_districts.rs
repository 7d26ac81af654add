//! End to end: the D118 district jobs against the Directory emulator over real HTTP, on a
//! generated PowerSchool-shaped district; then SIS changes and the exact plan they cause;
//! the vendor files; and the safety valve.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::NaiveDate;
use clap::Parser;
use roster::core::SisSource;
use roster::core::report::{ExitCode, RunReport};
use roster::demo::Demo;
use roster::sis::demo::edge;
use roster::{AccountJob, Cli, Mode, Site, run_accounts, run_vendor};
use serde_json::Value;

const STUDENTS: usize = 1_500;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

fn cli(dir: &Path, extra: &[&str]) -> Cli {
    let out = dir.to_str().unwrap().to_string();
    let audit = dir.join("audit.jsonl").to_str().unwrap().to_string();
    let mut args = vec![
        "e2e",
        "--today",
        "2026-11-24",
        "--out",
        &out,
        "--audit-log",
        &audit,
    ];
    args.extend_from_slice(extra);
    Cli::parse_from(args)
}

async fn run(
    demo: &Demo,
    job: &AccountJob,
    site: &Site,
    mode: Mode,
    dir: &Path,
    extra: &[&str],
) -> (RunReport, String) {
    let (sis, target) = demo
        .connect(site.powerschool.clone(), &job.policy.managed_roots)
        .await
        .unwrap();
    let mut out = Vec::new();
    let mut args = vec!["--json"];
    args.extend_from_slice(extra);
    let report = run_accounts(job, mode, &cli(dir, &args).opts, &sis, &target, &mut out).await;
    (report, String::from_utf8(out).unwrap())
}

/// (person id, action) of every write in a `--json` plan.
fn writes(plan_json: &str) -> BTreeSet<(String, String)> {
    let changes: Vec<Value> = serde_json::from_str(plan_json).unwrap();
    changes
        .iter()
        .filter(|c| c["action"] != "skip")
        .map(|c| {
            (
                c["person"]["id"].as_str().unwrap().to_string(),
                c["action"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn set(items: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    items
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn user(demo: &Demo, email: &str) -> Option<Value> {
    demo.emulator.user(email)
}

fn sql(demo: &Demo, statement: &str) {
    let db = rusqlite::Connection::open(&demo.db).unwrap();
    db.execute_batch(statement).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d118_syncs_apply_then_follow_sis_changes_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let demo = Demo::start(dir, d118_students::DOMAIN, today(), STUDENTS).unwrap();
    let (students, staff) = (d118_students::job(), d118_staff::job());
    let (s_site, t_site) = (d118_students::site(), d118_staff::site());

    // First night: everything is created.
    let (r1, _) = run(&demo, &students, &s_site, Mode::Apply, dir, &[]).await;
    assert_eq!(r1.exit_code(), ExitCode::Ok, "{}", r1.summary());
    let (r2, _) = run(&demo, &staff, &t_site, Mode::Apply, dir, &[]).await;
    assert_eq!(r2.exit_code(), ExitCode::Ok, "{}", r2.summary());
    let created = r1.applied["create"] + r2.applied["create"];
    assert!(r1.applied["create"] > 1000, "{}", r1.summary());
    assert_eq!(
        demo.emulator.users().len(),
        created,
        "one account per create, no more"
    );

    // Bad rows are reported with their location, the rest loaded.
    let located =
        |r: &RunReport, needle: &str| r.row_errors.iter().any(|e| e.source_row.contains(needle));
    assert!(
        located(&r1, edge::STUDENT_NULL_LAST_NAME),
        "{:?}",
        r1.row_errors
    );
    assert!(
        located(&r1, edge::STUDENT_DUPLICATE_NUMBER),
        "{:?}",
        r1.row_errors
    );
    assert!(
        located(&r2, &edge::STAFF_NULL_LAST_NAME.to_string()),
        "{:?}",
        r2.row_errors
    );

    // Students: the accounts the policy wants, and none it does not.
    let sis = demo.sis(s_site.powerschool.clone()).unwrap();
    let all = sis.students(&roster::core::Scope::All).await.unwrap().rows;
    let schools = sis.schools(&roster::core::Scope::All).await.unwrap().rows;
    let obrien = all
        .iter()
        .find(|s| s.student_number == edge::STUDENT_APOSTROPHE)
        .unwrap();
    let school = schools.iter().find(|s| s.number == obrien.school).unwrap();
    let u = user(&demo, "100001@d118.org").expect("O'Brien has an account");
    assert_eq!(u["name"]["familyName"], "O'Brien");
    let roster::Population::Students(policy) = &students.population else {
        unreachable!()
    };
    assert_eq!(
        u["orgUnitPath"],
        policy.active_ou(school, obrien.grade.0).as_str()
    );
    assert_eq!(
        u["customSchemas"]["Synchronization_Data"]["Homeschool_ID"],
        obrien.school
    );
    assert_eq!(u["suspended"], false);
    for present in [
        edge::STUDENT_DO,
        edge::STUDENT_TESTA,
        edge::STUDENT_SUBRAMANIAN,
        edge::STUDENT_PRE_REGISTERED,
        // "demo" is not on D118's bad-name list (d118-studentsync.py:36).
        edge::STUDENT_DEMO_ACCOUNT,
    ] {
        assert!(
            user(&demo, &format!("{present}@d118.org")).is_some(),
            "{present} should have an account"
        );
    }
    for absent in [
        edge::STUDENT_TEST_ACCOUNT,
        edge::STUDENT_NULL_LAST_NAME,
        edge::STUDENT_GRADUATE_LAST_YEAR,
        edge::STUDENT_TRANSFERRED,
    ] {
        assert!(
            user(&demo, &format!("{absent}@d118.org")).is_none(),
            "{absent} should have no account"
        );
    }
    let zoe = user(&demo, &format!("{}@d118.org", edge::STUDENT_DIAERESIS)).unwrap();
    assert_eq!(zoe["name"]["givenName"], "Zoë");

    // Staff: by DCID, with schools, substitutes, CrisisGO.
    let staff_user = |dcid: i64| {
        demo.emulator
            .users()
            .into_iter()
            .find(|u| u["customSchemas"]["Synchronization_Data"]["DCID"] == dcid)
    };
    let multi = staff_user(edge::STAFF_MULTI_SCHOOL).expect("multi-school teacher");
    assert_eq!(
        multi["customSchemas"]["Synchronization_Data"]["School_Access_List"],
        "110;120"
    );
    assert_eq!(multi["externalIds"][0]["type"], "organization");
    assert_eq!(
        staff_user(edge::STAFF_SUBSTITUTE).unwrap()["orgUnitPath"],
        "/Substitute Teachers"
    );
    assert_eq!(
        staff_user(edge::STAFF_SUBSTITUTE_BY_TYPE).unwrap()["orgUnitPath"],
        "/Substitute Teachers"
    );
    for absent in [
        // D118's staff bad-name list has "do" (d118-staffsync.pyw:40): skipped, as the
        // script skips them.
        edge::STAFF_DO,
        edge::STAFF_NULL_EMAIL,
        edge::STAFF_BLANK_EMAIL,
        edge::STAFF_TEST_ACCOUNT,
        edge::STAFF_INACTIVE,
    ] {
        assert!(
            staff_user(absent).is_none(),
            "staff {absent} should have no account"
        );
    }

    // Idempotence: the next night has nothing to do.
    let (p, json) = run(&demo, &students, &s_site, Mode::Plan, dir, &[]).await;
    assert_eq!(writes(&json), set(&[]), "{}", p.summary());
    let (p, json) = run(&demo, &staff, &t_site, Mode::Plan, dir, &[]).await;
    assert_eq!(writes(&json), set(&[]), "{}", p.summary());

    // The transferring student is in a group: suspension takes them out of it.
    let transfer_email = format!("{}@d118.org", edge::STUDENT_ACCENT);
    demo.emulator.add_group(
        "rhs-robotics@d118.org",
        &[transfer_email.as_str(), "100008@d118.org"],
    );

    // The SIS changes during the day...
    sql(&demo, &format!(
        "UPDATE STUDENTS SET ENROLL_STATUS = 2 WHERE STUDENT_NUMBER = {transfer};
         UPDATE STUDENTS SET ENROLL_STATUS = 3, CLASSOF = 2026 WHERE STUDENT_NUMBER = {grad};
         UPDATE STUDENTS SET LAST_NAME = 'Do-Tran' WHERE STUDENT_NUMBER = {rename};
         INSERT INTO STUDENTS (ID, DCID, STUDENT_NUMBER, FIRST_NAME, LAST_NAME, GRADE_LEVEL, SCHOOLID, ENROLL_STATUS, CLASSOF)
           VALUES (990001, 990001, 900001, 'Nia', 'Newcomer', 2, 110, 0, 2036);
         UPDATE SCHOOLSTAFF SET STATUS = 2 WHERE USERS_DCID = {leaver};
         UPDATE SCHOOLSTAFF SET STAFFSTATUS = 4 WHERE USERS_DCID = {sub} AND SCHOOLID = (SELECT HOMESCHOOLID FROM USERS WHERE DCID = {sub});",
        transfer = edge::STUDENT_ACCENT,
        grad = edge::STUDENT_APOSTROPHE,
        rename = edge::STUDENT_DO,
        leaver = edge::STAFF_DISTRICT_ADMIN,
        sub = edge::STAFF_SUBRAMANIAN,
    ));
    // ...and the next plan holds exactly those changes.
    let (p, json) = run(&demo, &students, &s_site, Mode::Plan, dir, &[]).await;
    assert_eq!(
        writes(&json),
        set(&[
            (edge::STUDENT_ACCENT, "move"),
            (edge::STUDENT_ACCENT, "suspend"),
            (edge::STUDENT_ACCENT, "remove_from_groups"),
            (edge::STUDENT_APOSTROPHE, "move"),
            (edge::STUDENT_APOSTROPHE, "suspend"),
            // Inactive: only suspended and moved, Graduation_Year left (d118-studentsync.py:257-277).
            (edge::STUDENT_APOSTROPHE, "remove_from_groups"),
            (edge::STUDENT_DO, "update"),
            ("900001", "create"),
        ]),
        "{}",
        p.summary()
    );
    let (p, json) = run(&demo, &staff, &t_site, Mode::Plan, dir, &[]).await;
    let (leaver, sub) = (
        edge::STAFF_DISTRICT_ADMIN.to_string(),
        edge::STAFF_SUBRAMANIAN.to_string(),
    );
    assert_eq!(
        writes(&json),
        set(&[
            // Inactive: only suspended and moved (d118-staffsync.pyw:319-352).
            (&leaver, "move"),
            (&leaver, "suspend"),
            (&leaver, "remove_from_groups"),
            (&sub, "update"), // Staff_Type 4
            (&sub, "move"),
        ]),
        "{}",
        p.summary()
    );

    // Applying them converges again.
    let (r, _) = run(&demo, &students, &s_site, Mode::Apply, dir, &[]).await;
    assert_eq!(r.exit_code(), ExitCode::Ok, "{}", r.summary());
    let (r, _) = run(&demo, &staff, &t_site, Mode::Apply, dir, &[]).await;
    assert_eq!(r.exit_code(), ExitCode::Ok, "{}", r.summary());
    assert_eq!(
        user(&demo, "100001@d118.org").unwrap()["orgUnitPath"],
        "/Suspended Accounts/Graduated Students"
    );
    assert_eq!(user(&demo, "100001@d118.org").unwrap()["suspended"], true);
    assert_eq!(
        staff_user(edge::STAFF_SUBRAMANIAN).unwrap()["orgUnitPath"],
        "/Substitute Teachers"
    );
    assert_eq!(
        demo.emulator
            .group_members("rhs-robotics@d118.org")
            .unwrap(),
        vec!["100008@d118.org".to_string()],
        "the suspended student left the group, the other member stayed"
    );
    let (_, json) = run(&demo, &students, &s_site, Mode::Plan, dir, &[]).await;
    assert!(writes(&json).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn safety_valve_stops_a_run_whose_sis_read_returned_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let demo = Demo::start(dir, d118_students::DOMAIN, today(), 300).unwrap();
    let job = d118_students::job();
    let site = d118_students::site();
    sql(&demo, "DELETE FROM STUDENTS;");
    let before = demo.emulator.write_calls();
    let (r, _) = run(&demo, &job, &site, Mode::Apply, dir, &[]).await;
    assert_eq!(r.exit_code(), ExitCode::Aborted);
    assert!(
        r.aborted.as_deref().unwrap().contains("safety valve"),
        "{:?}",
        r.aborted
    );
    // Only the managed roots were ensured (they existed or were created before planning):
    // no account was written.
    assert!(demo.emulator.users().is_empty());
    let ou_writes = demo
        .emulator
        .counters()
        .get("orgunits.insert")
        .copied()
        .unwrap_or(0);
    assert_eq!(demo.emulator.write_calls() - before, ou_writes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vendor_files_for_the_demo_district_match_snapshots() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // Each feed reads its district's demo, and each job runs as the binary does: its real
    // constants (iids, school codes, email domain, row minimums) unchanged. KIPP's demo has
    // KIPP's four campuses (`roster::sis::demo::KIPP_SCHOOLS`) and staff at its domain.
    let d118 = Demo::start(&dir.join("d118"), d118_students::DOMAIN, today(), 120).unwrap();
    let kipp = Demo::start(&dir.join("kipp"), kipp_chicago_stmath::DOMAIN, today(), 400).unwrap();
    let opts = cli(dir, &[]).opts;
    for (demo, job, site) in [
        (
            &kipp,
            kipp_chicago_stmath::job(),
            kipp_chicago_stmath::site(),
        ),
        (&d118, grow_staff::job(), grow_staff::site()),
    ] {
        let sis = demo.sis(site.powerschool.clone()).unwrap();
        let out_dir = dir.join(&job.name);
        let mut listing = Vec::new();
        let report = run_vendor(&job, Mode::Plan, &opts, &sis, &out_dir, None, &mut listing).await;
        assert_eq!(report.exit_code(), ExitCode::Ok, "{}", report.summary());
        let mut names: Vec<_> = std::fs::read_dir(&out_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        for name in names.iter().filter(|n| n.ends_with(".csv")) {
            let text = std::fs::read_to_string(out_dir.join(name)).unwrap();
            insta::assert_snapshot!(format!("{}__{}", job.name, name), text);
        }
        if job.name == "kipp-chicago-stmath" {
            assert!(names.contains(&"OneRoster.zip".to_string()), "{names:?}");
            let csv = std::fs::read_to_string(out_dir.join("students.csv")).unwrap();
            // Every row but the graduated-students school's has KIPP's iid and code.
            let codes = [
                "KIP4OE,78102,KAP",
                "KIP4OH,7810,KAMS",
                "KIP4OG,400146,KCCP",
                "KIP4OF,400163,KBCP",
            ];
            for l in csv.lines().skip(1) {
                assert!(
                    codes.iter().any(|c| l.starts_with(c)) || l.starts_with(",999999,"),
                    "{l}"
                );
            }
            let blank = report
                .row_errors
                .iter()
                .filter(|e| e.field == "iid")
                .count();
            assert!(blank <= 3, "{blank} rows without an iid");
            // Grades 3 and 4 are not in the feed (the seed's condition).
            assert!(
                !csv.lines()
                    .skip(1)
                    .any(|l| l.split(',').nth(7) == Some("3") || l.split(',').nth(7) == Some("4"))
            );
        }
    }
}

/// The demo district carries its own constants; where the D118 binaries rely on a demo value
/// (school numbers and names the jobs look for), the two agree.
#[test]
fn demo_district_fits_the_d118_constants() {
    use roster::sis::demo::{GRADUATED_SCHOOL, SCHOOLS, SUBSTITUTE_SCHOOL};
    assert_eq!(GRADUATED_SCHOOL, d118_students::GRADUATED_SCHOOL);
    assert_eq!(GRADUATED_SCHOOL, d118_staff::GRADUATED_SCHOOL);
    assert_eq!(SUBSTITUTE_SCHOOL, d118_students::SUBSTITUTE_SCHOOL);
    let name = |n: i64| SCHOOLS.iter().find(|s| s.number == n).map(|s| s.name);
    assert_eq!(
        name(GRADUATED_SCHOOL),
        Some(d118_students::GRADUATED_SCHOOL_NAME)
    );
    assert_eq!(name(SUBSTITUTE_SCHOOL), Some(d118_staff::SUB_BUILDING_NAME));
    // D118's building numbers: the district office, Wauconda High School and the buildings
    // CrisisGO counts with it, the building-OU-only school 901.
    use roster::sis::demo::{
        DISTRICT_OFFICE, HIGH_SCHOOL, KIPP_SCHOOLS, STATE_EXCLUDED_SCHOOL, WHS_GROUP,
    };
    assert_eq!(DISTRICT_OFFICE, d118_students::DISTRICT_OFFICE);
    assert_eq!(
        STATE_EXCLUDED_SCHOOL,
        d118_students::BUILDING_OU_ONLY_SCHOOL
    );
    assert_eq!(name(HIGH_SCHOOL), Some(d118_staff::WHS_NAME));
    let mut group: Vec<i64> = vec![DISTRICT_OFFICE, HIGH_SCHOOL];
    group.extend(WHS_GROUP);
    assert_eq!(group, d118_staff::WHS_GROUP);
    assert!(group.iter().all(|n| name(*n).is_some()));
    // KIPP's demo: exactly the campuses of ST Math's map, with its codes.
    for &(number, _, code) in kipp_chicago_stmath::SCHOOLS {
        let s = KIPP_SCHOOLS.iter().find(|s| s.number == number).unwrap();
        assert_eq!(s.abbreviation, code);
    }
    let campuses = KIPP_SCHOOLS.iter().filter(|s| !s.state_excluded).count();
    assert_eq!(campuses, kipp_chicago_stmath::SCHOOLS.len());
}
