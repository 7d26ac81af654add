//! The reviewed plan file (`plan --save-plan plan.json`, then `apply --plan plan.json`).
//!
//! A versioned JSON document: the plan a person reviewed, what it was computed from (a
//! fingerprint of every account state read and of the SIS read), whose it is (job, district,
//! scope, tool version, time) and a SHA-256 checksum of all of that. `apply --plan` applies
//! exactly its changes: it re-reads only the accounts they touch and refuses, change by change,
//! any whose account drifted or vanished since the plan ([`PlanFile::reconcile`]).
//!
//! The file never holds a secret: a create's initial password is not serialised
//! ([`super::ChangeKind::Create`]), and the apply run supplies it again.
//!
//! Format version 1 (`"format": "roster-plan"`, `"version": 1`), top-level fields:
//!
//! | field | meaning |
//! | --- | --- |
//! | `tool_version` | the roster release that wrote it; another release refuses it |
//! | `job`, `district`, `scope` | whose plan it is; another job or district refuses it |
//! | `created_at` | when it was planned (UTC) |
//! | `sis_fingerprint` | SHA-256 of the desired state the SIS read produced |
//! | `accounts` | account id → fingerprint of every account the plan read |
//! | `schools`, `school_of` | the schools in scope and each changed person's school (safety limits) |
//! | `plan` | the plan ([`Plan`]), changes in execution order |
//! | `checksum` | SHA-256 of the document without this field (keys sorted) |

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::Plan;
use crate::directory::Account;
use crate::model::{Person, School, SchoolNumber};
use crate::policy::Intent;

/// The `format` field every plan file carries.
pub const PLAN_FORMAT: &str = "roster-plan";
/// The format version this build writes and reads.
pub const PLAN_FORMAT_VERSION: u32 = 1;

/// A reviewed plan as written to disk. See the module documentation for the format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanFile {
    /// Always [`PLAN_FORMAT`].
    pub format: String,
    /// [`PLAN_FORMAT_VERSION`] when written by this build.
    pub version: u32,
    /// The roster release that wrote the file.
    pub tool_version: String,
    /// The job's name (`d118-students`).
    pub job: String,
    /// The district the job belongs to (its domain).
    pub district: String,
    /// The scope the plan covered (`all`, `state-reporting`, `school 100`).
    pub scope: String,
    /// When the plan was computed.
    pub created_at: DateTime<Utc>,
    /// SHA-256 of the desired state computed from the SIS read ([`sis_fingerprint`]).
    pub sis_fingerprint: String,
    /// Account id → [`fingerprint`] of every account the plan read.
    pub accounts: BTreeMap<String, String>,
    /// The schools in the plan's scope (for the empty-school check at apply).
    pub schools: Vec<School>,
    /// The school of each person with a change, by person id (for per-school limits).
    pub school_of: BTreeMap<String, SchoolNumber>,
    /// The plan itself.
    pub plan: Plan,
    /// SHA-256 of the document without this field; set by [`PlanFile::to_json`].
    #[serde(default)]
    pub checksum: String,
}

/// Why a plan file cannot be used. Each message is one line naming the file.
#[derive(Debug, thiserror::Error)]
pub enum PlanFileError {
    /// The file could not be read or written.
    #[error("plan file {}: {source}", path.display())]
    Io {
        /// The plan file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Not JSON at all, or cut off part way (a truncated copy).
    #[error("plan file {} is truncated or corrupt ({source}); run `plan --save-plan` again", path.display())]
    Corrupt {
        /// The plan file.
        path: PathBuf,
        /// Where the JSON broke.
        #[source]
        source: serde_json::Error,
    },
    /// JSON, but not a roster plan of a version this build reads.
    #[error("plan file {} is {found}; this roster ({tool}) reads {PLAN_FORMAT} version {PLAN_FORMAT_VERSION}", path.display())]
    Format {
        /// The plan file.
        path: PathBuf,
        /// What the file says it is.
        found: String,
        /// This build's version.
        tool: String,
    },
    /// The checksum does not match the content: the file was edited after `plan`.
    #[error("plan file {} was changed after it was planned (checksum mismatch); run `plan --save-plan` again", path.display())]
    Tampered {
        /// The plan file.
        path: PathBuf,
    },
    /// The file belongs to another job, district or roster release.
    #[error("plan file {} is for {what} \"{planned}\", not \"{here}\"", path.display())]
    Mismatch {
        /// The plan file.
        path: PathBuf,
        /// `job`, `district` or `roster version`.
        what: &'static str,
        /// The file's value.
        planned: String,
        /// This run's value.
        here: String,
    },
}

/// A planned change that `apply --plan` did not apply, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedChange {
    /// Whose change it was.
    pub person: Person,
    /// The change's label (`suspend`, `update`, ...).
    pub action: String,
    /// The account's email in the plan.
    pub email: String,
    /// The account's directory id, when it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// Why it was not applied (the account drifted or vanished since the plan).
    pub reason: String,
}

/// A stable fingerprint of an account's state: SHA-256 of its JSON with sorted keys, over
/// every field the plan compares (id, email, names, OU, suspension, schemas, external ids,
/// admin role).
pub fn fingerprint(account: &Account) -> String {
    sha256_json(&serde_json::to_value(account).unwrap_or(Value::Null))
}

/// A fingerprint of the SIS read: SHA-256 of the desired state the policy made of it.
pub fn sis_fingerprint(desired: &[Intent]) -> String {
    sha256_json(&serde_json::to_value(desired).unwrap_or(Value::Null))
}

/// SHA-256 of a JSON value's canonical text (object keys sorted), as hex.
fn sha256_json(value: &Value) -> String {
    let mut text = String::new();
    canonical(value, &mut text);
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Compact JSON with object keys sorted at every level, whatever map serde_json uses.
fn canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                canonical(&map[k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(v, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// The checksum of a document: its canonical text without the `checksum` field.
fn checksum_of(mut doc: Value) -> String {
    if let Value::Object(map) = &mut doc {
        map.remove("checksum");
    }
    sha256_json(&doc)
}

impl PlanFile {
    /// The document as pretty JSON, with its checksum set.
    pub fn to_json(&self) -> String {
        let mut doc = serde_json::to_value(self).unwrap_or(Value::Null);
        let sum = checksum_of(doc.clone());
        doc["checksum"] = Value::String(sum);
        serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
    }

    /// Writes the file whole (a temporary file renamed over `path`).
    pub fn write(&self, path: &Path) -> Result<(), PlanFileError> {
        let io = |source| PlanFileError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        std::fs::write(&tmp, self.to_json()).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }

    /// Reads and verifies a plan file: complete JSON, this format and version, checksum.
    pub fn read(path: &Path) -> Result<PlanFile, PlanFileError> {
        let bytes = std::fs::read(path).map_err(|source| PlanFileError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&bytes, path)
    }

    /// [`PlanFile::read`] on bytes already read; `path` names the file in errors.
    pub fn parse(bytes: &[u8], path: &Path) -> Result<PlanFile, PlanFileError> {
        let corrupt = |source| PlanFileError::Corrupt {
            path: path.to_path_buf(),
            source,
        };
        let doc: Value = serde_json::from_slice(bytes).map_err(corrupt)?;
        let format = doc.get("format").and_then(Value::as_str);
        let version = doc.get("version").and_then(Value::as_u64);
        if format != Some(PLAN_FORMAT) || version != Some(u64::from(PLAN_FORMAT_VERSION)) {
            let found = match (format, version) {
                (Some(f), Some(v)) => format!("{} version {v}", crate::validate::show(f)),
                _ => "not a roster plan".to_string(),
            };
            return Err(PlanFileError::Format {
                path: path.to_path_buf(),
                found,
                tool: doc
                    .get("tool_version")
                    .and_then(Value::as_str)
                    .map(|t| format!("it was written by roster {}", crate::validate::show(t)))
                    .unwrap_or_else(|| "unknown writer".into()),
            });
        }
        let recorded = doc.get("checksum").and_then(Value::as_str).unwrap_or("");
        if recorded != checksum_of(doc.clone()) {
            return Err(PlanFileError::Tampered {
                path: path.to_path_buf(),
            });
        }
        serde_json::from_value(doc).map_err(corrupt)
    }

    /// Refuses a file written for another job, district or roster release.
    pub fn check_owner(
        &self,
        path: &Path,
        job: &str,
        district: &str,
        tool_version: &str,
    ) -> Result<(), PlanFileError> {
        for (what, planned, here) in [
            ("job", &self.job, job),
            ("district", &self.district, district),
            ("roster version", &self.tool_version, tool_version),
        ] {
            if planned != here {
                return Err(PlanFileError::Mismatch {
                    path: path.to_path_buf(),
                    what,
                    planned: crate::validate::escape(planned),
                    here: here.to_string(),
                });
            }
        }
        Ok(())
    }

    /// The ids of the accounts the plan's writes touch, each once.
    pub fn touched_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .plan
            .writes()
            .filter_map(|c| c.account_id.clone())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }

    /// The plan to apply now: the planned changes whose account is as it was when planned
    /// (`current`: the touched accounts re-read by id; a missing id has vanished). Every
    /// change of a drifted or vanished account is refused, with the reason. Creates and
    /// skips pass unchanged (a create that meets an account is adopted by policy on 409).
    pub fn reconcile(&self, current: &BTreeMap<String, Account>) -> (Plan, Vec<RefusedChange>) {
        let mut plan = Plan {
            changes: Vec::with_capacity(self.plan.changes.len()),
            ..self.plan.clone()
        };
        let mut refused = Vec::new();
        for c in &self.plan.changes {
            let why = match (&c.account_id, c.kind.is_write()) {
                (Some(id), true) => match (self.accounts.get(id), current.get(id)) {
                    (_, None) => Some(format!("account {id} vanished since the plan")),
                    (None, Some(_)) => Some(format!("account {id} was not read by the plan")),
                    (Some(then), Some(now)) if *then != fingerprint(now) => Some(format!(
                        "account {id} changed since the plan (now {} in {})",
                        now.primary_email,
                        now.org_unit_path.as_str()
                    )),
                    _ => None,
                },
                _ => None,
            };
            match why {
                Some(reason) => refused.push(RefusedChange {
                    person: c.person.clone(),
                    action: c.kind.label().to_string(),
                    email: c.email.clone(),
                    account_id: c.account_id.clone(),
                    reason,
                }),
                None => plan.changes.push(c.clone()),
            }
        }
        (plan, refused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::OrgUnitPath;
    use crate::model::PersonKind;
    use crate::plan::{Change, ChangeKind};

    fn account(id: &str, ou: &str) -> Account {
        Account {
            id: Some(id.into()),
            primary_email: format!("{id}@d.org"),
            given_name: "A".into(),
            family_name: "B".into(),
            org_unit_path: OrgUnitPath::new(ou),
            suspended: false,
            custom_schemas: Default::default(),
            external_ids: Vec::new(),
            admin: None,
        }
    }

    fn file(accounts: &[Account]) -> PlanFile {
        let changes = accounts
            .iter()
            .map(|a| Change {
                person: Person {
                    kind: PersonKind::Student,
                    id: a.id.clone().unwrap(),
                    name: "B, A".into(),
                },
                email: a.primary_email.clone(),
                account_id: a.id.clone(),
                kind: ChangeKind::Suspend,
            })
            .collect();
        PlanFile {
            format: PLAN_FORMAT.into(),
            version: PLAN_FORMAT_VERSION,
            tool_version: "0.1.0".into(),
            job: "students".into(),
            district: "d.org".into(),
            scope: "all".into(),
            created_at: Utc::now(),
            sis_fingerprint: sis_fingerprint(&[]),
            accounts: accounts
                .iter()
                .map(|a| (a.id.clone().unwrap(), fingerprint(a)))
                .collect(),
            schools: Vec::new(),
            school_of: BTreeMap::new(),
            plan: Plan {
                changes,
                ..Plan::default()
            },
            checksum: String::new(),
        }
    }

    #[test]
    fn a_file_round_trips_and_any_edit_is_caught() {
        let f = file(&[account("1", "/S"), account("2", "/S")]);
        let text = f.to_json();
        let back = PlanFile::parse(text.as_bytes(), Path::new("p.json")).unwrap();
        assert_eq!(back.plan, f.plan);
        assert_eq!(back.accounts, f.accounts);
        let edited = text.replacen("\"suspend\"", "\"unsuspend\"", 1);
        let e = PlanFile::parse(edited.as_bytes(), Path::new("p.json")).unwrap_err();
        assert!(matches!(e, PlanFileError::Tampered { .. }), "{e}");
        let cut = &text.as_bytes()[..text.len() - 10];
        let e = PlanFile::parse(cut, Path::new("p.json")).unwrap_err();
        assert!(e.to_string().contains("truncated or corrupt"), "{e}");
        let v2 = text.replacen("\"version\": 1", "\"version\": 2", 1);
        let e = PlanFile::parse(v2.as_bytes(), Path::new("p.json")).unwrap_err();
        assert!(e.to_string().contains("\"roster-plan\" version 2"), "{e}");
    }

    #[test]
    fn drifted_and_vanished_accounts_are_refused_the_rest_kept() {
        let (a, b, c) = (account("1", "/S"), account("2", "/S"), account("3", "/S"));
        let f = file(&[a.clone(), b.clone(), c]);
        let mut moved = b.clone();
        moved.org_unit_path = OrgUnitPath::new("/Elsewhere");
        let now: BTreeMap<String, Account> = [("1".into(), a), ("2".into(), moved)].into();
        let (plan, refused) = f.reconcile(&now);
        assert_eq!(plan.changes.len(), 1);
        assert_eq!(plan.changes[0].account_id.as_deref(), Some("1"));
        let why: Vec<_> = refused.iter().map(|r| r.reason.as_str()).collect();
        assert!(why[0].contains("changed since the plan"), "{why:?}");
        assert!(why[0].contains("/Elsewhere"), "{why:?}");
        assert!(why[1].contains("vanished"), "{why:?}");
    }

    #[test]
    fn another_job_district_or_release_is_refused() {
        let f = file(&[]);
        let p = Path::new("p.json");
        assert!(f.check_owner(p, "students", "d.org", "0.1.0").is_ok());
        let e = f.check_owner(p, "staff", "d.org", "0.1.0").unwrap_err();
        assert_eq!(
            e.to_string(),
            "plan file p.json is for job \"students\", not \"staff\""
        );
        assert!(f.check_owner(p, "students", "x.org", "0.1.0").is_err());
        assert!(f.check_owner(p, "students", "d.org", "0.2.0").is_err());
    }
}
