//! The school calendar and classes: terms, courses, sections, and each student's `CC` rows
//! (which also give the homeroom).

use std::collections::HashMap;

use chrono::NaiveDate;

use super::rng::Rng;
use super::students::Stu;
use super::{HIGH_SCHOOL, HOMEROOM_EXPRESSION, STATE_EXCLUDED_SCHOOL, WHS_GROUP, date};

/// Courses: (number, name, period expression, term slot: 0 year, 1 S1, 2 S2).
pub(super) const COURSES: &[(&str, &str, &str, i64)] = &[
    ("HR", "Homeroom", HOMEROOM_EXPRESSION, 0),
    ("ELA", "English Language Arts", "2(A)", 0),
    ("MATH", "Mathematics", "3(A)", 0),
    ("SCI", "Science", "4(A)", 0),
    ("HLTH", "Health", "5(A)", 1),
    ("ART", "Art", "5(A)", 2),
];
/// `TERMS.ID`s of the school year starting in `start`: `YEARID * 100` for the year term,
/// plus the slot (1 S1, 2 S2) for semesters; last year's year term likewise.
#[derive(Debug, Clone, Copy)]
pub(super) struct TermIds {
    pub(super) year_id: i64,
    pub(super) this_year: i64,
    pub(super) last_year: i64,
}

impl TermIds {
    pub(super) fn new(start: i32) -> Self {
        let year_id = i64::from(start - 1990);
        TermIds {
            year_id,
            this_year: year_id * 100,
            last_year: (year_id - 1) * 100,
        }
    }

    fn of_slot(&self, slot: i64) -> i64 {
        self.this_year + slot
    }
}

/// A `TERMS` row but the school: (ID, YEARID, NAME, ABBREVIATION, FIRSTDAY, LASTDAY).
pub(super) type TermRow = (i64, i64, String, &'static str, NaiveDate, NaiveDate);

/// A school's terms: last year's year term and this year's year, S1, S2.
pub(super) fn term_rows(start: i32, ids: &TermIds) -> [TermRow; 4] {
    let end = start + 1;
    let year_id = ids.year_id;
    [
        (
            ids.last_year,
            year_id - 1,
            format!("{}-{}", start - 1, start % 100),
            "YR",
            date(start - 1, 8, 20),
            date(start, 6, 5),
        ),
        (
            ids.this_year,
            year_id,
            format!("{}-{}", start, end % 100),
            "YR",
            date(start, 8, 20),
            date(end, 6, 5),
        ),
        (
            ids.this_year + 1,
            year_id,
            "Semester 1".to_string(),
            "S1",
            date(start, 8, 20),
            date(end, 1, 15),
        ),
        (
            ids.this_year + 2,
            year_id,
            "Semester 2".to_string(),
            "S2",
            date(end, 1, 16),
            date(end, 6, 5),
        ),
    ]
}

/// One section before it is written.
pub(super) struct Sec {
    pub(super) id: i64,
    pub(super) school: i64,
    /// `SECTION_NUMBER`: the teacher's place among the school's teachers, from 1.
    pub(super) number: usize,
    pub(super) term: i64,
    pub(super) teacher_ss: i64,
    pub(super) teacher_dcid: i64,
    pub(super) course: usize,
}

/// Sections: per school and teacher, this year's homeroom and last year's (taught by the
/// next teacher, so a query that ignores dates picks the wrong one); secondary schools
/// also get the other courses. `ss_of(dcid, school)` is the teacher's `SCHOOLSTAFF.ID`.
pub(super) fn sections(
    teachers_by_school: &[(i64, Vec<i64>)],
    ss_of: impl Fn(i64, i64) -> i64,
    terms: &TermIds,
) -> Vec<Sec> {
    let mut sections: Vec<Sec> = Vec::new();
    let mut id = 1;
    for (school, teachers) in teachers_by_school {
        let secondary = [210, 220, HIGH_SCHOOL, STATE_EXCLUDED_SCHOOL].contains(school)
            || WHS_GROUP.contains(school);
        for (k, &t) in teachers.iter().enumerate() {
            let next = teachers[(k + 1) % teachers.len()];
            let mut add = |course: usize, term: i64, teacher: i64| {
                sections.push(Sec {
                    id,
                    school: *school,
                    number: k + 1,
                    term,
                    teacher_ss: ss_of(teacher, *school),
                    teacher_dcid: teacher,
                    course,
                });
                id += 1;
            };
            add(0, terms.this_year, t);
            add(0, terms.last_year, next);
            if secondary {
                for (c, course) in COURSES.iter().enumerate().skip(1) {
                    add(c, terms.of_slot(course.3), t);
                }
            }
        }
    }
    sections
}

/// A school's sections as indexes into [`Schedule::sections`]: this year's and last year's
/// homeroom sections (same teacher order) and the sections of each other course.
#[derive(Default)]
struct SchoolSections {
    hr_now: Vec<usize>,
    hr_last: Vec<usize>,
    courses: Vec<Vec<usize>>,
}

/// Every section, and where each school's are.
pub(super) struct Schedule {
    pub(super) sections: Vec<Sec>,
    by_school: HashMap<i64, SchoolSections>,
}

/// A student's `CC` rows (section, dropped) and homeroom teacher (DCID).
pub(super) struct StudentClasses<'a> {
    pub(super) cc: Vec<(&'a Sec, bool)>,
    pub(super) homeroom_teacher: Option<i64>,
}

impl Schedule {
    pub(super) fn new(sections: Vec<Sec>, terms: &TermIds) -> Self {
        // Lookups only (never iterated), so a hash map cannot disturb determinism.
        let mut by_school: HashMap<i64, SchoolSections> = HashMap::new();
        for (i, sec) in sections.iter().enumerate() {
            let e = by_school.entry(sec.school).or_default();
            e.courses.resize(COURSES.len(), Vec::new());
            match (sec.course, sec.term) {
                (0, t) if t == terms.this_year => e.hr_now.push(i),
                (0, _) => e.hr_last.push(i),
                (c, _) => e.courses[c].push(i),
            }
        }
        Schedule {
            sections,
            by_school,
        }
    }

    /// The classes of one student, in the order their `CC` rows are written. Enrolled
    /// students (active, or transferred out with dropped rows) get classes; others none.
    pub(super) fn classes(&self, s: &Stu, rng: &mut Rng) -> StudentClasses<'_> {
        let mut out = StudentClasses {
            cc: Vec::new(),
            homeroom_teacher: None,
        };
        let sections = &self.sections;
        if let (Some(secs), true) = (
            self.by_school.get(&s.school),
            s.status == 0 || s.status == 2,
        ) {
            let pick = rng.below(secs.hr_now.len());
            let dropped = s.status == 2;
            let hr = &sections[secs.hr_now[pick]];
            out.cc.push((hr, dropped));
            if !dropped {
                out.homeroom_teacher = Some(hr.teacher_dcid);
                // Last year's homeroom: taught by the next teacher (skipped when that is
                // the same person, at a school with one teacher).
                if let Some(&prev) = secs.hr_last.get(pick)
                    && sections[prev].teacher_ss != hr.teacher_ss
                {
                    out.cc.push((&sections[prev], false));
                }
                // Secondary courses with the same teacher index; one in forty dropped a
                // science section and took another.
                for (c, options) in secs.courses.iter().enumerate() {
                    if options.is_empty() {
                        continue;
                    }
                    let sec = &sections[options[(pick + c) % options.len()]];
                    if c == 3 && options.len() > 1 && rng.chance(25) {
                        let other = &sections[options[(pick + c + 1) % options.len()]];
                        out.cc.push((other, true));
                    }
                    out.cc.push((sec, false));
                }
            }
        }
        out
    }
}
