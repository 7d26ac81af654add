//! Staff: matched by DCID, email from the SIS, OU by home school (the D118 staff sync).

use std::collections::HashMap;

use super::names::python_title;
use super::{
    BadNames, DesiredAccount, Intent, email_problem, name_problem, normalize_email, title_case,
};
use crate::directory::{
    ExternalId, FieldName, FieldValue, OrgUnitPath, OrgUnitPaths, SchemaValues,
};
use crate::model::{Person, School, SchoolNumber, Staff, StaffType};

/// Where the staff custom attributes go (D118: `Synchronization_Data`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffSchema {
    /// The custom schema's name.
    pub schema: FieldName,
    /// The field holding `USERS.DCID`.
    pub dcid: FieldName,
    /// The field holding the home school.
    pub homeschool: FieldName,
    /// `;`-joined active school numbers.
    pub school_access_list: FieldName,
    /// The field holding the staff type.
    pub staff_type: FieldName,
    /// The field holding `USERS.GROUPVALUE`.
    pub staff_group: FieldName,
    /// The field holding the teacher number.
    pub teacher_number: FieldName,
}

impl StaffSchema {
    /// D118's `Synchronization_Data` schema and field names.
    pub fn d118() -> Self {
        StaffSchema {
            schema: "Synchronization_Data".into(),
            dcid: "DCID".into(),
            homeschool: "Homeschool_ID".into(),
            school_access_list: "School_Access_List".into(),
            staff_type: "Staff_Type".into(),
            staff_group: "Staff_Group".into(),
            teacher_number: "Teacher-Number".into(),
        }
    }
}

type SchoolOu = Box<dyn Fn(&School) -> String + Send + Sync>;
type ExtraSchemas = Box<dyn Fn(&Staff, Option<&School>) -> SchemaValues + Send + Sync>;

/// The staff desired-state rules.
pub struct StaffPolicy {
    /// Staff emails must be in one of these domains (empty: any).
    pub domains: Vec<String>,
    /// The umbrella OU, e.g. `/D118 Staff`.
    pub ou_prefix: OrgUnitPath,
    /// The building OU name under the prefix; default `"{school name} Staff"`, the name
    /// spelt by [`StaffPolicy::school_name`].
    pub school_ou: SchoolOu,
    /// Substitutes (home school named [`Self::substitute_school_name`], or staff type 4 at
    /// the home school) go here.
    pub substitute_ou: OrgUnitPath,
    /// A school name whose staff go to the substitute OU.
    pub substitute_school_name: Option<String>,
    /// Where inactive staff accounts go.
    pub suspended_ou: OrgUnitPath,
    /// Names that must not become accounts (test records, placeholders).
    pub bad_names: BadNames,
    /// Custom schema fields written on each account, if any.
    pub schema: Option<StaffSchema>,
    /// District-specific schema values (D118: CrisisGO Building and CellPhone).
    pub extra_schemas: Option<ExtraSchemas>,
    /// `externalIds` type for the teacher number (D118: `organization`); `None` to not write.
    pub external_id_type: Option<String>,
    /// `Staff_Type` when the person has no active assignment at their home school (D118
    /// script line 157: `'2'`, staff).
    pub default_staff_type: StaffType,
    /// Write names in [`title_case`] (D118: PowerSchool keeps them in capitals) instead of
    /// as PowerSchool has them.
    pub title_case_names: bool,
}

impl StaffPolicy {
    /// Staff rules for these email domains, with OUs under `ou_prefix`.
    pub fn new(domains: Vec<String>, ou_prefix: impl Into<OrgUnitPath>) -> Self {
        StaffPolicy {
            domains,
            ou_prefix: ou_prefix.into(),
            school_ou: Box::new(|s: &School| format!("{} Staff", python_title(&s.name))),
            substitute_ou: OrgUnitPath::new("/Substitute Teachers"),
            substitute_school_name: Some("Substitute".into()),
            suspended_ou: OrgUnitPath::new("/Suspended Accounts"),
            bad_names: BadNames::default(),
            schema: Some(StaffSchema::d118()),
            extra_schemas: None,
            external_id_type: Some("organization".into()),
            default_staff_type: StaffType::Staff,
            title_case_names: false,
        }
    }

    /// A school's name as the D118 script spells it in OU paths and CrisisGO's `Building`:
    /// Python's `str.title()` ([`python_title`]), so the OUs the script made are the ones
    /// the engine uses.
    pub fn school_name(school: &School) -> String {
        python_title(&school.name)
    }

    /// A name as the account gets it: trimmed, and title-cased when the policy says so.
    pub fn name(&self, name: &str) -> String {
        if self.title_case_names {
            title_case(name)
        } else {
            name.trim().to_string()
        }
    }

    /// `Staff_Type`: the type of the person's active assignment at their home school, or
    /// [`Self::default_staff_type`] when there is none.
    pub fn staff_type(&self, s: &Staff) -> StaffType {
        s.schools
            .iter()
            .find(|a| a.school == s.home_school && a.is_active())
            .map_or(self.default_staff_type, |a| a.staff_type)
    }

    /// Is this staff member a substitute?
    pub fn is_substitute(&self, s: &Staff, home: Option<&School>) -> bool {
        let sub_school = match (&self.substitute_school_name, home) {
            (Some(name), Some(school)) => school.name.trim().eq_ignore_ascii_case(name),
            _ => false,
        };
        sub_school || self.staff_type(s) == StaffType::Substitute
    }

    /// Desired state for every staff member, in input order.
    pub fn desired(&self, staff: &[Staff], schools: &[School]) -> Vec<Intent> {
        let by_number: HashMap<SchoolNumber, &School> =
            schools.iter().map(|s| (s.number, s)).collect();
        let mut ous = OrgUnitPaths::new();
        staff
            .iter()
            .map(|s| self.intent(s, by_number.get(&s.home_school).copied(), &mut ous))
            .collect()
    }

    fn intent(&self, s: &Staff, home: Option<&School>, ous: &mut OrgUnitPaths) -> Intent {
        let person = Person::staff(s);
        let skip = |reason: String| Intent::Skip {
            person: person.clone(),
            reason,
            school: Some(s.home_school),
        };
        if let Some(bad) = self.bad_names.matches(&s.first_name, &s.last_name) {
            return skip(format!("name matches the bad-name list ({bad:?})"));
        }
        let Some(email) = s
            .email
            .as_deref()
            .map(normalize_email)
            .filter(|e| !e.is_empty())
        else {
            return skip("no email address in the SIS".into());
        };
        if let Some(problem) = email_problem(&email, &self.domains) {
            return skip(problem);
        }
        let local = email.split('@').next().unwrap_or_default();
        if local.chars().all(|c| c.is_ascii_digit()) {
            return skip(format!(
                "email {email:?} is numeric (a student-style address)"
            ));
        }
        if let Some(problem) = name_problem(&s.first_name, &s.last_name) {
            return skip(problem);
        }
        let active = s.is_active();
        let org_unit_path = if !active {
            self.suspended_ou.clone()
        } else if self.is_substitute(s, home) {
            self.substitute_ou.clone()
        } else {
            match home {
                Some(school) => ous.share(self.ou_prefix.join(&(self.school_ou)(school))),
                None => {
                    return skip(format!(
                        "home school {} is not in the SIS schools",
                        s.home_school
                    ));
                }
            }
        };
        let mut custom_schemas = SchemaValues::new();
        if let Some(sc) = &self.schema {
            let f = custom_schemas.entry(sc.schema.clone()).or_default();
            f.insert(sc.dcid.clone(), FieldValue::Int(s.dcid));
            f.insert(sc.homeschool.clone(), FieldValue::Int(s.home_school));
            let access = s
                .active_schools()
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(";");
            f.insert(sc.school_access_list.clone(), FieldValue::Text(access));
            f.insert(
                sc.staff_type.clone(),
                FieldValue::Int(self.staff_type(s).code().into()),
            );
            if let Some(g) = s.group {
                f.insert(sc.staff_group.clone(), FieldValue::Int(g));
            }
            if let Some(t) = s.teacher_number.as_deref().filter(|t| !t.trim().is_empty()) {
                f.insert(
                    sc.teacher_number.clone(),
                    FieldValue::Text(t.trim().to_string()),
                );
            }
        }
        if let Some(extra) = &self.extra_schemas {
            for (schema, fields) in extra(s, home) {
                custom_schemas.entry(schema).or_default().extend(fields);
            }
        }
        let external_ids = match (&self.external_id_type, s.teacher_number.as_deref()) {
            (Some(kind), Some(t)) if !t.trim().is_empty() => vec![ExternalId {
                kind: kind.clone(),
                value: t.trim().to_string(),
            }],
            _ => Vec::new(),
        };
        Intent::Account {
            account: DesiredAccount {
                person,
                key: Some(s.dcid.to_string()),
                primary_email: email,
                given_name: self.name(&s.first_name),
                family_name: self.name(&s.last_name),
                org_unit_path,
                suspended: !active,
                custom_schemas,
                external_ids,
            },
            school: Some(s.home_school),
        }
    }
}
