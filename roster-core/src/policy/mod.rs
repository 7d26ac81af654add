//! District policy: what each SIS person's account should look like (DESIGN §5).
//!
//! A district's main builds a [`Policy`] (the reconcile rules) plus a [`StudentPolicy`] or a
//! [`StaffPolicy`] (the desired-state rules) in code. What the seed scripts hard-coded as
//! constants is a typed value here; what they hard-coded as logic (CrisisGO buildings, OU
//! naming) is a closure the district supplies.

mod names;
mod staff;
mod students;

use std::borrow::Cow;
use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

pub use names::{BadNames, PARTICLES, python_title, title_case};
pub use staff::{StaffPolicy, StaffSchema};
pub use students::{GradeOus, StudentPolicy, StudentSchema};

use crate::directory::{Account, ExternalId, OrgUnitPath, SchemaValues};
use crate::limits::SafetyLimits;
use crate::model::{Person, SchoolNumber};
use crate::secret::Secret;

/// How observed accounts are matched to SIS people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MatchKey {
    /// By primary email, lower-cased (students: the email is derived from the student number).
    PrimaryEmail,
    /// By a custom schema field (staff: `Synchronization_Data.DCID`), so an email change is a
    /// rename, not a new account. An account without the field is matched by email instead,
    /// once, and the field is then written.
    SchemaField {
        /// The custom schema.
        schema: String,
        /// The field in it.
        field: String,
    },
}

/// The account a person should have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredAccount {
    /// Who the account is for.
    pub person: Person,
    /// The match key's value for this person (e.g. the DCID), or `None` when accounts are
    /// matched by primary email: the key is then the email, lower-cased ([`Self::match_key`]).
    pub key: Option<String>,
    /// The primary email the account should have.
    pub primary_email: String,
    /// First name.
    pub given_name: String,
    /// Last name.
    pub family_name: String,
    /// The OU it should be in.
    pub org_unit_path: OrgUnitPath,
    /// Whether it should be suspended.
    pub suspended: bool,
    /// Only the fields the district manages; other fields on the account are left alone.
    pub custom_schemas: SchemaValues,
    /// Written when non-empty; an empty list leaves the account's external ids alone.
    pub external_ids: Vec<ExternalId>,
}

impl DesiredAccount {
    /// The value this person's account is matched by: `key`, or the lower-cased email.
    pub fn match_key(&self) -> Cow<'_, str> {
        match &self.key {
            Some(k) => Cow::Borrowed(k),
            None => email_key(&self.primary_email),
        }
    }
}

/// What the policy decided for one SIS person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Intent {
    /// The person should have this account.
    Account {
        /// The account.
        account: DesiredAccount,
        /// The person's school, for per-school limits.
        school: Option<SchoolNumber>,
    },
    /// The person gets no change.
    Skip {
        /// Who is skipped.
        person: Person,
        /// Why.
        reason: String,
        /// The person's school, for per-school limits.
        school: Option<SchoolNumber>,
    },
}

impl Intent {
    /// The person the intent is about.
    pub fn person(&self) -> &Person {
        match self {
            Intent::Account { account, .. } => &account.person,
            Intent::Skip { person, .. } => person,
        }
    }

    /// The school the SIS row belongs to (for the empty-school safety check).
    pub fn school(&self) -> Option<SchoolNumber> {
        match self {
            Intent::Account { school, .. } | Intent::Skip { school, .. } => *school,
        }
    }
}

/// Settings for accounts the engine creates.
#[derive(Debug, Clone, Default)]
pub struct NewAccount {
    /// The initial password (D118: `NEW_USER_PASSWORD`). Never logged, never in a plan's JSON.
    pub password: Option<Secret>,
    /// Make the person set their own password at first sign-in.
    pub change_password_at_next_login: bool,
    /// With no `password`, the target gives each new account a random one that nobody is
    /// told. A run refuses that at `apply` unless this says how people get their passwords
    /// (e.g. "reset by the help desk on the first day").
    pub random_passwords: Option<String>,
}

/// When an existing account's names are rewritten from the SIS.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum NameUpdates {
    /// Whenever they differ, case included.
    #[default]
    Exact,
    /// When they differ other than in case (the D118 student script compares `upper()`):
    /// a name fixed by hand in Google (`MacDonald`) is left as it is.
    IgnoringCase,
    /// Only together with an email change (the D118 staff script, lines 204-208).
    WithEmailChange,
}

/// What an inactive person's existing account gets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum InactiveAccounts {
    /// Everything follows the SIS (names, schema fields, email), then suspend and move.
    /// Reactivation OUs block moves, suspensions and unsuspensions of anyone.
    #[default]
    FollowSis,
    /// Only the suspension and the move to the suspended OU (both D118 scripts): no rename,
    /// no name, schema or external-id update; frozen OUs do not stop the move; reactivation
    /// OUs stop both (and apply to inactive people only); groups are left after either.
    SuspendAndMoveOnly,
}

/// The reconcile rules shared by every population.
#[derive(Debug, Clone)]
pub struct Policy {
    /// How accounts are matched to people.
    pub match_key: MatchKey,
    /// The OU roots listed to build the observed state; accounts elsewhere are never touched.
    /// Include the suspended and graduated OUs so returning people are found.
    pub managed_roots: Vec<OrgUnitPath>,
    /// An account whose OU path contains one of these is never moved (but is suspended when
    /// the person is inactive). D118: `/Restricted`, `/Adobe Licensed Students`.
    pub frozen_ous: Vec<String>,
    /// An account whose OU path contains one of these is never moved, suspended or
    /// unsuspended: someone reactivated it by hand on purpose.
    pub reactivation_ous: Vec<String>,
    /// Suspending an account also removes it from all its groups (both D118 scripts do).
    pub remove_groups_on_suspend: bool,
    /// Which name changes are written.
    pub name_updates: NameUpdates,
    /// What happens to accounts of inactive people.
    pub inactive: InactiveAccounts,
    /// Create missing OUs before creating or moving accounts into them.
    pub create_org_units: bool,
    /// Settings for new accounts.
    pub new_account: NewAccount,
    /// Limits that refuse a plan (the safety valve).
    pub safety: SafetyLimits,
    /// Schools that may legitimately have no SIS rows (e.g. the graduated-students school for
    /// staff): the empty-school check skips them.
    pub may_be_empty: BTreeSet<SchoolNumber>,
    /// Accounts (primary emails) the sync never suspends, moves, renames or removes from
    /// groups, like an admin: the facade adds the admin the Google credentials act as
    /// (`GOOGLE_ADMIN_SUBJECT`), whose suspension would stop every later run.
    pub protected_accounts: Vec<String>,
}

impl Policy {
    /// Rules with the defaults: groups removed on suspend, exact names, follow the SIS, create OUs, no limits.
    pub fn new(match_key: MatchKey, managed_roots: Vec<OrgUnitPath>) -> Self {
        Policy {
            match_key,
            managed_roots,
            frozen_ous: Vec::new(),
            reactivation_ous: Vec::new(),
            remove_groups_on_suspend: true,
            name_updates: NameUpdates::Exact,
            inactive: InactiveAccounts::FollowSis,
            create_org_units: true,
            new_account: NewAccount {
                password: None,
                change_password_at_next_login: true,
                random_passwords: None,
            },
            safety: SafetyLimits::default(),
            may_be_empty: BTreeSet::new(),
            protected_accounts: Vec::new(),
        }
    }

    /// Is `ou` inside a frozen OU?
    pub fn is_frozen(&self, ou: &OrgUnitPath) -> bool {
        self.frozen_ous
            .iter()
            .any(|f| ou.as_str().contains(f.as_str()))
    }

    /// Is `ou` inside a reactivation OU?
    pub fn is_reactivated(&self, ou: &OrgUnitPath) -> bool {
        self.reactivation_ous
            .iter()
            .any(|f| ou.as_str().contains(f.as_str()))
    }

    /// Does the plan consider accounts in `ou`? Those under a managed root, and those in a
    /// frozen or reactivation OU (matched so that they are not created again, and then
    /// protected by those rules).
    pub fn manages(&self, ou: &OrgUnitPath) -> bool {
        self.managed_roots.is_empty()
            || self.managed_roots.iter().any(|r| ou.is_within(r))
            || self.is_frozen(ou)
            || self.is_reactivated(ou)
    }

    /// The OU roots to list: the managed roots, plus each frozen and reactivation OU given as
    /// a path (`/Administrators`) that no managed root already covers. A staff member whose
    /// account sits in `/Administrators` is then matched, not created again.
    pub fn listed_roots(&self) -> Vec<OrgUnitPath> {
        let mut roots = self.managed_roots.clone();
        if roots.is_empty() {
            return roots; // every OU is managed already
        }
        for ou in self.frozen_ous.iter().chain(&self.reactivation_ous) {
            if !ou.starts_with('/') {
                continue;
            }
            let ou = OrgUnitPath::new(ou);
            if !roots.iter().any(|r| ou.is_within(r)) {
                roots.push(ou);
            }
        }
        roots
    }

    /// Why the sync must leave `account` where and as it is (suspension, OU, email, groups),
    /// or `None`: an admin, or one of [`Self::protected_accounts`].
    pub fn protection(&self, account: &Account) -> Option<String> {
        if let Some(role) = account.admin {
            return Some(role.to_string());
        }
        let email = email_key(&account.primary_email);
        self.protected_accounts
            .iter()
            .any(|p| email_key(p) == email)
            .then(|| "the admin the sync acts as".to_string())
    }
}

/// Google refuses a given or family name longer than this (400 "Invalid Given/Family Name").
pub const MAX_NAME_CHARS: usize = 60;

/// Why a first/last name pair cannot name an account, or `None` when it can: blank names,
/// and names Google would refuse every night (over [`MAX_NAME_CHARS`] characters), are
/// skipped at plan time with the reason instead of failing at apply time.
pub fn name_problem(first: &str, last: &str) -> Option<String> {
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() || last.is_empty() {
        return Some("first or last name is blank".into());
    }
    [("first", first), ("last", last)]
        .into_iter()
        .find_map(|(which, name)| {
            let n = name.chars().count();
            (n > MAX_NAME_CHARS)
                .then(|| format!("{which} name has {n} characters; Google allows {MAX_NAME_CHARS}"))
        })
}

/// Lower-cased and trimmed, as Google compares emails.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// An email as Google compares it ([`normalize_email`]), borrowed when it already is.
pub fn email_key(email: &str) -> Cow<'_, str> {
    let lower = if email.is_ascii() {
        !email.bytes().any(|b| b.is_ascii_uppercase())
    } else {
        !email.chars().any(char::is_uppercase)
    };
    if lower && email.trim().len() == email.len() {
        Cow::Borrowed(email)
    } else {
        Cow::Owned(normalize_email(email))
    }
}

/// Why an email cannot be used, or `None` when it is fine for one of `domains`.
pub fn email_problem(email: &str, domains: &[String]) -> Option<String> {
    let Some((local, domain)) = email.split_once('@') else {
        return Some(format!("email {email:?} has no @"));
    };
    if local.is_empty() || local.contains(char::is_whitespace) {
        return Some(format!("email {email:?} has an invalid local part"));
    }
    if !domains.is_empty() && !domains.iter().any(|d| d.eq_ignore_ascii_case(domain)) {
        return Some(format!(
            "email {email:?} is outside the district's domains ({})",
            domains.join(", ")
        ));
    }
    None
}
