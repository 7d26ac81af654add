//! The SIS checks: PowerSchool's settings, Oracle Instant Client (found on disk, without
//! connecting), the connection, then the source's own probe ([`SisSource::probe`]: for
//! PowerSchool, its tables and every query the job runs).

use roster_core::SisSource;
use roster_core::probe::{Check, ProbeNeeds};
use roster_sis::powerschool::{PowerSchoolSource, instant_client};

use super::Env;
use crate::cli::RunOptions;
use crate::district::Site;
use crate::run::{AccountJob, Population};
use crate::sis_choice::{self, SisChoice};

/// What an account job reads: its population.
pub fn needs_of_accounts(job: &AccountJob) -> ProbeNeeds {
    ProbeNeeds {
        students: matches!(job.population, Population::Students(_)),
        staff: matches!(job.population, Population::Staff(_)),
        classes_as_of: None,
    }
}

/// What a vendor job reads: everyone and the classes, as of the run's date.
pub fn needs_of_vendor(opts: &RunOptions) -> ProbeNeeds {
    ProbeNeeds {
        students: true,
        staff: true,
        classes_as_of: Some(opts.today()),
    }
}

/// The source's probe (the demo's SQLite, or a connected PowerSchool).
pub async fn probe(sis: &dyn SisSource, needs: &ProbeNeeds) -> Vec<Check> {
    sis.probe(needs).await
}

/// The variables PowerSchool's Oracle connection needs.
pub const POWERSCHOOL_ENV: [&str; 3] = [
    "POWERSCHOOL_READ_USER",
    "POWERSCHOOL_DB_PASSWORD",
    "POWERSCHOOL_PROD_DB",
];

/// Production: the settings, Instant Client, the connection, then the probe. Each step that
/// fails skips the ones after it, saying why.
pub async fn production(site: &Site, needs: &ProbeNeeds, env: Env<'_>) -> Vec<Check> {
    let mut out = Vec::new();
    let missing = unset(&POWERSCHOOL_ENV, env);
    out.push(if missing.is_empty() {
        Check::ok(
            "SIS settings",
            format!("{} set", POWERSCHOOL_ENV.join(", ")),
        )
    } else {
        Check::fail(
            "SIS settings",
            format!("not set: {}", missing.join(", ")),
            "set them in the scheduled task's environment (docs/DOCTOR.md#sis-settings)",
        )
    });
    out.push(instant_client_check(env));
    if out.iter().any(Check::failed) {
        out.push(Check::skipped(
            "SIS connection",
            "the SIS settings and Instant Client above come first",
        ));
        return out;
    }
    match PowerSchoolSource::oracle_from_env(site.powerschool.clone()).await {
        Ok(sis) => {
            out.push(Check::ok(
                "SIS connection",
                format!("connected to {}", env("POWERSCHOOL_PROD_DB").unwrap_or_default()),
            ));
            out.extend(sis.probe(needs).await);
        }
        Err(e) => out.push(Check::fail(
            "SIS connection",
            e.to_string(),
            "check the database address (host:port/service), the read account and its password, and the firewall (docs/DOCTOR.md#sis-connection)",
        )),
    }
    out
}

/// The checks of the source `--sis` names: Oracle as [`production`]; another source its
/// settings, then its probe.
pub async fn chosen(
    choice: &SisChoice,
    site: &Site,
    needs: &ProbeNeeds,
    env: Env<'_>,
) -> Vec<Check> {
    if *choice == SisChoice::Oracle {
        return production(site, needs, env).await;
    }
    let missing = unset(choice.env(), env);
    if !missing.is_empty() {
        return vec![
            Check::fail(
                "SIS settings",
                format!("--sis {}: not set: {}", choice.name(), missing.join(", ")),
                "set them in the scheduled task's environment (docs/DOCTOR.md#sis-settings)",
            ),
            Check::skipped("SIS connection", "the SIS settings above come first"),
        ];
    }
    let mut out = vec![Check::ok(
        "SIS settings",
        format!("--sis {}", choice.name()),
    )];
    match sis_choice::open(choice, site).await {
        Ok(sis) => out.extend(sis.probe(needs).await),
        Err(e) => out.push(Check::fail(
            "SIS connection",
            e.to_string(),
            "check the source's address, its client id and secret, or the OneRoster folder (docs/DOCTOR.md#sis-connection)",
        )),
    }
    out
}

/// The variables of `names` that are unset or blank in `env`.
fn unset<'a>(names: &[&'a str], env: Env<'_>) -> Vec<&'a str> {
    names
        .iter()
        .copied()
        .filter(|k| env(k).is_none_or(|v| v.trim().is_empty()))
        .collect()
}

/// Oracle Instant Client where the loader looks, found without loading it.
pub fn instant_client_check(env: Env<'_>) -> Check {
    let name = "Oracle Instant Client";
    match instant_client::find(env) {
        Ok(path) => Check::ok(name, format!("{}", path.display())),
        Err(searched) => Check::fail(
            name,
            format!(
                "{} is in none of the {} library directories searched (LD_LIBRARY_PATH, ORACLE_HOME, the system's)",
                instant_client::LIBRARY,
                searched.len()
            ),
            "install Oracle Instant Client (Basic or Basic Light) and add its directory to LD_LIBRARY_PATH (Windows: PATH) (docs/DOCTOR.md#oracle-instant-client)",
        ),
    }
}
