//! Students: email from the student number, OU by building and grade (the D118 student sync).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate};

use super::{BadNames, DesiredAccount, Intent, name_problem, title_case};
use crate::directory::{FieldName, FieldValue, OrgUnitPath, SchemaValues};
use crate::licence::{Licence, LicenceLoss};
use crate::model::{EnrollStatus, Person, School, SchoolNumber, Student};

/// Grade level -> grade sub-OU name under the building OU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GradeOus(pub BTreeMap<i32, String>);

impl GradeOus {
    /// D118's map: -2 and -1 -> `PreKindergarten`, 0 -> `Kindergarten`, 1 -> `1st` ... 12 -> `12th`.
    pub fn standard() -> Self {
        let mut m = BTreeMap::new();
        m.insert(-2, "PreKindergarten".to_string());
        m.insert(-1, "PreKindergarten".to_string());
        m.insert(0, "Kindergarten".to_string());
        for g in 1..=12 {
            let suffix = match g {
                1 => "st",
                2 => "nd",
                3 => "rd",
                _ => "th",
            };
            m.insert(g, format!("{g}{suffix}"));
        }
        GradeOus(m)
    }

    pub fn get(&self, grade: i32) -> Option<&str> {
        self.0.get(&grade).map(String::as_str)
    }
}

/// Where the student custom attributes go (D118: `Synchronization_Data`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudentSchema {
    pub schema: FieldName,
    pub homeschool_field: FieldName,
    pub graduation_year_field: FieldName,
}

impl StudentSchema {
    pub fn d118() -> Self {
        StudentSchema {
            schema: "Synchronization_Data".into(),
            homeschool_field: "Homeschool_ID".into(),
            graduation_year_field: "Graduation_Year".into(),
        }
    }
}

type BuildingOu = Box<dyn Fn(&School) -> String + Send + Sync>;

/// The student desired-state rules.
pub struct StudentPolicy {
    /// Emails are `student_number@domain`.
    pub domain: String,
    /// The umbrella OU, e.g. `/D118 Students`.
    pub ou_prefix: OrgUnitPath,
    /// The building OU name under the prefix; default `"{abbreviation} Students"`.
    pub building_ou: BuildingOu,
    /// A grade not in the map goes to the building OU itself (documented choice: no crash,
    /// no skip; the account still exists and is visible to the building's admins).
    pub grade_ous: GradeOus,
    pub suspended_ou: OrgUnitPath,
    pub graduated_ou: OrgUnitPath,
    /// Students in this school are graduates whatever their enroll status says.
    pub graduated_school: Option<SchoolNumber>,
    /// A graduate of the current year stays active (in the graduated OU) through August and
    /// is suspended from September 1.
    pub graduated_active_summer: bool,
    /// Enroll statuses that mean an active account (default: 0 active, -1 pre-registered).
    pub active_statuses: Vec<EnrollStatus>,
    /// Active students with these statuses go in the building OU, not a grade sub-OU
    /// (default: -1 pre-registered; D118 script line 160).
    pub building_ou_statuses: Vec<EnrollStatus>,
    /// Active students of these schools go in the building OU, not a grade sub-OU (D118:
    /// school 901; script line 160).
    pub building_ou_schools: BTreeSet<SchoolNumber>,
    /// Write names in [`title_case`] (D118: PowerSchool keeps them in capitals) instead of
    /// as PowerSchool has them.
    pub title_case_names: bool,
    pub bad_names: BadNames,
    pub schema: Option<StudentSchema>,
    /// The licence a summer graduate loses ([`Self::licence_losses`]); `None`: no licence
    /// is removed (D118: product 101031, SKU 1010310008).
    pub summer_graduate_licence: Option<Licence>,
}

impl StudentPolicy {
    /// The D118 layout with the given domain and OU prefix; adjust fields after.
    pub fn new(domain: impl Into<String>, ou_prefix: impl Into<OrgUnitPath>) -> Self {
        StudentPolicy {
            domain: domain.into(),
            ou_prefix: ou_prefix.into(),
            building_ou: Box::new(|s: &School| format!("{} Students", s.abbreviation)),
            grade_ous: GradeOus::standard(),
            suspended_ou: OrgUnitPath::new("/Suspended Accounts"),
            graduated_ou: OrgUnitPath::new("/Suspended Accounts/Graduated Students"),
            graduated_school: None,
            graduated_active_summer: true,
            active_statuses: vec![EnrollStatus::Active, EnrollStatus::PreRegistered],
            building_ou_statuses: vec![EnrollStatus::PreRegistered],
            building_ou_schools: BTreeSet::new(),
            title_case_names: false,
            bad_names: BadNames::default(),
            schema: Some(StudentSchema::d118()),
            summer_graduate_licence: None,
        }
    }

    /// The OU an active student of this school and grade belongs in.
    pub fn active_ou(&self, school: &School, grade: i32) -> OrgUnitPath {
        let building = self.building_ou(school);
        match self.grade_ous.get(grade) {
            Some(g) => building.join(g),
            None => building,
        }
    }

    /// The building OU itself, without a grade sub-OU.
    pub fn building_ou(&self, school: &School) -> OrgUnitPath {
        self.ou_prefix.join(&(self.building_ou)(school))
    }

    /// Does this active student go in the building OU rather than a grade sub-OU?
    pub fn in_building_ou(&self, s: &Student) -> bool {
        self.building_ou_statuses.contains(&s.enroll_status)
            || self.building_ou_schools.contains(&s.school)
    }

    /// The email: the student number as a number (`0123` and `123` are one student, as the
    /// script's `int()` reads it) `@domain`; `None` when the student number is not a number.
    pub fn email(&self, student_number: &str) -> Option<String> {
        let number = student_number.trim();
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let number = number.trim_start_matches('0');
        let number = if number.is_empty() { "0" } else { number };
        Some(format!("{number}@{}", self.domain).to_lowercase())
    }

    /// Is this student a graduate (enroll status 3, or enrolled in the graduated school)?
    pub fn is_graduate(&self, s: &Student) -> bool {
        s.enroll_status == EnrollStatus::Graduated || Some(s.school) == self.graduated_school
    }

    /// A current-year graduate during June, July or August keeps an active account.
    pub fn in_graduate_summer(&self, s: &Student, today: NaiveDate) -> bool {
        self.graduated_active_summer
            && s.class_of == Some(today.year())
            && (6..=8).contains(&today.month())
    }

    /// Does this student lose [`Self::summer_graduate_licence`] today? As the D118 script
    /// (d118-studentsync.py:136-146): a graduate of this year, in June, July or August, in the
    /// graduated school *and* with enroll status 3, while graduates stay active in summer.
    pub fn loses_licence(&self, s: &Student, today: NaiveDate) -> bool {
        self.summer_graduate_licence.is_some()
            && self.graduated_active_summer
            && s.enroll_status == EnrollStatus::Graduated
            && self.graduated_school == Some(s.school)
            && s.class_of == Some(today.year())
            && (6..=8).contains(&today.month())
    }

    /// The students who lose [`Self::summer_graduate_licence`] today, with their emails; a
    /// student the rules skip (a bad name, a number that makes no email) loses nothing, as
    /// in the script, which skips them before this rule.
    pub fn licence_losses(&self, students: &[Student], today: NaiveDate) -> Vec<LicenceLoss> {
        students
            .iter()
            .filter(|s| self.loses_licence(s, today))
            .filter(|s| {
                self.bad_names
                    .matches(&s.first_name, &s.last_name)
                    .is_none()
            })
            .filter_map(|s| {
                Some(LicenceLoss {
                    person: Person::student(s),
                    email: self.email(&s.student_number)?,
                })
            })
            .collect()
    }

    /// A name as the account gets it: trimmed, and title-cased when the policy says so.
    pub fn name(&self, name: &str) -> String {
        if self.title_case_names {
            title_case(name)
        } else {
            name.trim().to_string()
        }
    }

    /// Desired state for every student, in input order.
    pub fn desired(
        &self,
        students: &[Student],
        schools: &[School],
        today: NaiveDate,
    ) -> Vec<Intent> {
        let by_number: HashMap<SchoolNumber, &School> =
            schools.iter().map(|s| (s.number, s)).collect();
        // One shared path per building and grade, not one string per student.
        let mut ous: HashMap<(SchoolNumber, i32), OrgUnitPath> = HashMap::new();
        let mut active_ou = |school: &School, grade: i32| {
            ous.entry((school.number, grade))
                .or_insert_with(|| self.active_ou(school, grade))
                .clone()
        };
        students
            .iter()
            .map(|s| self.intent(s, by_number.get(&s.school).copied(), today, &mut active_ou))
            .collect()
    }

    fn intent(
        &self,
        s: &Student,
        school: Option<&School>,
        today: NaiveDate,
        active_ou: &mut impl FnMut(&School, i32) -> OrgUnitPath,
    ) -> Intent {
        let person = Person::student(s);
        let skip = |reason: String| Intent::Skip {
            person: person.clone(),
            reason,
            school: Some(s.school),
        };
        if let Some(bad) = self.bad_names.matches(&s.first_name, &s.last_name) {
            return skip(format!("name matches the bad-name list ({bad:?})"));
        }
        let Some(email) = self.email(&s.student_number) else {
            return skip(format!(
                "student number {:?} is not a number and cannot make an email",
                s.student_number.trim()
            ));
        };
        if let Some(problem) = name_problem(&s.first_name, &s.last_name) {
            return skip(problem);
        }
        let (org_unit_path, suspended) = if self.is_graduate(s) {
            (
                self.graduated_ou.clone(),
                !self.in_graduate_summer(s, today),
            )
        } else if self.active_statuses.contains(&s.enroll_status) {
            let Some(school) = school else {
                return skip(format!("school {} is not in the SIS schools", s.school));
            };
            if self.in_building_ou(s) {
                (self.building_ou(school), false)
            } else {
                (active_ou(school, s.grade.0), false)
            }
        } else {
            (self.suspended_ou.clone(), true)
        };
        let mut custom_schemas = SchemaValues::new();
        if let Some(sc) = &self.schema {
            let fields = custom_schemas.entry(sc.schema.clone()).or_default();
            fields.insert(sc.homeschool_field.clone(), FieldValue::Int(s.school));
            if let Some(year) = s.class_of {
                fields.insert(
                    sc.graduation_year_field.clone(),
                    FieldValue::Int(year.into()),
                );
            }
        }
        Intent::Account {
            account: DesiredAccount {
                person,
                key: None,
                primary_email: email,
                given_name: self.name(&s.first_name),
                family_name: self.name(&s.last_name),
                org_unit_path,
                suspended,
                custom_schemas,
                external_ids: Vec::new(),
            },
            school: Some(s.school),
        }
    }
}
