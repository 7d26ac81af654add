//! roster-core: the domain of a school district's accounts and the reconcile engine.
//!
//! The flow of one run, in the spirit of `terraform plan` / kube-rs's reconcile loop:
//!
//! 1. A [`SisSource`] reads schools, students and staff ([`model`]); bad rows become
//!    [`RowError`]s, never panics.
//! 2. A district's [`policy`] turns each person into an [`Intent`]: the account they should
//!    have, or a skip with its reason.
//! 3. A [`DirectoryTarget`] lists the accounts that exist under the managed OU roots, in bulk.
//! 4. [`plan()`] diffs desired against observed: a deterministic [`Plan`] of [`Change`]s that
//!    writes only what differs.
//! 5. The [`safety`] valve refuses a plan that looks like a broken SIS read.
//! 6. [`apply()`] sends the changes with bounded concurrency, a rate limiter and backoff, and
//!    records every outcome in a [`RunReport`] and an append-only audit log.
//!
//! The crate does no I/O to an SIS or a directory itself: `roster-sis` provides sources,
//! `roster-google` the Google Workspace target, and [`InMemoryDirectory`] a target for tests.
//!
//! ```
//! use roster_core::{
//!     DesiredAccount, InMemoryDirectory, Intent, MatchKey, OrgUnitPath, Person, PersonKind,
//!     Policy, plan,
//! };
//!
//! let root = OrgUnitPath::new("/Students");
//! let policy = Policy::new(MatchKey::PrimaryEmail, vec![root.clone()]);
//! let ann = DesiredAccount {
//!     person: Person { kind: PersonKind::Student, id: "1001".into(), name: "Lee, Ann".into() },
//!     key: None,
//!     primary_email: "ann@example.org".into(),
//!     given_name: "Ann".into(),
//!     family_name: "Lee".into(),
//!     org_unit_path: root.join("HS"),
//!     suspended: false,
//!     custom_schemas: Default::default(),
//!     external_ids: Vec::new(),
//! };
//! let desired = [Intent::Account { account: ann, school: None }];
//! let observed = InMemoryDirectory::new().accounts(); // what a DirectoryTarget lists
//! let today = chrono::NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
//! let plan = plan(&desired, &observed, &policy, today);
//! assert_eq!(plan.count("create"), 1);
//! ```

#![warn(missing_docs)]

pub mod apply;
pub mod directory;
pub mod field_map;
pub mod licence;
mod limits;
pub mod memory;
pub mod model;
pub mod oneroster_extension;
pub mod plan;
pub mod policy;
pub mod probe;
pub mod report;
pub mod safety;
pub mod secret;
pub mod source;
pub mod target;
pub mod validate;
pub mod vendor;

pub use apply::{ApplyOptions, BadRate, RateLimiter, Retry, apply};
pub use directory::{
    Account, AdminRole, ExternalId, FieldMap, FieldName, FieldValue, OrgUnitPath, OrgUnitPaths,
    SchemaFields, SchemaValues,
};
pub use memory::InMemoryDirectory;
pub use model::{
    Classes, EnrollStatus, Enrollment, Grade, Loaded, Person, PersonKind, Roster, RowError, School,
    SchoolAssignment, Section, Staff, StaffType, Student, Term,
};
pub use plan::{Change, ChangeKind, Plan, PlanFile, PlanFileError, RefusedChange, plan};
pub use policy::{DesiredAccount, Intent, MatchKey, Policy};
pub use report::{AuditLog, ExitCode, RunReport};
pub use safety::{
    Cap, CapError, DEFAULT_MAX_REMOVE_LICENCE, KindCaps, LimitedKind, SafetyLimits, SafetyViolation,
};
pub use secret::Secret;
pub use source::{Scope, SisSource, SourceError};
pub use target::{AccountWrite, Applied, DirectoryTarget, TargetError};
pub use vendor::{Export, ExportFile, VendorError, VendorExport};
