//! D118's student sync policy (from the D118 PowerSchool -> Google student script), as code.
//!
//! Every constant the script keeps at its top is a value here, spelt as the script spells it
//! (`../shared/seeds/upstream/d118-studentsync.py`; `docs/PARITY.md` maps each rule to its
//! seed line). Fork this file for your district.

use roster::core::licence::Licence;
use roster::core::policy::{BadNames, InactiveAccounts, NameUpdates, StudentPolicy, StudentSchema};
use roster::core::{MatchKey, Policy, Secret};
use roster::sis_choice::{PsField, SisNeed, Without};
use roster::{AccountJob, Population, Site};

/// What `d118-students --help` says the job does.
pub const ABOUT: &str = "D118's nightly student sync: PowerSchool students to Google Workspace accounts (create, rename, move, suspend graduates and leavers). `plan` (default) shows the changes; `apply` makes them.";

/// Script line 42 (`GOOGLE_DOMAIN`); emails are `<student number>@d118.org` (line 39).
pub const DOMAIN: &str = "d118.org";
/// The umbrella OU (line 30): buildings are `/D118 Students/<abbreviation> Students/<grade>`.
pub const OU_PREFIX: &str = "/D118 Students";
/// Line 31.
pub const SUSPENDED_OU: &str = "/Suspended Accounts";
/// Line 32.
pub const GRADUATED_OU: &str = "/Suspended Accounts/Graduated Students";
/// Line 33: accounts in an OU whose path contains one of these are never moved.
pub const FROZEN_OUS: &[&str] = &["/Restricted", "/Adobe Licensed Students"];
/// Line 34: the PowerSchool building graduates are moved to.
pub const GRADUATED_SCHOOL_NAME: &str = "Graduated Students";
/// Line 160: that building's school number.
pub const GRADUATED_SCHOOL: i64 = 999_999;
/// Line 160: active students of this school go in the building OU, without a grade sub-OU
/// (as pre-registered students, enroll status -1, do).
pub const BUILDING_OU_ONLY_SCHOOL: i64 = 901;
/// Line 36, verbatim (28 entries; `"use "` with its trailing space is the script's, and
/// names are trimmed before the comparison, so it is the same entry as `"use"`).
pub const BAD_NAMES: &[&str] = &[
    "use",
    "training1",
    "trianing2",
    "trianing3",
    "trianing4",
    "planning",
    "admin",
    "nurse",
    "user",
    "use ",
    "test",
    "testtt",
    "test22",
    "teststudent",
    "tester",
    "karentest",
    "returning student",
    "whs",
    "wgs",
    "rcs",
    "ccs",
    "mms",
    "wms",
    "cotton creek",
    "new student test",
    "returning student test",
    "registration pre-reg",
    "registration",
];
/// Line 40: this year's graduates stay active through the summer (June to August).
pub const GRADUATED_ACTIVE_SUMMER: bool = true;
/// Lines 43-45.
pub const CUSTOM_ATTRIBUTE_CATEGORY: &str = "Synchronization_Data";
pub const CUSTOM_ATTRIBUTE_SCHOOL: &str = "Homeschool_ID";
pub const CUSTOM_ATTRIBUTE_GRADYEAR: &str = "Graduation_Year";
/// Lines 50-51: the licence a summer graduate loses (Google Workspace for Education).
pub const LICENSE_PRODUCT_ID: &str = "101031";
pub const LICENSE_SKU: &str = "1010310008";
/// PowerSchool's district office (school 0): no students. Not in the script, which has no
/// empty-school check (the safety valve is ours).
pub const DISTRICT_OFFICE: i64 = 0;
/// The substitute teachers' building: no students. Not in the script (the staff script finds
/// it by name, `Substitute`); if D118's number differs, the safety valve stops the run
/// naming that school, and this constant is the one to set.
pub const SUBSTITUTE_SCHOOL: i64 = 900;

pub fn job() -> AccountJob {
    let mut students = StudentPolicy::new(DOMAIN, OU_PREFIX);
    students.suspended_ou = SUSPENDED_OU.into();
    students.graduated_ou = GRADUATED_OU.into();
    students.graduated_school = Some(GRADUATED_SCHOOL);
    students.graduated_active_summer = GRADUATED_ACTIVE_SUMMER;
    students.building_ou_schools = [BUILDING_OU_ONLY_SCHOOL].into();
    students.title_case_names = true;
    // Lines 136-154: summer graduates lose Education Plus.
    students.summer_graduate_licence = Some(Licence::new(LICENSE_PRODUCT_ID, LICENSE_SKU));
    students.bad_names = BadNames::new(BAD_NAMES);
    students.schema = Some(StudentSchema {
        schema: CUSTOM_ATTRIBUTE_CATEGORY.into(),
        homeschool_field: CUSTOM_ATTRIBUTE_SCHOOL.into(),
        graduation_year_field: CUSTOM_ATTRIBUTE_GRADYEAR.into(),
    });

    let mut policy = Policy::new(
        MatchKey::PrimaryEmail,
        vec![
            OU_PREFIX.into(),
            SUSPENDED_OU.into(),
            "/Adobe Licensed Students".into(),
        ],
    );
    policy.frozen_ous = FROZEN_OUS.iter().map(|s| s.to_string()).collect();
    // Names compare as `upper()` (lines 207, 211); inactive students are only suspended
    // and moved (lines 257-277).
    policy.name_updates = NameUpdates::IgnoringCase;
    policy.inactive = InactiveAccounts::SuspendAndMoveOnly;
    policy.new_account.password = Secret::from_env("NEW_USER_PASSWORD");
    policy.new_account.change_password_at_next_login = true;
    policy.may_be_empty = [DISTRICT_OFFICE, SUBSTITUTE_SCHOOL, GRADUATED_SCHOOL].into();

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
        sis_needs: sis_needs(),
    }
}

/// What the rules read that only PowerSchool carries, and what the job does without it
/// (`--sis oneroster`; `docs/SOURCES.md`).
pub fn sis_needs() -> Vec<SisNeed> {
    vec![SisNeed {
        field: PsField::GraduationYear,
        used_for: "Graduation_Year, and keeping this year's graduates active over the summer",
        without: Without::Degrade(
            "Graduation_Year is not written (left as it is); a graduate is never taken for this year's, so none stays active over the summer or loses the licence",
        ),
    }]
}
