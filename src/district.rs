//! What a district's `main` calls: parse the shared CLI, wire production or the demo, run,
//! and turn the report into the exit code.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use roster_core::report::RunReport;
use roster_sis::powerschool::PowerSchoolOptions;

use crate::about::{self, Binary, Job};
use crate::cli::{Cli, Mode, RunOptions};
use crate::demo::Demo;
use crate::error::{ConfigError, RunError};
use crate::notify::{Notifier, Tee};
use crate::run::{AccountJob, run_accounts};
use crate::sis_choice::{self, SisChoice, SisNeed};
use crate::vendor::{SftpSettings, VendorJob, run_vendor};
use crate::{doctor, logging, settings, vendor_env, wiring};

/// How a district reads its SIS and names its domain.
#[derive(Debug, Clone)]
pub struct Site {
    /// The Google Workspace domain (also the demo district's staff email domain).
    pub domain: String,
    pub powerschool: PowerSchoolOptions,
    /// PowerSchool-only fields the district's rules read, and what its jobs do on a source
    /// without them (`--sis oneroster`); see [`crate::sis_choice`].
    pub sis_needs: Vec<SisNeed>,
}

/// The whole `main` of an account-sync district binary (named `roster` in `--help`; see
/// [`accounts_main_as`]).
pub fn accounts_main(job: AccountJob, site: Site) -> ExitCode {
    accounts_main_as(about::GENERIC, job, site)
}

/// The whole `main` of an account-sync district binary that names itself in `--help` and
/// `-V`: `roster::accounts_main_as(roster::binary!("what it does"), job(), site())`.
pub fn accounts_main_as(binary: Binary, job: AccountJob, site: Site) -> ExitCode {
    let cli = binary.parse(&Job::Accounts);
    logging::init(cli.opts.verbose);
    if cli.mode() == Mode::Doctor {
        let env = |k: &str| std::env::var(k).ok();
        let list = runtime().block_on(doctor::accounts(&job, &site, &cli.opts, &env));
        return doctor::print(&list);
    }
    if let Mode::Plugin { dir } = cli.mode() {
        return crate::plugin::main(dir, &site);
    }
    let notifier = match notifier(&cli) {
        Ok(n) => n,
        Err(e) => return finish(&fatal(&job.name, cli.mode(), e), &cli),
    };
    let rt = runtime();
    let mut out = Tee::new(std::io::stdout());
    let report = rt.block_on(accounts_cli(&job, &site, &cli, &mut out));
    notify(&rt, notifier.as_ref(), &report, &out);
    finish(&report, &cli)
}

/// `--notify-on`'s settings, checked before any work.
fn notifier(cli: &Cli) -> Result<Option<Notifier>, ConfigError> {
    Ok(Notifier::from_flag(cli.opts.notify_on, &|k| {
        std::env::var(k).ok()
    })?)
}

/// Sends the run's email if asked; a failure is logged by [`Notifier::notify`] and never
/// changes the exit code.
fn notify(
    rt: &tokio::runtime::Runtime,
    notifier: Option<&Notifier>,
    report: &RunReport,
    out: &Tee<std::io::Stdout>,
) {
    if let Some(n) = notifier {
        let _ = rt.block_on(n.notify(report, &out.text()));
    }
}

/// A value only the district knows, absent from the script the binary replaces (a vendor's
/// school names, an SFTP host-key fingerprint): a production run refuses to start until the
/// district sets it in its code, rather than run with a placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unset {
    /// The constant to set, e.g. `kipp_chicago_stmath::STMATH_HOST_KEY_SHA256`.
    pub constant: &'static str,
    /// What to put there and where to get it.
    pub how: &'static str,
}

/// The SHA256 fingerprint of nothing: what a fingerprint placeholder usually is.
pub(crate) const EMPTY_SHA256: &str = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU";

/// Why a production vendor run may not start: every unset district value, and an SFTP host
/// key that is blank or the fingerprint of nothing. `None` when it may.
pub fn production_refusal(job: &VendorJob, unset: &[Unset]) -> Option<String> {
    refusal(&job.name, job.sftp.as_ref(), unset)
}

pub(crate) fn refusal(job: &str, sftp: Option<&SftpSettings>, unset: &[Unset]) -> Option<String> {
    let mut why: Vec<String> = unset
        .iter()
        .map(|u| format!("{} is not set: {}", u.constant, u.how))
        .collect();
    if let Some(s) = sftp {
        let key = s.host_key_sha256.trim();
        let named = unset.iter().any(|u| u.constant.contains("HOST_KEY"));
        if (key.is_empty() || key == EMPTY_SHA256) && !named {
            why.push(format!(
                "the pinned SFTP host key of {} is a placeholder ({key:?}): set it to what `sftp-fingerprint {}` prints",
                s.host, s.host
            ));
        }
    }
    (!why.is_empty()).then(|| {
        format!(
            "{} refuses to run in production until the district sets its own values (nothing was read or sent): {}",
            job,
            why.join("; ")
        )
    })
}

/// The whole `main` of a vendor-roster district binary.
pub fn vendor_main(job: VendorJob, site: Site) -> ExitCode {
    vendor_main_requiring(job, site, Vec::new())
}

/// [`vendor_main`] for a district with values still [`Unset`]: `--demo` runs, production
/// refuses (exit 2) naming each one.
pub fn vendor_main_requiring(job: VendorJob, site: Site, unset: Vec<Unset>) -> ExitCode {
    vendor_main_as(about::GENERIC, job, site, unset)
}

/// [`vendor_main_requiring`] for a binary that names itself in `--help` and `-V` (see
/// [`accounts_main_as`]).
pub fn vendor_main_as(binary: Binary, job: VendorJob, site: Site, unset: Vec<Unset>) -> ExitCode {
    let cli = binary.parse(&Job::Vendor(&job));
    logging::init(cli.opts.verbose);
    if cli.mode() == Mode::Doctor {
        let env = |k: &str| std::env::var(k).ok();
        let list = runtime().block_on(doctor::vendor(&job, &site, &unset, &cli.opts, &env));
        return doctor::print(&list);
    }
    if let Mode::Plugin { dir } = cli.mode() {
        return crate::plugin::main(dir, &site);
    }
    let notifier = match notifier(&cli) {
        Ok(n) => n,
        Err(e) => return finish(&fatal(&job.name, cli.mode(), e), &cli),
    };
    let rt = runtime();
    let mut out = Tee::new(std::io::stdout());
    let report = rt.block_on(vendor_cli_requiring(&job, &site, &unset, &cli, &mut out));
    notify(&rt, notifier.as_ref(), &report, &out);
    finish(&report, &cli)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn finish(report: &RunReport, cli: &Cli) -> ExitCode {
    eprint!("{}", report.summary());
    if let Some(path) = &cli.opts.report {
        eprintln!("  report: {}", path.display());
    }
    report.exit_code().into()
}

/// A report for a run that could not start (exit code 2).
pub fn fatal(job: &str, mode: Mode, why: impl Into<RunError>) -> RunReport {
    let why = why.into();
    // Printed once, by the summary's `ABORTED:` line.
    tracing::debug!("run stopped: {why}");
    let mut r = RunReport::new(job, mode.name());
    r.aborted = Some(why.to_string());
    r.finished_at = Some(chrono::Utc::now());
    r
}

/// Runs an account job as the CLI says: `--demo` or production.
pub async fn accounts_cli(
    job: &AccountJob,
    site: &Site,
    cli: &Cli,
    out: &mut dyn Write,
) -> RunReport {
    let mode = cli.mode();
    if mode == Mode::Doctor {
        let env = |k: &str| std::env::var(k).ok();
        let list = doctor::accounts(job, site, &cli.opts, &env).await;
        let _ = out.write_all(list.render().as_bytes());
        return list.into_report();
    }
    if let Err(e) = settings::check_env(&|k| std::env::var(k).ok()) {
        return fatal(&job.name, mode, e);
    }
    let (choice, notes) = match sis_plan(&job.name, site, cli) {
        Ok(c) => c,
        Err(e) => return fatal(&job.name, mode, e),
    };
    if cli.opts.demo {
        let demo = match Demo::start(
            &cli.opts.out,
            &site.domain,
            cli.opts.today(),
            cli.opts.demo_students,
        ) {
            Ok(d) => d,
            Err(e) => return fatal(&job.name, mode, e),
        };
        let report = match demo
            .connect_with(
                site.powerschool.clone(),
                &job.policy.managed_roots,
                job.licence().is_some(),
            )
            .await
        {
            Ok((_, target)) => {
                match sis_choice::open_demo(&choice, &demo, site, &cli.opts.out, cli.opts.today())
                    .await
                {
                    Ok(sis) => {
                        let r = run_accounts(job, mode, &cli.opts, sis.as_ref(), &target, out);
                        with_notes(r.await, notes)
                    }
                    Err(e) => fatal(&job.name, mode, e),
                }
            }
            Err(e) => fatal(&job.name, mode, e),
        };
        if let Err(e) = demo.save() {
            tracing::error!("{e}");
        }
        return report;
    }
    // Google's credentials first: a bad token fails in a second, not after the SIS read.
    let target = match wiring::google_from_env_with(job.licence().is_some()).await {
        Ok(t) => t,
        Err(e) => return fatal(&job.name, mode, e),
    };
    let sis = match sis_choice::open(&choice, site).await {
        Ok(s) => s,
        Err(e) => return fatal(&job.name, mode, e),
    };
    let opts = RunOptions {
        require_initial_password: true,
        ..cli.opts.clone()
    };
    with_notes(
        run_accounts(job, mode, &opts, sis.as_ref(), &target, out).await,
        notes,
    )
}

/// Runs a vendor job as the CLI says: `--demo` (files only) or production.
pub async fn vendor_cli(job: &VendorJob, site: &Site, cli: &Cli, out: &mut dyn Write) -> RunReport {
    vendor_cli_requiring(job, site, &[], cli, out).await
}

/// [`vendor_cli`] with the district's [`Unset`] values: production refuses before reading
/// anything ([`production_refusal`]).
pub async fn vendor_cli_requiring(
    job: &VendorJob,
    site: &Site,
    unset: &[Unset],
    cli: &Cli,
    out: &mut dyn Write,
) -> RunReport {
    let mode = cli.mode();
    let env = |k: &str| std::env::var(k).ok();
    if mode == Mode::Doctor {
        let list = doctor::vendor(job, site, unset, &cli.opts, &env).await;
        let _ = out.write_all(list.render().as_bytes());
        return list.into_report();
    }
    if let Err(e) = settings::check_env(&env) {
        return fatal(&job.name, mode, e);
    }
    if let Err(e) = vendor_env::refuse_vendor_flags(cli, job.sftp.as_ref(), &env)
        .and_then(|()| vendor_env::refuse_partial_scope(&cli.opts))
    {
        return fatal(&job.name, mode, e);
    }
    let (choice, notes) = match sis_plan(&job.name, site, cli) {
        Ok(c) => c,
        Err(e) => return fatal(&job.name, mode, e),
    };
    let sftp = match job.sftp.as_ref().map(|s| s.with_env(&env)).transpose() {
        Ok(s) => s,
        Err(e) => return fatal(&job.name, mode, e),
    };
    let dir: PathBuf = cli.opts.out.join(&job.name);
    if cli.opts.demo {
        let demo = match Demo::start(
            &cli.opts.out,
            &site.domain,
            cli.opts.today(),
            cli.opts.demo_students,
        ) {
            Ok(d) => d,
            Err(e) => return fatal(&job.name, mode, e),
        };
        let sis = match sis_choice::open_demo(&choice, &demo, site, &cli.opts.out, cli.opts.today())
            .await
        {
            Ok(s) => s,
            Err(e) => return fatal(&job.name, mode, e),
        };
        // The demo has no vendor server: files are written, delivery is skipped, unless the
        // environment names a rehearsal server on this machine (`vendor_rehearsal`).
        let target = match crate::vendor_rehearsal::demo_target(mode, sftp.as_ref(), &env, &dir) {
            Ok(t) => t,
            Err(e) => return fatal(&job.name, mode, e),
        };
        let mode = if target.is_some() { mode } else { Mode::Plan };
        let r = run_vendor(
            job,
            mode,
            &cli.opts,
            sis.as_ref(),
            &dir,
            target.as_ref(),
            out,
        );
        return with_notes(r.await, notes);
    }
    // A fingerprint pinned from the environment settles an unset fingerprint constant.
    let pinned_by_env = job
        .sftp
        .as_ref()
        .is_some_and(|s| s.fingerprint_from_env(&env));
    let unset: Vec<Unset> = unset
        .iter()
        .filter(|u| !(pinned_by_env && u.constant.contains("HOST_KEY")))
        .cloned()
        .collect();
    if let Some(why) = refusal(&job.name, sftp.as_ref(), &unset) {
        return fatal(&job.name, mode, ConfigError::UnsetDistrictValues(why));
    }
    let target = match (mode, &sftp) {
        (Mode::Apply, Some(settings)) => match settings.target_from_env(&dir) {
            Ok(t) => Some(t),
            Err(e) => return fatal(&job.name, mode, e),
        },
        _ => None,
    };
    let sis = match sis_choice::open(&choice, site).await {
        Ok(s) => s,
        Err(e) => return fatal(&job.name, mode, e),
    };
    let r = run_vendor(
        job,
        mode,
        &cli.opts,
        sis.as_ref(),
        &dir,
        target.as_ref(),
        out,
    );
    with_notes(r.await, notes)
}

/// The `--sis` source and what the job says it does without the fields that source lacks;
/// an error when the flag is bad or the job refuses to run on it.
fn sis_plan(job: &str, site: &Site, cli: &Cli) -> Result<(SisChoice, Vec<String>), ConfigError> {
    let choice = sis_choice::for_run(&cli.opts.sis, cli.opts.demo)?;
    let notes = sis_choice::check_needs(job, &choice, &site.sis_needs)?;
    Ok((choice, notes))
}

/// The report with the source's notes first.
fn with_notes(mut report: RunReport, mut notes: Vec<String>) -> RunReport {
    notes.append(&mut report.notes);
    report.notes = notes;
    report
}
