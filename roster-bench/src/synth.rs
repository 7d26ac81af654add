//! Synthetic districts for the in-memory measurements (plan, vendor files): schools,
//! students, homeroom teachers, and directory accounts that are mostly in sync.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use roster_core::policy::{Intent, StudentPolicy};
use roster_core::{
    Account, EnrollStatus, FieldValue, Grade, OrgUnitPath, Roster, School, SchoolAssignment, Staff,
    StaffType, Student,
};

pub const DOMAIN: &str = "bench.k12.example";
pub const STUDENT_ROOT: &str = "/D118 Students";
pub const SUSPENDED_OU: &str = "/Suspended Accounts";
/// Students per homeroom teacher in the vendor roster.
pub const PER_TEACHER: usize = 25;

pub fn schools(n: usize) -> Vec<School> {
    (1..=n as i64)
        .map(|i| School {
            number: 100 + i,
            name: format!("School {i}, Campus \"{}\"", i % 7),
            abbreviation: format!("S{i:02}"),
            state_excluded: i % 10 == 0,
        })
        .collect()
}

/// `n` students spread over `schools`; one in `inactive_every` is transferred out (their
/// account should be suspended), `None` for all active.
pub fn students(
    n: usize,
    schools: &[School],
    inactive_every: Option<usize>,
    today: NaiveDate,
) -> Vec<Student> {
    use chrono::Datelike;
    (0..n)
        .map(|i| {
            let grade = (i % 13) as i32;
            let inactive = inactive_every.is_some_and(|k| i % k == k - 1);
            Student {
                student_number: format!("{:07}", 1_000_000 + i),
                id: Some(i as i64),
                dcid: Some(i as i64),
                first_name: if i % 97 == 0 {
                    format!("Zoë-{i}")
                } else {
                    format!("Given{i}")
                },
                last_name: if i % 89 == 0 {
                    format!("O'Family{i}")
                } else {
                    format!("Family{i}")
                },
                grade: Grade(grade),
                school: schools[(i / PER_TEACHER) % schools.len()].number,
                enroll_status: if inactive {
                    EnrollStatus::TransferredOut
                } else {
                    EnrollStatus::Active
                },
                class_of: Some(today.year() + 12 - grade),
                home_room: Some(format!("HR{}", (i / PER_TEACHER) % 40)),
                dob: NaiveDate::from_ymd_opt(
                    2008 + (i % 12) as i32,
                    1 + (i % 12) as u32,
                    1 + (i % 28) as u32,
                ),
                email: None,
                web_username: None,
                web_password: None,
            }
        })
        .collect()
}

/// The student rules the benchmarks use: D118's layout in [`DOMAIN`].
pub fn student_policy() -> StudentPolicy {
    StudentPolicy::new(DOMAIN, STUDENT_ROOT)
}

/// Changes the plan must find, by kind label.
pub type Expected = BTreeMap<String, usize>;

/// Accounts for the desired state: in sync, except per 1,000 people: 5 without an account
/// (a create when active), 10 in an old OU (move), 5 with another given name and 2 with
/// another graduation year (update), 2 with the suspension flipped (unsuspend, or suspend
/// plus remove-from-groups). Returns the accounts and the changes a correct plan makes.
pub fn observed(desired: &[Intent]) -> (Vec<Account>, Expected) {
    let mut expected = Expected::new();
    let mut bump = |k: &str| *expected.entry(k.to_string()).or_insert(0) += 1;
    let mut accounts = Vec::with_capacity(desired.len());
    let old_building = OrgUnitPath::new(STUDENT_ROOT).join("Old Building");
    for (i, intent) in desired.iter().enumerate() {
        let Intent::Account { account: d, .. } = intent else {
            bump("skip");
            continue;
        };
        let mut a = Account {
            id: Some(format!("{}", 100_000_000_000_000_000u64 + i as u64)),
            primary_email: d.primary_email.clone(),
            given_name: d.given_name.clone(),
            family_name: d.family_name.clone(),
            org_unit_path: d.org_unit_path.clone(),
            suspended: d.suspended,
            custom_schemas: d.custom_schemas.clone(),
            external_ids: Vec::new(),
            admin: None,
        };
        match i % 1000 {
            0..=4 => {
                if !d.suspended {
                    bump("create");
                }
                continue;
            }
            5..=14 => {
                a.org_unit_path = old_building.clone();
                bump("move");
            }
            15..=19 => {
                a.given_name.push('x');
                bump("update");
            }
            20..=21 => {
                if let Some(f) = a.custom_schemas.get_mut("Synchronization_Data") {
                    f.insert("Graduation_Year".into(), FieldValue::Int(1999));
                }
                bump("update");
            }
            22..=23 => {
                a.suspended = !d.suspended;
                if d.suspended {
                    bump("suspend");
                    bump("remove_from_groups");
                } else {
                    bump("unsuspend");
                }
            }
            _ => {}
        }
        accounts.push(a);
    }
    (accounts, expected)
}

/// A vendor roster: `students` (all active) with one homeroom teacher per [`PER_TEACHER`].
pub fn roster(schools: Vec<School>, students: Vec<Student>) -> Roster {
    let teachers = students.len().div_ceil(PER_TEACHER);
    let staff: Vec<Staff> = (0..teachers)
        .map(|t| {
            let school = schools[t % schools.len()].number;
            Staff {
                dcid: 10_000 + t as i64,
                email: Some(format!("Teacher.{t}@{DOMAIN}")),
                first_name: format!("First{t}"),
                last_name: format!("O'Last{t}"),
                teacher_number: Some(format!("T{t}")),
                home_school: school,
                schools: vec![SchoolAssignment {
                    school,
                    status: 1,
                    staff_type: StaffType::Teacher,
                }],
                group: None,
                cell_phone: None,
                pt_access: None,
            }
        })
        .collect();
    let mut roster = Roster {
        schools,
        staff,
        ..Roster::default()
    };
    for (i, s) in students.iter().enumerate() {
        roster
            .classes
            .homerooms
            .insert(s.student_number.clone(), 10_000 + (i / PER_TEACHER) as i64);
    }
    roster.students = students;
    roster
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observed_matches_desired_except_the_planned_drift() {
        let today = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        let schools = schools(4);
        let students = students(3_000, &schools, Some(50), today);
        let desired = student_policy().desired(&students, &schools, today);
        let (accounts, expected) = observed(&desired);
        // 5 of every 1,000 have no account.
        assert_eq!(accounts.len(), 3_000 - 15);
        assert_eq!(expected["move"], 30);
        assert_eq!(expected["update"], 21);
        let flips = expected.get("suspend").unwrap_or(&0) + expected.get("unsuspend").unwrap_or(&0);
        assert_eq!(flips, 6);
        // Students 49, 99, ... are transferred out: no create for them.
        assert_eq!(expected["create"], 15);
    }

    #[test]
    fn roster_gives_every_student_a_homeroom_teacher() {
        let today = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        let schools = schools(3);
        let students = students(60, &schools, None, today);
        let r = roster(schools, students);
        assert_eq!(r.staff.len(), 3);
        assert_eq!(r.classes.homerooms.len(), 60);
        assert!(
            r.students
                .iter()
                .all(|s| s.enroll_status == EnrollStatus::Active)
        );
    }
}
