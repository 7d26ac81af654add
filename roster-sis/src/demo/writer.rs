//! Writing the district as a PowerSchool-shaped SQLite file: schema, one transaction of
//! prepared inserts in a fixed order, then the indexes.

use std::collections::HashMap;

use chrono::NaiveDate;
use rusqlite::{Connection, Transaction, params};

use super::date;
use super::rng::Rng;
use super::schedules::{COURSES, Schedule, Sec, TermIds, sections, term_rows};
use super::schools::{DemoSchool, KIPP_SCHOOLS, kipp_school, schools_of, teaching_schools};
use super::staff::{User, staff};
use super::students::{Stu, students};
use super::{DemoConfig, DemoDistrict, DemoSummary};

const SCHEMA: &str = "
CREATE TABLE SCHOOLS (SCHOOL_NUMBER INTEGER PRIMARY KEY, NAME TEXT, ABBREVIATION TEXT,
  STATE_EXCLUDEFROMREPORTING INTEGER, LOW_GRADE INTEGER, HIGH_GRADE INTEGER);
CREATE TABLE STUDENTS (ID INTEGER PRIMARY KEY, DCID INTEGER NOT NULL, STUDENT_NUMBER INTEGER,
  FIRST_NAME TEXT, LAST_NAME TEXT, GRADE_LEVEL INTEGER, SCHOOLID INTEGER, ENROLL_STATUS INTEGER,
  CLASSOF INTEGER, HOME_ROOM TEXT, DOB TEXT);
CREATE TABLE USERS (DCID INTEGER PRIMARY KEY, EMAIL_ADDR TEXT, FIRST_NAME TEXT, LAST_NAME TEXT,
  TEACHERNUMBER TEXT, HOMESCHOOLID INTEGER, GROUPVALUE INTEGER, PTACCESS INTEGER);
CREATE TABLE SCHOOLSTAFF (ID INTEGER PRIMARY KEY, USERS_DCID INTEGER, SCHOOLID INTEGER,
  STATUS INTEGER, STAFFSTATUS INTEGER);
CREATE TABLE TERMS (DCID INTEGER PRIMARY KEY, ID INTEGER, YEARID INTEGER, NAME TEXT,
  ABBREVIATION TEXT, SCHOOLID INTEGER, FIRSTDAY TEXT, LASTDAY TEXT);
CREATE TABLE COURSES (COURSE_NUMBER TEXT PRIMARY KEY, COURSE_NAME TEXT);
CREATE TABLE SECTIONS (ID INTEGER PRIMARY KEY, COURSE_NUMBER TEXT, SECTION_NUMBER TEXT,
  TERMID INTEGER, SCHOOLID INTEGER, TEACHER INTEGER, EXPRESSION TEXT);
CREATE TABLE CC (ID INTEGER PRIMARY KEY, STUDENTID INTEGER, SECTIONID INTEGER, TERMID INTEGER,
  SCHOOLID INTEGER, EXPRESSION TEXT, TEACHERID INTEGER, COURSE_NUMBER TEXT);
CREATE TABLE U_HUMANRESOURCES (USERSDCID INTEGER, CELLPHONE TEXT);
CREATE TABLE U_STUDENTSUSERFIELDS (STUDENTSDCID INTEGER, STUDENT_WEB_USERNAME TEXT,
  STUDENT_WEB_PWD TEXT);
";

/// Indexes for the source's queries. No index on `CC.SECTIONID` on purpose: SQLite (without
/// statistics) would use it for `SECTIONID > 0` and visit CC in random order, three times
/// slower than the table scan it does without it.
const INDEXES: &str = "
CREATE INDEX STUDENTS_SCHOOLID ON STUDENTS (SCHOOLID);
CREATE INDEX STUDENTS_DCID ON STUDENTS (DCID);
CREATE INDEX SCHOOLSTAFF_USERS_DCID ON SCHOOLSTAFF (USERS_DCID);
CREATE INDEX SCHOOLSTAFF_SCHOOLID ON SCHOOLSTAFF (SCHOOLID);
CREATE INDEX TERMS_ID_SCHOOLID ON TERMS (ID, SCHOOLID);
CREATE INDEX CC_STUDENTID ON CC (STUDENTID);
CREATE INDEX CC_SCHOOLID_EXPRESSION ON CC (SCHOOLID, EXPRESSION);
CREATE INDEX SECTIONS_SCHOOLID ON SECTIONS (SCHOOLID);
";

fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Generates the district into `conn` (a new, empty database).
pub(super) fn write(conn: &mut Connection, config: &DemoConfig) -> rusqlite::Result<DemoSummary> {
    // Fixed layout, no journal: the same inputs give the same bytes.
    conn.execute_batch(
        "PRAGMA page_size = 4096; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
         PRAGMA locking_mode = EXCLUSIVE; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536;
         PRAGMA user_version = 1;",
    )?;
    conn.execute_batch(SCHEMA)?;
    let mut rng = Rng(config.seed ^ 0x5EED_D15C_0118_0001);
    let start = config.school_year_start();
    let end = start + 1;
    let terms = TermIds::new(start);
    let mut summary = DemoSummary {
        school_year: (date(start, 8, 20), date(end, 6, 5)),
        ..DemoSummary::default()
    };
    // The order of the steps (and of the random numbers they draw) is the file's layout.
    let tx = conn.transaction()?;
    write_schools(&tx, schools_of(config.district), &mut summary)?;
    let teaching = teaching_schools();
    let mut studs = students(config, &mut rng);
    let (mut users, mut teachers_by_school) = staff(config, &mut rng, &teaching, &studs);
    let teaching = match config.district {
        DemoDistrict::D118 => teaching,
        DemoDistrict::KippChicago => {
            to_kipp(&mut studs, &mut users, &mut teachers_by_school);
            KIPP_SCHOOLS.iter().filter(|s| !s.state_excluded).collect()
        }
    };
    write_terms(&tx, &teaching, start, &terms, &mut summary)?;
    let ss_ids = write_users(&tx, &users, &mut summary)?;
    let schedule = Schedule::new(
        sections(
            &teachers_by_school,
            |dcid, school| ss_ids[&(dcid, school)],
            &terms,
        ),
        &terms,
    );
    write_sections(&tx, &schedule.sections, &mut summary)?;
    let last_names: HashMap<i64, &str> = users
        .iter()
        .map(|u| (u.dcid, u.last.as_deref().unwrap_or_default()))
        .collect();
    write_students(&tx, &studs, &schedule, &last_names, &mut rng, &mut summary)?;
    tx.commit()?;
    conn.execute_batch(INDEXES)?;
    Ok(summary)
}

/// Moves the people of D118's buildings to the KIPP campuses [`kipp_school`] maps them to:
/// students, homes and assignments (one per campus, the first kept), and each campus's
/// teachers (the buildings' lists joined, in order).
fn to_kipp(studs: &mut [Stu], users: &mut [User], teachers_by_school: &mut Vec<(i64, Vec<i64>)>) {
    for s in studs.iter_mut() {
        s.school = kipp_school(s.school);
    }
    for u in users.iter_mut() {
        u.home = kipp_school(u.home);
        let mut seen = Vec::new();
        u.assignments.retain_mut(|a| {
            a.0 = kipp_school(a.0);
            let new = !seen.contains(&a.0);
            seen.push(a.0);
            new
        });
    }
    let mut joined: Vec<(i64, Vec<i64>)> = Vec::new();
    for (school, teachers) in teachers_by_school.drain(..) {
        let school = kipp_school(school);
        match joined.iter_mut().find(|(s, _)| *s == school) {
            Some((_, t)) => t.extend(teachers),
            None => joined.push((school, teachers)),
        }
    }
    *teachers_by_school = joined;
}

/// `SCHOOLS` and `COURSES`.
fn write_schools(
    tx: &Transaction<'_>,
    schools: &[DemoSchool],
    summary: &mut DemoSummary,
) -> rusqlite::Result<()> {
    let mut ins = tx.prepare("INSERT INTO SCHOOLS VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?;
    for s in schools {
        ins.execute(params![
            s.number,
            s.name,
            s.abbreviation,
            i32::from(s.state_excluded),
            s.low_grade,
            s.high_grade
        ])?;
        summary.schools += 1;
    }
    let mut ins = tx.prepare("INSERT INTO COURSES VALUES (?1, ?2)")?;
    for (number, name, _, _) in COURSES {
        ins.execute(params![number, name])?;
    }
    Ok(())
}

/// `TERMS`: per teaching school, last year's year term and this year's year, S1, S2.
fn write_terms(
    tx: &Transaction<'_>,
    teaching: &[&DemoSchool],
    start: i32,
    terms: &TermIds,
    summary: &mut DemoSummary,
) -> rusqlite::Result<()> {
    let mut ins = tx.prepare("INSERT INTO TERMS (ID, YEARID, NAME, ABBREVIATION, SCHOOLID, FIRSTDAY, LASTDAY) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?;
    for s in teaching {
        for (id, yid, name, abbr, first, last) in term_rows(start, terms) {
            ins.execute(params![
                id,
                yid,
                name,
                abbr,
                s.number,
                iso(first),
                iso(last)
            ])?;
            summary.terms += 1;
        }
    }
    Ok(())
}

/// `USERS`, `SCHOOLSTAFF` and cell phones (`U_HUMANRESOURCES`); returns each user's
/// `SCHOOLSTAFF.ID` per school, keyed by (DCID, school).
fn write_users(
    tx: &Transaction<'_>,
    users: &[User],
    summary: &mut DemoSummary,
) -> rusqlite::Result<HashMap<(i64, i64), i64>> {
    let mut schoolstaff_id: Vec<(i64, i64, i64)> = Vec::new(); // (dcid, school, ID)
    {
        let mut ins_user =
            tx.prepare("INSERT INTO USERS VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?;
        let mut ins_ss = tx.prepare("INSERT INTO SCHOOLSTAFF VALUES (?1, ?2, ?3, ?4, ?5)")?;
        let mut ins_hr = tx.prepare("INSERT INTO U_HUMANRESOURCES VALUES (?1, ?2)")?;
        let mut ss_id = 1;
        for u in users {
            let teachernumber = format!("T{:05}", u.dcid);
            ins_user.execute(params![
                u.dcid,
                u.email,
                u.first,
                u.last,
                teachernumber,
                u.home,
                u.group,
                pt_access(u.dcid)
            ])?;
            for (school, status, staffstatus) in &u.assignments {
                ins_ss.execute(params![ss_id, u.dcid, school, status, staffstatus])?;
                schoolstaff_id.push((u.dcid, *school, ss_id));
                ss_id += 1;
            }
            if u.dcid % 10 < 7 {
                ins_hr.execute(params![u.dcid, format!("847-555-{:04}", u.dcid % 10_000)])?;
            }
        }
        summary.users = users.len();
        summary.schoolstaff = schoolstaff_id.len();
    }
    // Lookups only (never iterated), so hash maps cannot disturb determinism.
    let mut ss_ids: HashMap<(i64, i64), i64> = HashMap::with_capacity(schoolstaff_id.len());
    for &(dcid, school, id) in &schoolstaff_id {
        ss_ids.entry((dcid, school)).or_insert(id);
    }
    Ok(ss_ids)
}

/// `SECTIONS`, in the order they were made (their ids).
fn write_sections(
    tx: &Transaction<'_>,
    sections: &[Sec],
    summary: &mut DemoSummary,
) -> rusqlite::Result<()> {
    let mut ins = tx.prepare("INSERT INTO SECTIONS VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?;
    for sec in sections {
        let (number, _, expression, _) = COURSES[sec.course];
        ins.execute(params![
            sec.id,
            number,
            sec.number.to_string(),
            sec.term,
            sec.school,
            sec.teacher_ss,
            expression
        ])?;
    }
    summary.sections = sections.len();
    Ok(())
}

/// `STUDENTS`, each after its `CC` rows; the homeroom teacher's last name is `HOME_ROOM`.
fn write_students(
    tx: &Transaction<'_>,
    studs: &[Stu],
    schedule: &Schedule,
    last_names: &HashMap<i64, &str>,
    rng: &mut Rng,
    summary: &mut DemoSummary,
) -> rusqlite::Result<()> {
    let mut ins_st =
        tx.prepare("INSERT INTO STUDENTS VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")?;
    let mut ins_cc = tx.prepare("INSERT INTO CC VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?;
    let mut ins_web = tx.prepare("INSERT INTO U_STUDENTSUSERFIELDS VALUES (?1, ?2, ?3)")?;
    let mut cc_id = 1;
    for (i, s) in studs.iter().enumerate() {
        let id = i as i64 + 1;
        let dcid = id + 30_000;
        let classes = schedule.classes(s, rng);
        for (sec, dropped) in classes.cc {
            let sign = if dropped { -1 } else { 1 };
            let (number, _, expression, _) = COURSES[sec.course];
            ins_cc.execute(params![
                cc_id,
                id,
                sign * sec.id,
                sign * sec.term,
                sec.school,
                expression,
                sec.teacher_ss,
                number
            ])?;
            cc_id += 1;
            summary.cc += 1;
            summary.cc_dropped += usize::from(dropped);
        }
        let home_room = classes.homeroom_teacher.map(|t| last_names[&t]);
        ins_st.execute(params![
            id,
            dcid,
            s.number,
            s.first,
            s.last,
            s.grade,
            s.school,
            s.status,
            s.class_of,
            home_room,
            iso(s.dob),
        ])?;
        if let Some((username, password)) = web_login(dcid, s.number) {
            ins_web.execute(params![dcid, username, password])?;
        }
    }
    summary.students = studs.len();
    Ok(())
}

/// `USERS.PTACCESS` of a demo user: most have PowerTeacher access (1), every tenth has not
/// (0), every tenth is NULL (never set), by DCID so the random stream is untouched.
fn pt_access(dcid: i64) -> Option<i64> {
    match dcid % 10 {
        8 => Some(0),
        9 => None,
        _ => Some(1),
    }
}

/// KIPP's custom fields `student_web_username` / `student_web_pwd` of a demo student (in the
/// extension table PowerSchool migrates legacy custom fields to): every twentieth student
/// has none, so the blank case is in the demo too. Derived from the DCID and number, so the
/// random stream is untouched; demo passwords, not anyone's secret.
fn web_login(dcid: i64, number: Option<i64>) -> Option<(String, String)> {
    let number = number?;
    if dcid % 20 == 0 {
        return None;
    }
    let pin = (dcid * 7_919 + 1_013) % 10_000;
    Some((format!("st{number}"), format!("demo{pin:04}")))
}
