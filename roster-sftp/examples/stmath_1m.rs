//! Measures writing a 1,000,000-row ST Math `students.csv` (DESIGN §9: < 2 s).
//!
//! ```text
//! cargo run --release -p roster-sftp --example stmath_1m [STUDENTS]
//! ```
//! Builds a synthetic roster (100 schools, one homeroom teacher per 25 students), then times
//! `StMath::export` (both files) and, for comparison, the OneRoster CSV files for the same
//! roster (no sections).

use std::time::Instant;

use roster_core::{
    EnrollStatus, Grade, Roster, School, SchoolAssignment, Staff, StaffType, Student, VendorExport,
};
use roster_sftp::{OneRoster, StMath};

/// CPU time this thread has run, from the scheduler (ns): on a loaded machine wall time
/// also counts the time other processes held the CPU.
fn thread_cpu() -> std::time::Duration {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let ns = s
        .split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    std::time::Duration::from_nanos(ns)
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("STUDENTS must be a number"))
        .unwrap_or(1_000_000);
    let schools_n = 100i64;
    let per_teacher = 25usize;

    let t = Instant::now();
    let schools: Vec<School> = (1..=schools_n)
        .map(|i| School {
            number: 100 + i,
            name: format!("School {i}, Campus \"{}\"", i % 7),
            abbreviation: format!("S{i}"),
            state_excluded: false,
        })
        .collect();
    let teachers_n = n.div_ceil(per_teacher);
    let staff: Vec<Staff> = (0..teachers_n)
        .map(|i| {
            let school = 101 + (i as i64 % schools_n);
            Staff {
                dcid: 10_000 + i as i64,
                email: Some(format!("Teacher.{i}@District.org")),
                first_name: format!("First{i}"),
                last_name: format!("O'Last{i}"),
                teacher_number: Some(format!("T{i}")),
                home_school: school,
                schools: vec![SchoolAssignment {
                    school,
                    status: 1,
                    staff_type: StaffType::Teacher,
                }],
                group: None,
                cell_phone: None,
            }
        })
        .collect();
    let mut roster = Roster {
        schools,
        staff,
        ..Roster::default()
    };
    for i in 0..n {
        let teacher = i / per_teacher;
        let number = format!("{:07}", 1_000_000 + i);
        roster
            .classes
            .homerooms
            .insert(number.clone(), 10_000 + teacher as i64);
        roster.students.push(Student {
            student_number: number,
            id: Some(i as i64),
            dcid: Some(i as i64),
            first_name: format!("Given{i}"),
            last_name: if i % 1000 == 0 {
                format!("Smith, Jr {i}")
            } else {
                format!("Family{i}")
            },
            grade: Grade((i % 13) as i32),
            school: 101 + (teacher as i64 % schools_n),
            enroll_status: EnrollStatus::Active,
            class_of: None,
            home_room: Some(format!("HR{}", teacher % 40)),
            dob: chrono::NaiveDate::from_ymd_opt(
                2010 + (i % 12) as i32,
                1 + (i % 12) as u32,
                1 + (i % 28) as u32,
            ),
            email: None,
        });
    }
    let iids: Vec<(i64, String)> = (1..=schools_n)
        .map(|i| (100 + i, format!("IID{i:05}")))
        .collect();
    eprintln!(
        "built a roster of {n} students and {teachers_n} teachers in {:.2?}",
        t.elapsed()
    );

    let st = StMath::new(iids).expect("iids");
    for run in 1..=3 {
        let t = Instant::now();
        let cpu = thread_cpu();
        let export = st.export(&roster).expect("export");
        let took = t.elapsed();
        let cpu = thread_cpu() - cpu;
        assert!(export.errors.is_empty());
        let students = &export.files[0];
        println!(
            "run {run}: ST Math students.csv: {} rows, {:.1} MiB, teachers.csv {} KiB: {:.3} s wall, {:.3} s CPU",
            n,
            students.bytes.len() as f64 / (1024.0 * 1024.0),
            export.files[1].bytes.len() / 1024,
            took.as_secs_f64(),
            cpu.as_secs_f64()
        );
    }

    if std::env::var_os("STMATH_ONLY").is_some() {
        return;
    }
    let or = OneRoster::new("district", "District");
    let t = Instant::now();
    let export = or.csv_files(&roster).expect("oneroster");
    let users = export.files.iter().find(|f| f.name == "users.csv").unwrap();
    println!(
        "OneRoster CSV files ({} users, {:.1} MiB users.csv): {:.3} s",
        n + teachers_n,
        users.bytes.len() as f64 / (1024.0 * 1024.0),
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let zipped = or.export(&roster).expect("oneroster zip");
    println!(
        "OneRoster.zip ({:.1} MiB): {:.3} s",
        zipped.files[0].bytes.len() as f64 / (1024.0 * 1024.0),
        t.elapsed().as_secs_f64()
    );
}
