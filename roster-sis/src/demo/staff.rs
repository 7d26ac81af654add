//! Staff: the edge cases of [`super::edge`], then teachers, office and lunch staff per
//! school, then substitutes; emails `first.last@{domain}`, de-duplicated.

use std::collections::HashSet;

use super::names::{FIRST_NAMES, LAST_NAMES, email_local};
use super::rng::Rng;
use super::schools::DemoSchool;
use super::students::Stu;
use super::{
    DISTRICT_OFFICE, DemoConfig, HIGH_SCHOOL, STATE_EXCLUDED_SCHOOL, SUBSTITUTE_SCHOOL, WHS_GROUP,
    edge,
};

/// One user before it is written.
pub(super) struct User {
    pub(super) dcid: i64,
    pub(super) first: String,
    pub(super) last: Option<String>,
    pub(super) email: Option<String>,
    pub(super) home: i64,
    pub(super) group: i64,
    /// (school, status, staff status); `None` status writes NULL.
    pub(super) assignments: Vec<(i64, Option<i32>, i32)>,
}

/// Every user, and per teaching school its active teachers (DCIDs), who teach its sections.
pub(super) fn staff(
    config: &DemoConfig,
    rng: &mut Rng,
    teaching: &[&DemoSchool],
    studs: &[Stu],
) -> (Vec<User>, Vec<(i64, Vec<i64>)>) {
    // Active students per school decide how many teachers a school needs.
    let active_at = |school: i64| {
        studs
            .iter()
            .filter(|s| s.school == school && s.status == 0)
            .count()
    };

    // Staff: the edge cases, then per school teachers, office and lunch staff, then subs.
    let mut users = special_staff(&config.domain);
    let mut emails: HashSet<String> = users.iter().filter_map(|u| u.email.clone()).collect();
    let mut next_dcid = 1001;
    let mut teachers_by_school: Vec<(i64, Vec<i64>)> = Vec::new();
    let mut new_user = |rng: &mut Rng,
                        home: i64,
                        group: i64,
                        assignments: Vec<(i64, Option<i32>, i32)>,
                        users: &mut Vec<User>| {
        let first = rng.pick(FIRST_NAMES).to_string();
        let last = rng.pick(LAST_NAMES).to_string();
        let base = email_local(&first, &last);
        let mut local = base.clone();
        let mut k = 1;
        while !emails.insert(format!("{local}@{}", config.domain)) {
            k += 1;
            local = format!("{base}{k}");
        }
        let dcid = next_dcid;
        next_dcid += 1;
        users.push(User {
            dcid,
            first,
            last: Some(last),
            email: Some(format!("{local}@{}", config.domain)),
            home,
            group,
            assignments,
        });
        dcid
    };
    for s in teaching {
        let n = active_at(s.number).div_ceil(22).max(2);
        let mut teachers = Vec::with_capacity(n);
        for _ in 0..n {
            // Most teach here only; some also teach at a second school; some left one.
            let mut a = vec![(s.number, Some(1), 1)];
            if rng.chance(80) {
                let other = rng.pick(teaching).number;
                if other != s.number {
                    a.push((other, Some(1), 1));
                }
            } else if rng.chance(50) {
                let other = rng.pick(teaching).number;
                if other != s.number {
                    a.push((other, Some(2), 1));
                }
            }
            let inactive = rng.chance(25);
            if inactive {
                for x in &mut a {
                    x.1 = Some(2);
                }
            }
            let dcid = new_user(rng, s.number, 4, a, &mut users);
            if !inactive {
                teachers.push(dcid);
            }
        }
        if teachers.is_empty() {
            teachers.push(new_user(
                rng,
                s.number,
                4,
                vec![(s.number, Some(1), 1)],
                &mut users,
            ));
        }
        teachers_by_school.push((s.number, teachers));
        new_user(rng, s.number, 6, vec![(s.number, Some(1), 2)], &mut users);
        new_user(rng, s.number, 6, vec![(s.number, Some(1), 2)], &mut users);
        new_user(rng, s.number, 7, vec![(s.number, Some(1), 3)], &mut users);
    }
    let subs = (config.students / 400).max(3);
    for _ in 0..subs {
        let a = vec![
            (SUBSTITUTE_SCHOOL, Some(1), 4),
            (rng.pick(teaching).number, Some(1), 4),
        ];
        new_user(rng, SUBSTITUTE_SCHOOL, 8, a, &mut users);
    }
    (users, teachers_by_school)
}

fn special_staff(domain: &str) -> Vec<User> {
    use edge::*;
    let e = |first: &str, last: &str| Some(format!("{}@{domain}", email_local(first, last)));
    let regular = [
        DISTRICT_OFFICE,
        110,
        120,
        130,
        210,
        220,
        HIGH_SCHOOL,
        WHS_GROUP[0],
        WHS_GROUP[1],
        WHS_GROUP[2],
        400,
        STATE_EXCLUDED_SCHOOL,
    ];
    vec![
        User {
            dcid: STAFF_TEST_ACCOUNT,
            first: "Test".into(),
            last: Some("Teacher".into()),
            email: e("test", "teacher"),
            home: 110,
            group: 9,
            assignments: vec![(110, Some(1), 1)],
        },
        User {
            dcid: STAFF_SUB_ACCOUNT,
            first: "Sub".into(),
            last: Some("Teacher".into()),
            email: e("sub", "teacher"),
            home: SUBSTITUTE_SCHOOL,
            group: 9,
            assignments: vec![(SUBSTITUTE_SCHOOL, Some(1), 4)],
        },
        User {
            dcid: STAFF_MULTI_SCHOOL,
            first: "María".into(),
            last: Some("García-López".into()),
            email: e("maria", "garcialopez"),
            home: 110,
            group: 4,
            assignments: vec![(110, Some(1), 1), (120, Some(1), 1), (210, Some(2), 1)],
        },
        User {
            dcid: STAFF_NULL_EMAIL,
            first: "Seán".into(),
            last: Some("O'Brien".into()),
            email: None,
            home: 120,
            group: 4,
            assignments: vec![(120, Some(1), 1)],
        },
        User {
            dcid: STAFF_BLANK_EMAIL,
            first: "Kai".into(),
            last: Some("Nakamura".into()),
            email: Some(String::new()),
            home: 130,
            group: 6,
            assignments: vec![(130, Some(1), 2)],
        },
        User {
            dcid: STAFF_SUBRAMANIAN,
            first: "Priya".into(),
            last: Some("Subramanian".into()),
            email: e("priya", "subramanian"),
            home: HIGH_SCHOOL,
            group: 4,
            assignments: vec![(HIGH_SCHOOL, Some(1), 1)],
        },
        User {
            dcid: STAFF_DO,
            first: "Minh".into(),
            last: Some("Do".into()),
            email: e("minh", "do"),
            home: 210,
            group: 4,
            assignments: vec![(210, Some(1), 1)],
        },
        User {
            dcid: STAFF_SUBSTITUTE,
            first: "Robert".into(),
            last: Some("McDonald".into()),
            email: e("robert", "mcdonald"),
            home: SUBSTITUTE_SCHOOL,
            group: 8,
            assignments: vec![(SUBSTITUTE_SCHOOL, Some(1), 4), (110, Some(1), 4)],
        },
        User {
            dcid: STAFF_SUBSTITUTE_BY_TYPE,
            first: "Angela".into(),
            last: Some("de la Cruz".into()),
            email: e("angela", "delacruz"),
            home: 120,
            group: 8,
            assignments: vec![(120, Some(1), 4)],
        },
        User {
            dcid: STAFF_INACTIVE,
            first: "Helen".into(),
            last: Some("Park".into()),
            email: e("helen", "park"),
            home: 220,
            group: 4,
            assignments: vec![(220, Some(2), 1), (HIGH_SCHOOL, Some(2), 1)],
        },
        User {
            dcid: STAFF_NULL_LAST_NAME,
            first: "Lee".into(),
            last: None,
            email: e("lee", "x"),
            home: HIGH_SCHOOL,
            group: 6,
            assignments: vec![(HIGH_SCHOOL, Some(1), 2)],
        },
        User {
            dcid: STAFF_NO_ASSIGNMENTS,
            first: "Omar".into(),
            last: Some("Haddad".into()),
            email: e("omar", "haddad"),
            home: 130,
            group: 6,
            assignments: vec![],
        },
        User {
            dcid: STAFF_DISTRICT_ADMIN,
            first: "Zoë".into(),
            last: Some("Brontë".into()),
            email: e("zoe", "bronte"),
            home: DISTRICT_OFFICE,
            group: 1,
            assignments: regular.iter().map(|&s| (s, Some(1), 2)).collect(),
        },
        User {
            dcid: STAFF_DOUBLE_SPACE,
            first: "Mary  Ellen".into(),
            last: Some("Walsh".into()),
            email: e("maryellen", "walsh"),
            home: 130,
            group: 4,
            assignments: vec![(130, Some(1), 1)],
        },
        User {
            dcid: STAFF_NULL_STATUS_ASSIGNMENT,
            first: "Grace".into(),
            last: Some("Hopper".into()),
            email: e("grace", "hopper"),
            home: 210,
            group: 4,
            assignments: vec![(210, Some(1), 1), (220, None, 1)],
        },
    ]
}
