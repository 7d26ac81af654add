//! SchoolMint Grow's SFTP user upload: one CSV, and every active staff member in every file
//! (Grow's SFTP import is a full refresh: anyone missing is archived).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use roster_core::model::SchoolNumber;
use roster_core::{Export, Roster, RowError, School, Staff, StaffType, VendorError, VendorExport};

use super::{CsvFile, CsvOptions, staff_row};

/// The upload's columns, in order. `School` must be column E (Grow matches it by exact name).
pub const GROW_COLUMNS: [&str; 10] = [
    "First Name",
    "Last Name",
    "Email",
    "Role",
    "School",
    "Grade",
    "Course",
    "Primary Coach",
    "User Type",
    "Internal ID",
];

/// Grow's user roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GrowRole {
    /// Teacher.
    Teacher,
    /// Coach.
    Coach,
    /// Assistant administrator.
    AssistantAdmin,
    /// School administrator.
    SchoolAdmin,
    /// Regional administrator.
    RegionalAdmin,
    /// Sub-administrator.
    SubAdmin,
    /// System administrator.
    SystemAdmin,
}

impl GrowRole {
    /// The role as Grow's upload file spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            GrowRole::Teacher => "Teacher",
            GrowRole::Coach => "Coach",
            GrowRole::AssistantAdmin => "Assistant Admin",
            GrowRole::SchoolAdmin => "School Admin",
            GrowRole::RegionalAdmin => "Regional Admin",
            GrowRole::SubAdmin => "Sub Admin",
            GrowRole::SystemAdmin => "System Admin",
        }
    }

    /// Sub Admins and System Admins see every school: Grow wants no school for them.
    pub fn has_school(self) -> bool {
        !matches!(self, GrowRole::SubAdmin | GrowRole::SystemAdmin)
    }
}

/// One line of the upload, before it is written; the [`Grow::fill`] hook may edit it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrowRow {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Lower-case and trimmed.
    pub email: String,
    /// The Grow role.
    pub role: GrowRole,
    /// Grow's exact school name; empty for Sub and System Admins.
    pub school: String,
    /// The SIS school this row is for (`None` for Sub and System Admins).
    pub school_number: Option<SchoolNumber>,
    /// The `Grade` column.
    pub grade: String,
    /// The `Course` column.
    pub course: String,
    /// The `Primary Coach` column.
    pub primary_coach: String,
    /// The `User Type` column.
    pub user_type: String,
    /// The `Internal ID` column.
    pub internal_id: String,
}

type RoleFn = dyn Fn(&Staff) -> Option<GrowRole> + Send + Sync;
type FillFn = dyn Fn(&Staff, &mut GrowRow) + Send + Sync;

/// The Grow export.
///
/// - Every active staff member (a `SCHOOLSTAFF` row with status 1) gets one row per active
///   school, home school first; Sub and System Admins get one row without a school.
/// - `Role` comes from the role function: by default a teacher or substitute at the home
///   school is a `Teacher` and anyone else has no role, which is reported as a [`RowError`]
///   (the district's code must say what they are).
/// - `Email` is trimmed and lower-cased; staff without one are reported, not dropped silently.
/// - `Internal ID` is always the `USERS.DCID`: Grow archives a profile whose email changes when
///   it matches by email, so the district should match on Internal ID.
/// - `Grade`, `Course`, `Primary Coach` and `User Type` are empty unless [`Grow::fill`] sets
///   them.
#[derive(Clone)]
pub struct Grow {
    role: Arc<RoleFn>,
    fill: Option<Arc<FillFn>>,
    school_names: BTreeMap<SchoolNumber, String>,
    /// The upload file's name.
    pub file_name: &'static str,
    /// CSV settings.
    pub csv: CsvOptions,
}

impl fmt::Debug for Grow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Grow")
            .field("school_names", &self.school_names)
            .field("fill", &self.fill.is_some())
            .field("file_name", &self.file_name)
            .field("csv", &self.csv)
            .finish()
    }
}

impl Default for Grow {
    fn default() -> Self {
        Grow {
            role: Arc::new(default_role),
            fill: None,
            school_names: BTreeMap::new(),
            file_name: "grow_users.csv",
            csv: CsvOptions::default(),
        }
    }
}

/// Teachers and substitutes (by their home-school assignment) are Teachers; others unknown.
pub fn default_role(s: &Staff) -> Option<GrowRole> {
    match s.home_assignment().map(|a| a.staff_type) {
        Some(StaffType::Teacher | StaffType::Substitute) => Some(GrowRole::Teacher),
        _ => None,
    }
}

impl Grow {
    /// An exporter with the default file name and CSV settings.
    pub fn new() -> Self {
        Grow::default()
    }

    /// The district's role rule; `None` reports the person as a row error.
    pub fn role(mut self, f: impl Fn(&Staff) -> Option<GrowRole> + Send + Sync + 'static) -> Self {
        self.role = Arc::new(f);
        self
    }

    /// Edits each row before it is written (grade, course, primary coach, user type, …).
    pub fn fill(mut self, f: impl Fn(&Staff, &mut GrowRow) + Send + Sync + 'static) -> Self {
        self.fill = Some(Arc::new(f));
        self
    }

    /// Grow's name for a school when it differs from the SIS name (it must match exactly).
    pub fn school_name(mut self, school: SchoolNumber, grow_name: impl Into<String>) -> Self {
        self.school_names.insert(school, grow_name.into());
        self
    }

    /// Writes a UTF-8 byte order mark first, or not.
    pub fn with_bom(mut self, bom: bool) -> Self {
        self.csv.bom = bom;
        self
    }
}

impl VendorExport for Grow {
    fn name(&self) -> &str {
        "schoolmint-grow"
    }

    fn export(&self, roster: &Roster) -> Result<Export, VendorError> {
        let schools: HashMap<SchoolNumber, &School> =
            roster.schools.iter().map(|s| (s.number, s)).collect();
        let mut staff: Vec<&Staff> = roster.staff.iter().filter(|s| s.is_active()).collect();
        staff.sort_by_key(|s| s.dcid);
        let mut errors = Vec::new();
        let mut out = CsvFile::with_capacity(
            self.file_name,
            self.csv,
            &GROW_COLUMNS,
            staff.len() * 120 + 1024,
        )?;

        for s in staff {
            let err = |field: &str, reason: String| RowError::new(staff_row(s.dcid), field, reason);
            let email = s
                .email
                .as_deref()
                .map(|e| e.trim().to_lowercase())
                .filter(|e| !e.is_empty());
            let Some(email) = email else {
                errors.push(err("Email", "no email in the SIS".into()));
                continue;
            };
            let Some(role) = (self.role)(s) else {
                let kind = s
                    .home_assignment()
                    .map(|a| format!("{:?}", a.staff_type))
                    .unwrap_or_else(|| "no home-school assignment".into());
                errors.push(err(
                    "Role",
                    format!("no Grow role for this staff member ({kind}); set one in the district's Grow role rule"),
                ));
                continue;
            };
            let mut targets: Vec<Option<SchoolNumber>> = if role.has_school() {
                let mut v = s.active_schools();
                if let Some(i) = v.iter().position(|&n| n == s.home_school) {
                    v[..=i].rotate_right(1);
                }
                v.into_iter().map(Some).collect()
            } else {
                vec![None]
            };
            if targets.is_empty() {
                errors.push(err("School", "no active school assignment".into()));
                continue;
            }
            for school_number in targets.drain(..) {
                let school = match school_number {
                    None => String::new(),
                    Some(n) => match (self.school_names.get(&n), schools.get(&n)) {
                        (Some(name), _) => name.clone(),
                        (None, Some(school)) => school.name.clone(),
                        (None, None) => {
                            errors.push(err("School", format!("school {n} is not in the roster")));
                            continue;
                        }
                    },
                };
                let mut row = GrowRow {
                    first_name: s.first_name.clone(),
                    last_name: s.last_name.clone(),
                    email: email.clone(),
                    role,
                    school,
                    school_number,
                    grade: String::new(),
                    course: String::new(),
                    primary_coach: String::new(),
                    user_type: String::new(),
                    internal_id: s.dcid.to_string(),
                };
                if let Some(fill) = &self.fill {
                    fill(s, &mut row);
                }
                out.row([
                    row.first_name.as_str(),
                    &row.last_name,
                    &row.email,
                    row.role.as_str(),
                    &row.school,
                    &row.grade,
                    &row.course,
                    &row.primary_coach,
                    &row.user_type,
                    &row.internal_id,
                ])?;
            }
        }
        Ok(Export {
            files: vec![out.finish()?],
            errors,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn school_is_column_e() {
        assert_eq!(GROW_COLUMNS[4], "School");
        assert_eq!(GROW_COLUMNS.len(), 10);
    }

    #[test]
    fn admins_without_school() {
        assert!(!GrowRole::SystemAdmin.has_school());
        assert!(!GrowRole::SubAdmin.has_school());
        assert!(GrowRole::RegionalAdmin.has_school());
        assert_eq!(GrowRole::AssistantAdmin.as_str(), "Assistant Admin");
    }
}
