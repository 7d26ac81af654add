//! D118's student sync policy (from the D118 PowerSchool -> Google student script), as code.
//!
//! Fork this file for your district: every constant the script kept at its top is a value
//! here, and every rule is a line you can read.

use roster::core::policy::{BadNames, StudentPolicy};
use roster::core::{MatchKey, Policy, Secret};
use roster::sis::demo::GRADUATED_SCHOOL;
use roster::{AccountJob, Population, Site};

pub const DOMAIN: &str = "d118.org";
/// The umbrella OU: buildings are `/D118 Students/<abbreviation> Students/<grade>`.
pub const OU_PREFIX: &str = "/D118 Students";
pub const SUSPENDED_OU: &str = "/Suspended Accounts";
pub const GRADUATED_OU: &str = "/Suspended Accounts/Graduated Students";
/// Accounts in these OUs are never moved (special policies, apps, licences).
pub const FROZEN_OUS: &[&str] = &["/Restricted", "/Adobe Licensed Students"];
/// Test accounts: whole first or last names, compared lower-case.
pub const BAD_NAMES: &[&str] = &["test", "student", "sub", "demo"];

pub fn job() -> AccountJob {
    let mut students = StudentPolicy::new(DOMAIN, OU_PREFIX);
    students.suspended_ou = SUSPENDED_OU.into();
    students.graduated_ou = GRADUATED_OU.into();
    // D118's graduated-students building, by number (the demo district uses the same one).
    students.graduated_school = Some(GRADUATED_SCHOOL);
    students.graduated_active_summer = true;
    students.bad_names = BadNames::new(BAD_NAMES);

    let mut policy = Policy::new(
        MatchKey::PrimaryEmail,
        vec![
            OU_PREFIX.into(),
            SUSPENDED_OU.into(),
            "/Adobe Licensed Students".into(),
        ],
    );
    policy.frozen_ous = FROZEN_OUS.iter().map(|s| s.to_string()).collect();
    policy.new_account.password = Secret::from_env("NEW_USER_PASSWORD");
    policy.new_account.change_password_at_next_login = true;
    // Nobody studies at the substitute "school"; graduates may all have left.
    policy.may_be_empty = [roster::sis::demo::SUBSTITUTE_SCHOOL, GRADUATED_SCHOOL].into();

    AccountJob {
        name: "d118-students".into(),
        policy,
        population: Population::Students(students),
    }
}

pub fn site() -> Site {
    Site {
        domain: DOMAIN.into(),
        powerschool: Default::default(),
    }
}
