//! D118's staff sync policy (from the D118 PowerSchool -> Google staff script), as code.

use roster::core::directory::{FieldValue, SchemaFields, SchemaValues};
use roster::core::policy::{BadNames, StaffPolicy, title_case};
use roster::core::{MatchKey, Policy, School, Secret, Staff};
use roster::sis::demo::{GRADUATED_SCHOOL, STATE_EXCLUDED_SCHOOL};
use roster::sis::powerschool::PowerSchoolOptions;
use roster::sis::powerschool::sql::D118_CELL_PHONES;
use roster::{AccountJob, Population, Site};

pub const DOMAIN: &str = "d118.org";
pub const OU_PREFIX: &str = "/D118 Staff";
pub const SUBSTITUTE_OU: &str = "/Substitute Teachers";
pub const SUSPENDED_OU: &str = "/Suspended Accounts";
pub const FROZEN_OUS: &[&str] = &["/Restricted"];
/// Accounts someone reactivated by hand: never moved or suspended by the sync.
pub const REACTIVATION_OUS: &[&str] = &["/Temporary Reactivation"];
pub const BAD_NAMES: &[&str] = &["test", "sub", "demo"];
/// Buildings whose staff CrisisGO groups with Wauconda High School.
pub const WHS_GROUP: &[i64] = &[310, STATE_EXCLUDED_SCHOOL];
pub const WHS_NAME: &str = "Wauconda High School";

/// CrisisGO's `Building`: the home school's name, except that the buildings in
/// [`WHS_GROUP`] count as Wauconda High School; `CellPhone` from HR.
pub fn crisisgo(staff: &Staff, home: Option<&School>) -> SchemaValues {
    let building = match home {
        Some(s) if WHS_GROUP.contains(&s.number) => WHS_NAME.to_string(),
        Some(s) => title_case(&s.name),
        None => String::new(),
    };
    let mut fields = SchemaFields::new();
    fields.insert("Building".into(), FieldValue::Text(building));
    if let Some(phone) = &staff.cell_phone {
        fields.insert("CellPhone".into(), FieldValue::Text(phone.clone()));
    }
    [("CrisisGO".into(), fields)].into()
}

pub fn job() -> AccountJob {
    let mut staff = StaffPolicy::new(vec![DOMAIN.into()], OU_PREFIX);
    staff.substitute_ou = SUBSTITUTE_OU.into();
    staff.substitute_school_name = Some("Substitute".into());
    staff.suspended_ou = SUSPENDED_OU.into();
    staff.bad_names = BadNames::new(BAD_NAMES);
    staff.extra_schemas = Some(Box::new(crisisgo));
    staff.external_id_type = Some("organization".into());

    let mut policy = Policy::new(
        MatchKey::SchemaField {
            schema: "Synchronization_Data".into(),
            field: "DCID".into(),
        },
        vec![
            OU_PREFIX.into(),
            SUBSTITUTE_OU.into(),
            SUSPENDED_OU.into(),
            "/Temporary Reactivation".into(),
        ],
    );
    policy.frozen_ous = FROZEN_OUS.iter().map(|s| s.to_string()).collect();
    policy.reactivation_ous = REACTIVATION_OUS.iter().map(|s| s.to_string()).collect();
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
    }
}
