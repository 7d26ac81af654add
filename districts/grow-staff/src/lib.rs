//! SchoolMint Grow's SFTP user upload: every active staff member, every time (a full refresh),
//! matched by Internal ID so an email change does not archive a profile.
//!
//! Grow has no seed script: the rules are those of Grow's SFTP article
//! (`shared/seeds/002_*.txt`) and DESIGN §8; `docs/PARITY.md` maps each to its line.

use roster::core::policy::BadNames;
use roster::core::{Staff, StaffType, VendorExport};
use roster::sftp::vendor::{Grow, GrowRole, VendorChecks};
use roster::sis_choice::{PsField, SisNeed, Without};
use roster::{SftpSettings, Site, Unset, VendorJob};
use std::collections::BTreeMap;

/// What `grow-staff --help` says the job does.
pub const ABOUT: &str = "SchoolMint Grow's staff upload: PowerSchool staff to Grow's user CSV. `plan` (default) writes the file; `apply` also uploads it over SFTP.";

/// `USERS.GROUPVALUE` of building administrators in this district.
pub const ADMIN_GROUP: i64 = 9;

/// Grow's role for a staff member: teachers and substitutes are Teachers, building
/// administrators School Admins, other staff Coaches.
pub fn role(s: &Staff) -> Option<GrowRole> {
    match s.home_assignment().map(|a| a.staff_type) {
        Some(StaffType::Teacher | StaffType::Substitute) => Some(GrowRole::Teacher),
        Some(StaffType::Staff) if s.group == Some(ADMIN_GROUP) => Some(GrowRole::SchoolAdmin),
        Some(StaffType::Staff) => Some(GrowRole::Coach),
        _ => None,
    }
}

/// School names exactly as the district created them in Grow, by SIS school number: Grow
/// imports a user only when column E matches a Grow school name exactly (seed 002, lines
/// 15–18). Only the district knows them; until it lists them here a production run refuses
/// to start ([`unset`]). Empty, the export writes the SIS school names (what `--demo` shows).
pub const GROW_SCHOOLS: &[(i64, &str)] = &[];

/// Grow's production SFTP host (seed 002, line 39; the QA host of line 38 is
/// `grow-sftp-connect.qa.schoolmint.com`), port 22 (line 40).
pub const SFTP_HOST: &str = "grow-sftp-connect.schoolmint.com";

/// The SHA256 fingerprint of [`SFTP_HOST`]'s host key (`sftp-fingerprint
/// grow-sftp-connect.schoolmint.com`). Grow's article only says to accept the fingerprint on
/// first connection (seed 002, line 45): only the district can record it, and until it does a
/// production run refuses to start.
pub const GROW_HOST_KEY_SHA256: Option<&str> = None;

/// The district values this binary still needs before it may run in production.
pub fn unset() -> Vec<Unset> {
    let mut v = Vec::new();
    if GROW_SCHOOLS.is_empty() {
        v.push(Unset {
            constant: "grow_staff::GROW_SCHOOLS",
            how: "each SIS school number with its name exactly as created in Grow (column E must match it)",
        });
    }
    if GROW_HOST_KEY_SHA256.is_none() {
        v.push(Unset {
            constant: "grow_staff::GROW_HOST_KEY_SHA256",
            how: "the SHA256 host-key fingerprint `sftp-fingerprint grow-sftp-connect.schoolmint.com` prints",
        });
    }
    v
}

/// Grow's SFTP drop: the file goes to the login directory (Grow reads the latest file, or a
/// fixed name, from there: seed 002, line 62).
pub fn sftp() -> SftpSettings {
    SftpSettings {
        host: SFTP_HOST.into(),
        port: 22,
        host_key_sha256: GROW_HOST_KEY_SHA256.unwrap_or_default().into(),
        remote_dir: String::new(),
        user_env: "GROW_SFTP_USER".into(),
        password_env: "GROW_SFTP_PASSWORD".into(),
        env_prefix: "GROW_SFTP".into(),
        timeout: roster::vendor_env::DEFAULT_SFTP_TIMEOUT,
    }
}

/// The district's domain: every email in Grow's file must be at it.
pub const DOMAIN: &str = "d118.org";

/// The checks every staff member passes before Grow's file lists them: D118's bad-name list
/// (the staff sync's, `d118_staff::BAD_NAMES`), an email at [`DOMAIN`] in RFC 5321 shape
/// and unique across the file, a clean name.
pub fn checks() -> VendorChecks {
    VendorChecks::new([DOMAIN]).bad_names(BadNames::new(d118_staff::BAD_NAMES))
}

/// Grow's job: every active staff member with a [`role`], checked by [`checks`], sent over
/// [`sftp`].
pub fn job() -> VendorJob {
    let mut grow = Grow::new().role(role);
    for (number, name) in GROW_SCHOOLS {
        grow = grow.school_name(*number, *name);
    }
    let exports: Vec<Box<dyn VendorExport>> = vec![Box::new(grow)];
    VendorJob {
        name: "grow-staff".into(),
        students: Box::new(|_| false),
        exports,
        sftp: Some(sftp()),
        checks: checks(),
        min_rows: min_rows(),
    }
}

/// The fewest rows a real day's Grow file has: below it the file is not sent (Grow archives
/// everyone missing from it), `--force` sends it. `--max-drop` compares with the last
/// delivery; this needs none, so it also guards the first run and a lost state.
///
/// `grow_users.csv` holds every active teacher, building administrator and coach of the
/// district's schools: hundreds of people. Under 50 rows the staff read or the role mapping
/// is broken (a `SCHOOLSTAFF` join gone wrong, a `STATUS` filter that drops everyone), never
/// a real day. An estimate set well below a normal day: raise it to about half the real
/// count once the first deliveries have been seen.
pub fn min_rows() -> BTreeMap<String, usize> {
    BTreeMap::from([("grow_users.csv".into(), 50)])
}

pub fn site() -> Site {
    Site {
        domain: DOMAIN.into(),
        powerschool: Default::default(),
        sis_needs: sis_needs(),
    }
}

/// What the rules read that only PowerSchool carries: without them Grow's file would be
/// wrong (administrators sent as Coaches, every Internal ID changed so Grow archives every
/// profile), so the job refuses a source that lacks them (`docs/SOURCES.md`).
pub fn sis_needs() -> Vec<SisNeed> {
    vec![
        SisNeed {
            field: PsField::StaffGroup,
            used_for: "the School Admin role",
            without: Without::Refuse,
        },
        SisNeed {
            field: PsField::Dcid,
            used_for: "Grow's Internal ID",
            without: Without::Refuse,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_refuses_until_the_district_values_are_set() {
        let why = roster::production_refusal(&job(), &unset()).expect("refused");
        assert!(why.contains("grow_staff::GROW_SCHOOLS"), "{why}");
        assert!(why.contains("grow_staff::GROW_HOST_KEY_SHA256"), "{why}");
    }
}
