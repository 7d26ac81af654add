//! What a district's `main` calls: parse the shared CLI, wire production or the demo, run,
//! and turn the report into the exit code.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use roster_core::report::RunReport;
use roster_sis::powerschool::PowerSchoolOptions;

use crate::cli::{Cli, Mode, RunOptions};
use crate::demo::{DEMO_STUDENTS, Demo};
use crate::error::RunError;
use crate::run::{AccountJob, run_accounts};
use crate::vendor::{VendorJob, run_vendor};
use crate::{logging, settings, wiring};

/// How a district reads its SIS and names its domain.
#[derive(Debug, Clone)]
pub struct Site {
    /// The Google Workspace domain (also the demo district's staff email domain).
    pub domain: String,
    pub powerschool: PowerSchoolOptions,
}

/// The whole `main` of an account-sync district binary.
pub fn accounts_main(job: AccountJob, site: Site) -> ExitCode {
    let cli = Cli::parse();
    logging::init(cli.opts.verbose);
    let report = runtime().block_on(accounts_cli(&job, &site, &cli, &mut std::io::stdout()));
    finish(&report, &cli)
}

/// The whole `main` of a vendor-roster district binary.
pub fn vendor_main(job: VendorJob, site: Site) -> ExitCode {
    let cli = Cli::parse();
    logging::init(cli.opts.verbose);
    let report = runtime().block_on(vendor_cli(&job, &site, &cli, &mut std::io::stdout()));
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
    tracing::error!("{why}");
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
    if let Err(e) = settings::check_env(&|k| std::env::var(k).ok()) {
        return fatal(&job.name, mode, e);
    }
    if cli.opts.demo {
        let demo = match Demo::start(&cli.opts.out, &site.domain, cli.opts.today(), DEMO_STUDENTS) {
            Ok(d) => d,
            Err(e) => return fatal(&job.name, mode, e),
        };
        let report = match demo
            .connect(site.powerschool.clone(), &job.policy.managed_roots)
            .await
        {
            Ok((sis, target)) => run_accounts(job, mode, &cli.opts, &sis, &target, out).await,
            Err(e) => fatal(&job.name, mode, e),
        };
        if let Err(e) = demo.save() {
            tracing::error!("{e}");
        }
        return report;
    }
    // Google's credentials first: a bad token fails in a second, not after the SIS read.
    let target = match wiring::google_from_env().await {
        Ok(t) => t,
        Err(e) => return fatal(&job.name, mode, e),
    };
    let sis = match wiring::powerschool_from_env(site.powerschool.clone()).await {
        Ok(s) => s,
        Err(e) => return fatal(&job.name, mode, e),
    };
    let opts = RunOptions {
        require_initial_password: true,
        ..cli.opts.clone()
    };
    run_accounts(job, mode, &opts, &sis, &target, out).await
}

/// Runs a vendor job as the CLI says: `--demo` (files only) or production.
pub async fn vendor_cli(job: &VendorJob, site: &Site, cli: &Cli, out: &mut dyn Write) -> RunReport {
    let mode = cli.mode();
    if let Err(e) = settings::check_env(&|k| std::env::var(k).ok()) {
        return fatal(&job.name, mode, e);
    }
    let dir: PathBuf = cli.opts.out.join(&job.name);
    if cli.opts.demo {
        let demo = match Demo::start(&cli.opts.out, &site.domain, cli.opts.today(), DEMO_STUDENTS) {
            Ok(d) => d,
            Err(e) => return fatal(&job.name, mode, e),
        };
        let sis = match demo.sis(site.powerschool.clone()) {
            Ok(s) => s,
            Err(e) => return fatal(&job.name, mode, e),
        };
        // The demo has no vendor server: files are written, delivery is skipped.
        return run_vendor(job, Mode::Plan, &cli.opts, &sis, &dir, None, out).await;
    }
    let target = match (mode, &job.sftp) {
        (Mode::Apply, Some(settings)) => match settings.target_from_env(&dir) {
            Ok(t) => Some(t),
            Err(e) => return fatal(&job.name, mode, e),
        },
        _ => None,
    };
    let sis = match wiring::powerschool_from_env(site.powerschool.clone()).await {
        Ok(s) => s,
        Err(e) => return fatal(&job.name, mode, e),
    };
    run_vendor(job, mode, &cli.opts, &sis, &dir, target.as_ref(), out).await
}
