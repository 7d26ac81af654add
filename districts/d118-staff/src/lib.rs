//! D118's staff sync policy (from the D118 PowerSchool -> Google staff script), as code.
//!
//! Every constant the script keeps at its top is a value here, spelt as the script spells it
//! (`../shared/seeds/upstream/d118-staffsync.pyw`; `docs/PARITY.md` maps each rule to its
//! seed line).

/// What `d118-staff --help` says the job does.
pub const ABOUT: &str = "D118's nightly staff sync: PowerSchool staff to Google Workspace accounts (create, update, move between building OUs, suspend leavers). `plan` (default) shows the changes; `apply` makes them.";

use roster::core::directory::{FieldValue, SchemaFields, SchemaValues};
use roster::core::policy::{BadNames, InactiveAccounts, NameUpdates, StaffPolicy, StaffSchema};
use roster::core::{MatchKey, Policy, School, Secret, Staff, StaffType};
use roster::sis::powerschool::PowerSchoolOptions;
use roster::sis::powerschool::sql::D118_CELL_PHONES;
use roster::sis_choice::{PsField, SisNeed, Without};
use roster::{AccountJob, Population, Site};

/// Script line 45 (`GOOGLE_DOMAIN`).
pub const DOMAIN: &str = "d118.org";
/// Line 33; buildings are `/D118 Staff/<school name, title-cased> Staff` (lines 34, 114).
pub const OU_PREFIX: &str = "/D118 Staff";
pub const BUILDING_OU_SUFFIX: &str = " Staff";
/// Line 35.
pub const SUSPENDED_OU: &str = "/Suspended Accounts";
/// Line 36.
pub const SUBSTITUTE_OU: &str = "/Substitute Teachers";
/// Line 37: the PowerSchool building of substitutes.
pub const SUB_BUILDING_NAME: &str = "Substitute";
/// Line 38: an active person whose account's OU path contains one of these is never moved.
pub const FROZEN_OUS: &[&str] = &[
    "/Administrators",
    "/Mail Merge Users",
    "/Parallels Desktop Users",
    "/Utility Accounts",
];
/// Line 39: an inactive person whose account's OU path contains one of these is neither
/// suspended nor moved (an account reactivated by hand to hand its files over).
pub const TEMPORARY_REACTIVATION_OUS: &[&str] = &["/Temporary Re-Activations"];
/// Line 40, verbatim (30 entries; `"use "` is the script's, the same entry as `"use"` once
/// names are trimmed).
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
    "do not",
    "do",
    "not",
    "tbd",
    "lunch",
    "teacher",
    "new teacher",
    "teacher-1",
    "sub",
    "substitute",
    "plugin",
    "mba",
    "tech",
    "technology",
    "administrator",
    "whs",
    "commons",
    "attendance",
];
/// Line 42.
pub const REMOVE_SUSPENDED_FROM_GROUPS: bool = true;
/// Lines 47-49 and 53-59: the custom attribute categories and fields.
pub const CUSTOM_ATTRIBUTE_SYNC_CATEGORY: &str = "Synchronization_Data";
pub const CUSTOM_ATTRIBUTE_DCID: &str = "DCID";
pub const CUSTOM_ATTRIBUTE_ID: &str = "Teacher-Number";
pub const CUSTOM_ATTRIBUTE_SCHOOL: &str = "Homeschool_ID";
pub const CUSTOM_ATTRIBUTE_ACCESS_LIST: &str = "School_Access_List";
pub const CUSTOM_ATTRIBUTE_TYPE: &str = "Staff_Type";
pub const CUSTOM_ATTRIBUTE_GROUP: &str = "Staff_Group";
pub const CUSTOM_ATTRIBUTE_CRISISGO_CATEGORY: &str = "CrisisGO";
pub const CUSTOM_ATTRIBUTE_CELL: &str = "CellPhone";
pub const CUSTOM_ATTRIBUTE_BUILDING: &str = "Building";
/// Line 157: `Staff_Type` without an active assignment at the home school (2, staff).
pub const DEFAULT_STAFF_TYPE: StaffType = StaffType::Staff;
/// Line 173: home schools whose staff CrisisGO groups with Wauconda High School.
pub const WHS_GROUP: &[i64] = &[0, 131, 133, 134, 135];
/// Line 174.
pub const WHS_NAME: &str = "Wauconda High School";
/// The graduated-students building (student script line 160): it has no staff. Not in the
/// staff script, which has no empty-school check (the safety valve is ours).
pub const GRADUATED_SCHOOL: i64 = 999_999;

/// CrisisGO (lines 171-176, 138): `Building` is the home school's name as the script spells
/// it, except that the buildings in [`WHS_GROUP`] count as Wauconda High School;
/// `CellPhone` is the HR cell phone, or blank when HR has none (so a removed number is
/// cleared, not left behind).
pub fn crisisgo(staff: &Staff, home: Option<&School>) -> SchemaValues {
    let building = if WHS_GROUP.contains(&staff.home_school) {
        WHS_NAME.to_string()
    } else {
        home.map(StaffPolicy::school_name).unwrap_or_default()
    };
    let phone = staff.cell_phone.as_deref().unwrap_or_default();
    let mut fields = SchemaFields::new();
    fields.insert(CUSTOM_ATTRIBUTE_BUILDING.into(), FieldValue::Text(building));
    fields.insert(
        CUSTOM_ATTRIBUTE_CELL.into(),
        FieldValue::Text(phone.to_string()),
    );
    [(CUSTOM_ATTRIBUTE_CRISISGO_CATEGORY.into(), fields)].into()
}

pub fn job() -> AccountJob {
    let mut staff = StaffPolicy::new(vec![DOMAIN.into()], OU_PREFIX);
    staff.school_ou =
        Box::new(|s: &School| format!("{}{BUILDING_OU_SUFFIX}", StaffPolicy::school_name(s)));
    staff.substitute_ou = SUBSTITUTE_OU.into();
    staff.substitute_school_name = Some(SUB_BUILDING_NAME.into());
    staff.suspended_ou = SUSPENDED_OU.into();
    staff.bad_names = BadNames::new(BAD_NAMES);
    staff.title_case_names = true;
    staff.default_staff_type = DEFAULT_STAFF_TYPE;
    staff.schema = Some(StaffSchema {
        schema: CUSTOM_ATTRIBUTE_SYNC_CATEGORY.into(),
        dcid: CUSTOM_ATTRIBUTE_DCID.into(),
        homeschool: CUSTOM_ATTRIBUTE_SCHOOL.into(),
        school_access_list: CUSTOM_ATTRIBUTE_ACCESS_LIST.into(),
        staff_type: CUSTOM_ATTRIBUTE_TYPE.into(),
        staff_group: CUSTOM_ATTRIBUTE_GROUP.into(),
        teacher_number: CUSTOM_ATTRIBUTE_ID.into(),
    });
    staff.extra_schemas = Some(Box::new(crisisgo));
    staff.external_id_type = Some("organization".into());

    let mut roots = vec![OU_PREFIX.into(), SUBSTITUTE_OU.into(), SUSPENDED_OU.into()];
    roots.extend(TEMPORARY_REACTIVATION_OUS.iter().map(|&s| s.into()));
    let mut policy = Policy::new(
        MatchKey::SchemaField {
            schema: CUSTOM_ATTRIBUTE_SYNC_CATEGORY.into(),
            field: CUSTOM_ATTRIBUTE_DCID.into(),
        },
        roots,
    );
    policy.frozen_ous = FROZEN_OUS.iter().map(|s| s.to_string()).collect();
    // Names are written only with an email change (lines 204-208); inactive staff are only
    // suspended and moved, unless in a temporary re-activation OU (lines 319-352).
    policy.name_updates = NameUpdates::WithEmailChange;
    policy.inactive = InactiveAccounts::SuspendAndMoveOnly;
    policy.reactivation_ous = TEMPORARY_REACTIVATION_OUS
        .iter()
        .map(|s| s.to_string())
        .collect();
    policy.remove_groups_on_suspend = REMOVE_SUSPENDED_FROM_GROUPS;
    policy.new_account.password = Secret::from_env("NEW_USER_PASSWORD");
    policy.may_be_empty = [GRADUATED_SCHOOL].into();

    AccountJob {
        name: "d118-staff".into(),
        policy,
        population: Population::Staff(staff),
    }
}

pub fn site() -> Site {
    Site {
        domain: DOMAIN.into(),
        powerschool: PowerSchoolOptions {
            cell_phone_sql: Some(D118_CELL_PHONES),
            ..PowerSchoolOptions::default()
        },
        sis_needs: sis_needs(),
    }
}

/// What the rules read that only PowerSchool carries, and what the job does without it
/// (`--sis oneroster`; `docs/SOURCES.md`). The cell phone is OneRoster's `sms`.
pub fn sis_needs() -> Vec<SisNeed> {
    vec![
        SisNeed {
            field: PsField::StaffGroup,
            used_for: "Staff_Group",
            without: Without::Degrade("Staff_Group is not written (left as it is)"),
        },
        SisNeed {
            field: PsField::HomeSchool,
            used_for: "the building OU, Homeschool_ID, Staff_Type and CrisisGO's Building",
            without: Without::Degrade(
                "the home school is the first school of orgSourcedIds and the type is teacher or staff: list each person's home school first, or accounts move building",
            ),
        },
        SisNeed {
            field: PsField::Dcid,
            used_for: "the DCID accounts are matched on",
            without: Without::Degrade(
                "the DCID is the users.csv sourcedId when it is a number, else a hash of it: accounts a PowerSchool run made match only if the sourcedIds are the PowerSchool DCIDs; otherwise they are new accounts, which the create caps (--max-create) stop",
            ),
        },
    ]
}
