//! Which SIS a district binary reads: `--sis oracle` (the default), `--sis powerschool-api`,
//! `--sis oneroster DIR`. One more source is one [`SisChoice`] variant and one arm in each
//! `match` below ([`SisChoice::parse`], [`SisChoice::env`], [`SisChoice::carried`], [`open`],
//! [`open_demo`]).
//!
//! A district's rules may read fields only PowerSchool carries (web logins, custom fields,
//! `USERS.PTACCESS`, ...). Each district declares them in [`crate::Site::sis_needs`], with what
//! its job does without them ([`Without`]); a run on a source that lacks one says so before
//! anything is read, and refuses when the district said so ([`check_needs`]). A OneRoster
//! file carries a field when its `users.csv` header has the field's PowerSchool extension
//! columns (`metadata.powerschool.*`, [`SisChoice::carried`]). `docs/SOURCES.md` has the
//! table of sources, settings, fields and columns.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use roster_core::{Roster, Scope, SisSource, SourceError};
use roster_sis::OneRosterSource;

use crate::district::Site;
use crate::error::{ConfigError, RunError};

/// Where people come from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SisChoice {
    /// PowerSchool's Oracle database (`POWERSCHOOL_READ_USER`, `POWERSCHOOL_DB_PASSWORD`,
    /// `POWERSCHOOL_PROD_DB`); with `--demo`, the demo's PowerSchool-shaped SQLite file.
    #[default]
    Oracle,
    /// PowerSchool's REST API through the district's plugin (`POWERSCHOOL_API_URL`,
    /// `POWERSCHOOL_CLIENT_ID`, `POWERSCHOOL_CLIENT_SECRET`).
    PowerSchoolApi,
    /// A OneRoster 1.1 CSV folder or `.zip`. `None` only with `--demo`: an export of the demo
    /// district, written under `--out` and read back.
    OneRoster(Option<PathBuf>),
}

/// The variables of the PowerSchool API source.
pub const API_ENV: [&str; 3] = [
    "POWERSCHOOL_API_URL",
    "POWERSCHOOL_CLIENT_ID",
    "POWERSCHOOL_CLIENT_SECRET",
];

/// The folder under `--out` that `--demo --sis oneroster` (no DIR) exports the demo to.
pub const DEMO_EXPORT_DIR: &str = "demo-oneroster";

impl SisChoice {
    /// The `--sis` values: a source name, then a folder or zip for `oneroster`.
    pub fn parse(values: &[String]) -> Result<SisChoice, ConfigError> {
        let bad = |why: String| ConfigError::SisChoice(why);
        let (name, dir) = match values {
            [] => return Ok(SisChoice::Oracle),
            [name] => (name.as_str(), None),
            [name, dir] => (name.as_str(), Some(dir.as_str())),
            _ => return Err(bad("--sis takes a source and, for oneroster, a DIR".into())),
        };
        let choice = match name {
            "oracle" => SisChoice::Oracle,
            "powerschool-api" => SisChoice::PowerSchoolApi,
            "oneroster" => {
                let dir = dir.filter(|d| !d.trim().is_empty());
                if let Some(d) = dir
                    && d.chars().any(char::is_control)
                {
                    return Err(bad(format!(
                        "--sis oneroster {d:?}: the path has a control character"
                    )));
                }
                return Ok(SisChoice::OneRoster(dir.map(PathBuf::from)));
            }
            other => {
                return Err(bad(format!(
                    "--sis {other:?}: the sources are oracle, powerschool-api and oneroster DIR"
                )));
            }
        };
        match dir {
            None => Ok(choice),
            Some(extra) => Err(bad(format!(
                "--sis {name} takes no DIR (got {extra:?}); put plan/apply before --sis"
            ))),
        }
    }

    /// The name `--sis` takes.
    pub fn name(&self) -> &'static str {
        match self {
            SisChoice::Oracle => "oracle",
            SisChoice::PowerSchoolApi => "powerschool-api",
            SisChoice::OneRoster(_) => "oneroster",
        }
    }

    /// The environment variables a production run of this source needs.
    pub fn env(&self) -> &'static [&'static str] {
        match self {
            SisChoice::Oracle => &[
                "POWERSCHOOL_READ_USER",
                "POWERSCHOOL_DB_PASSWORD",
                "POWERSCHOOL_PROD_DB",
            ],
            SisChoice::PowerSchoolApi => &API_ENV,
            SisChoice::OneRoster(_) => &[],
        }
    }

    /// What this source carries of the fields only PowerSchool has: everything for SQL and
    /// the API; for OneRoster, what its `users.csv` header has of the PowerSchool extension
    /// columns (the demo's own export writes them all).
    pub fn carried(&self) -> Carried {
        match self {
            SisChoice::Oracle | SisChoice::PowerSchoolApi => Carried::Everything,
            SisChoice::OneRoster(None) => {
                Carried::ExtensionColumns(roster_core::oneroster_extension::ALL.to_vec())
            }
            SisChoice::OneRoster(Some(dir)) => {
                match OneRosterSource::new(dir).powerschool_columns() {
                    Ok(columns) => Carried::ExtensionColumns(columns),
                    // The read itself reports the file (the run stops there): until then the
                    // file carries nothing beyond OneRoster.
                    Err(e) => {
                        tracing::debug!("no PowerSchool columns read: {e}");
                        Carried::ExtensionColumns(Vec::new())
                    }
                }
            }
        }
    }
}

/// The PowerSchool-only fields a source carries ([`SisChoice::carried`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Carried {
    /// PowerSchool itself (SQL or the API): every field.
    Everything,
    /// A OneRoster file: the fields whose extension columns
    /// ([`roster_core::oneroster_extension`]) its `users.csv` has.
    ExtensionColumns(Vec<&'static str>),
}

impl Carried {
    /// Does the source lack the field?
    pub fn lacks(&self, field: PsField) -> bool {
        match self {
            Carried::Everything => false,
            Carried::ExtensionColumns(have) => {
                let needed = field.extension_columns();
                needed.is_empty() || needed.iter().any(|c| !have.contains(c))
            }
        }
    }
}

/// A field only PowerSchool carries (OneRoster 1.1 has no column for it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PsField {
    /// `STUDENTS.CLASSOF`, the graduation year.
    GraduationYear,
    /// `USERS.GROUPVALUE`.
    StaffGroup,
    /// `USERS.DCID` (OneRoster: the `sourcedId` when it is a number, else a hash of it).
    Dcid,
    /// The student's web login (custom fields read by the district's statement).
    WebLogins,
    /// `USERS.PTACCESS`.
    PtAccess,
    /// `USERS.HOMESCHOOLID` and each assignment's staff type (OneRoster: the first school of
    /// `orgSourcedIds`; a `teacher` is type 1, other roles 2).
    HomeSchool,
}

impl PsField {
    /// The PowerSchool field, as messages name it.
    pub fn name(self) -> &'static str {
        match self {
            PsField::GraduationYear => "STUDENTS.CLASSOF (graduation year)",
            PsField::StaffGroup => "USERS.GROUPVALUE (staff group)",
            PsField::Dcid => "USERS.DCID",
            PsField::WebLogins => "the student web logins (custom fields)",
            PsField::PtAccess => "USERS.PTACCESS (PowerTeacher access)",
            PsField::HomeSchool => "USERS.HOMESCHOOLID and the staff types",
        }
    }

    /// The OneRoster extension columns that carry the field (all of them are needed); none
    /// when no OneRoster file can carry it.
    pub fn extension_columns(self) -> &'static [&'static str] {
        use roster_core::oneroster_extension as ext;
        match self {
            PsField::GraduationYear | PsField::WebLogins => &[],
            PsField::StaffGroup => &[ext::GROUP_VALUE],
            PsField::Dcid => &[ext::DCID],
            PsField::PtAccess => &[ext::PT_ACCESS],
            PsField::HomeSchool => &[ext::HOME_SCHOOL_ID, ext::STAFF_TYPE],
        }
    }
}

/// What a job does when its source lacks a field it reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Without {
    /// It does not run (exit 2), naming the field: its output would be wrong.
    Refuse,
    /// It runs, and says at start what it does instead.
    Degrade(&'static str),
}

/// A PowerSchool-only field a district's rules read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SisNeed {
    /// The field.
    pub field: PsField,
    /// What the rules use it for.
    pub used_for: &'static str,
    /// What the job does without it.
    pub without: Without,
}

/// Checks a job's needs against what a source carries ([`SisChoice::carried`]: for
/// OneRoster, its `users.csv` header): each missing field it can do without is logged (and
/// returned, for the report's notes); one it cannot is a [`ConfigError::SisLacks`].
pub fn check_needs(
    job: &str,
    choice: &SisChoice,
    needs: &[SisNeed],
) -> Result<Vec<String>, ConfigError> {
    let carried = choice.carried();
    let mut refused = Vec::new();
    let mut notes = Vec::new();
    for need in needs.iter().filter(|n| carried.lacks(n.field)) {
        match need.without {
            Without::Refuse => refused.push(format!(
                "{} (used for {}{})",
                need.field.name(),
                need.used_for,
                columns_hint(need.field)
            )),
            Without::Degrade(instead) => {
                let note = format!(
                    "the {} source has no {} (used for {}): {instead}",
                    choice.name(),
                    need.field.name(),
                    need.used_for
                );
                tracing::warn!("{note}");
                notes.push(note);
            }
        }
    }
    if refused.is_empty() {
        Ok(notes)
    } else {
        Err(ConfigError::SisLacks(format!(
            "{job} cannot run on the {} source, which has no {}: its output would be wrong (use --sis oracle or powerschool-api)",
            choice.name(),
            refused.join("; ")
        )))
    }
}

/// `; OneRoster column metadata.powerschool.x` for a field a OneRoster file can carry.
fn columns_hint(field: PsField) -> String {
    match field.extension_columns() {
        [] => String::new(),
        columns => format!("; OneRoster column {}", columns.join(" and ")),
    }
}

/// The production source the choice names, configured from the environment.
pub async fn open(choice: &SisChoice, site: &Site) -> Result<Box<dyn SisSource>, RunError> {
    match choice {
        SisChoice::Oracle => Ok(Box::new(
            crate::wiring::powerschool_from_env(site.powerschool.clone()).await?,
        )),
        SisChoice::PowerSchoolApi => {
            require_env(&API_ENV)?;
            Ok(Box::new(roster_sis::powerschool::PowerSchoolApi::from_env(
                site.powerschool.clone(),
            )?))
        }
        SisChoice::OneRoster(Some(dir)) => Ok(Box::new(oneroster(dir, site))),
        SisChoice::OneRoster(None) => Err(no_dir().into()),
    }
}

fn no_dir() -> ConfigError {
    ConfigError::SisChoice(
        "--sis oneroster needs DIR (a OneRoster folder or .zip); only --demo exports its own"
            .into(),
    )
}

/// The choice for a run with or without `--demo`: only the demo may omit the OneRoster DIR.
pub fn for_run(values: &[String], demo: bool) -> Result<SisChoice, ConfigError> {
    match SisChoice::parse(values)? {
        SisChoice::OneRoster(None) if !demo => Err(no_dir()),
        choice => Ok(choice),
    }
}

/// The source of a `--demo` run: the demo's SQLite file, a OneRoster folder or zip read
/// against the demo's directory, or (no DIR) a OneRoster export of the demo district.
pub async fn open_demo(
    choice: &SisChoice,
    demo: &crate::demo::Demo,
    site: &Site,
    out: &Path,
    today: NaiveDate,
) -> Result<Box<dyn SisSource>, RunError> {
    match choice {
        SisChoice::Oracle => Ok(Box::new(demo.sis(site.powerschool.clone())?)),
        SisChoice::PowerSchoolApi => Ok(Box::new(
            demo.powerschool_api(out, site.powerschool.clone())?,
        )),
        SisChoice::OneRoster(Some(dir)) => Ok(Box::new(oneroster(dir, site))),
        SisChoice::OneRoster(None) => {
            let sql = demo.sis(site.powerschool.clone())?;
            let dir = out.join(DEMO_EXPORT_DIR);
            let rows =
                export_oneroster(&sql, &dir, today, OneRosterExport::WithPowerSchool).await?;
            tracing::info!(rows, dir = %dir.display(), "exported the demo district as OneRoster");
            Ok(Box::new(oneroster(&dir, site)))
        }
    }
}

fn oneroster(dir: &Path, site: &Site) -> OneRosterSource {
    OneRosterSource::new(dir)
        .with_rules(site.powerschool.rules)
        .with_name_case(site.powerschool.name_case)
}

fn require_env(names: &[&'static str]) -> Result<(), ConfigError> {
    match names
        .iter()
        .find(|n| std::env::var_os(n).is_none_or(|v| v.is_empty()))
    {
        Some(n) => Err(ConfigError::MissingEnv((*n).to_string())),
        None => Ok(()),
    }
}

/// What a OneRoster export of the demo carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OneRosterExport {
    /// What a vendor's `OneRoster.zip` carries: OneRoster's own columns, the staff who teach.
    VendorShape,
    /// Also every active staff member and PowerSchool's `USERS` fields as extension columns
    /// ([`roster_core::oneroster_extension`]): what `--demo --sis oneroster` exports.
    WithPowerSchool,
}

/// Writes a OneRoster 1.1 export of every school of `sis` (as of `today`) into `dir` with
/// the OneRoster vendor exporter ([`roster_sftp::OneRoster::csv_files`]); returns the rows
/// written. What the export leaves out is in `docs/SOURCES.md`.
pub async fn export_oneroster(
    sis: &dyn SisSource,
    dir: &Path,
    today: NaiveDate,
    shape: OneRosterExport,
) -> Result<usize, RunError> {
    let scope = Scope::All;
    let roster = Roster {
        schools: sis.schools(&scope).await?.rows,
        students: sis.students(&scope).await?.rows,
        staff: sis.staff(&scope).await?.rows,
        classes: sis.classes(&scope, today).await?,
    };
    let powerschool = shape == OneRosterExport::WithPowerSchool;
    let export = roster_sftp::OneRoster::new("demo-district", "Demo District")
        .with_powerschool_columns(powerschool)
        .with_every_active_staff(powerschool)
        .csv_files(&roster)
        .map_err(|e| SourceError::Other(format!("cannot export the demo as OneRoster: {e}")))?;
    let io = |e: std::io::Error| SourceError::File {
        path: dir.display().to_string(),
        reason: e.to_string(),
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut rows = 0;
    for f in &export.files {
        std::fs::write(dir.join(&f.name), &f.bytes).map_err(io)?;
        rows += f
            .bytes
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .count()
            - 1;
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_core::oneroster_extension as ext;

    fn need(field: PsField, without: Without) -> SisNeed {
        SisNeed {
            field,
            used_for: "a test",
            without,
        }
    }

    #[test]
    fn a_field_is_carried_when_every_one_of_its_columns_is() {
        let some = Carried::ExtensionColumns(vec![ext::DCID, ext::HOME_SCHOOL_ID]);
        assert!(!some.lacks(PsField::Dcid));
        assert!(some.lacks(PsField::StaffGroup));
        assert!(
            some.lacks(PsField::HomeSchool),
            "the staff type column is missing"
        );
        let all = Carried::ExtensionColumns(ext::ALL.to_vec());
        assert!(!all.lacks(PsField::HomeSchool) && !all.lacks(PsField::PtAccess));
        // No column carries these.
        assert!(all.lacks(PsField::GraduationYear) && all.lacks(PsField::WebLogins));
        assert!(!Carried::Everything.lacks(PsField::WebLogins));
    }

    #[test]
    fn the_check_reads_the_folder_header() {
        let dir = tempfile::tempdir().unwrap();
        let users = dir.path().join("users.csv");
        let needs = [need(PsField::Dcid, Without::Refuse)];
        let choice = SisChoice::OneRoster(Some(dir.path().to_path_buf()));
        std::fs::write(&users, "sourcedId,metadata.powerschool.dcid\n").unwrap();
        assert_eq!(
            check_needs("job", &choice, &needs).unwrap(),
            Vec::<String>::new()
        );
        std::fs::write(&users, "sourcedId\n").unwrap();
        let why = check_needs("job", &choice, &needs).unwrap_err().to_string();
        assert!(
            why.contains("USERS.DCID") && why.contains(ext::DCID),
            "{why}"
        );
        // No users.csv: nothing carried (the read names the file later).
        std::fs::remove_file(&users).unwrap();
        assert!(check_needs("job", &choice, &needs).is_err());
        let degrade = [need(PsField::PtAccess, Without::Degrade("blank"))];
        let notes = check_needs("job", &choice, &degrade).unwrap();
        assert_eq!(notes.len(), 1, "{notes:?}");
        // The demo's own export carries every column.
        assert!(check_needs("job", &SisChoice::OneRoster(None), &needs).is_ok());
    }
}
