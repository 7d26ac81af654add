//! `doctor`: checks, writing nothing, each thing a job needs, and prints a checklist (one line
//! per check: `ok`, `FAIL` with a one-line fix, or `skip` with the reason). Exit 0 when every
//! check passes, 2 otherwise. Every check and its fix: `docs/DOCTOR.md`.
//!
//! The checks are grouped by what they touch: the SIS ([`sis`]), Google ([`google`]), the
//! vendor's SFTP server ([`sftp`]) and this machine ([`local`]). The environment is passed in
//! as a function (the binaries pass `std::env::var`), so tests check a misconfiguration
//! without touching the process environment. No check prints a secret.

pub mod google;
pub mod local;
pub mod schemas;
pub mod sftp;
pub mod sis;

use std::fmt::Write as _;
use std::process::ExitCode;

pub use roster_core::probe::{Check, Verdict};
use roster_core::report::RunReport;

use crate::cli::{Mode, RunOptions};
use crate::demo::Demo;
use crate::district::{Site, Unset};
use crate::run::AccountJob;
use crate::vendor::VendorJob;

/// Where the checks read environment variables from.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Every check of one `doctor` run, in order.
#[derive(Debug, Clone)]
pub struct Checklist {
    /// The job checked.
    pub job: String,
    /// Whether it checked the demo (`--demo`) or production.
    pub demo: bool,
    /// The checks.
    pub checks: Vec<Check>,
}

impl Checklist {
    /// The failed checks.
    pub fn failures(&self) -> usize {
        self.checks.iter().filter(|c| c.failed()).count()
    }

    /// 0 when nothing failed, 2 otherwise.
    pub fn exit_code(&self) -> u8 {
        if self.failures() == 0 { 0 } else { 2 }
    }

    /// The checklist as printed: a title, one line per check (and a `fix:` line under each
    /// failure), and a last line with the count.
    pub fn render(&self) -> String {
        let width = self
            .checks
            .iter()
            .map(|c| c.name.chars().count())
            .max()
            .unwrap_or(0);
        let mut out = format!(
            "doctor: {} ({})\n",
            self.job,
            if self.demo { "demo" } else { "production" }
        );
        for c in &self.checks {
            let (tag, detail, fix) = match &c.verdict {
                Verdict::Ok(d) => ("ok  ", d.as_str(), None),
                Verdict::Fail { why, fix } => ("FAIL", why.as_str(), Some(fix)),
                Verdict::Skipped(why) => ("skip", why.as_str(), None),
            };
            let _ = writeln!(out, "{tag}  {:<width$}  {}", c.name, one_line(detail));
            if let Some(fix) = fix {
                let _ = writeln!(out, "      {:<width$}  fix: {}", "", one_line(fix));
            }
        }
        let n = self.checks.len();
        let _ = match self.failures() {
            0 => writeln!(out, "all {n} checks passed"),
            f => writeln!(out, "{f} of {n} checks failed"),
        };
        out
    }

    /// The checklist as a run report, for callers that take one ([`crate::accounts_cli`]):
    /// exit 0 when it passed, 2 (aborted, naming the failures) when not.
    pub fn into_report(self) -> RunReport {
        let mut r = RunReport::new(&self.job, Mode::Doctor.name());
        if self.failures() > 0 {
            let failed: Vec<&str> = self
                .checks
                .iter()
                .filter(|c| c.failed())
                .map(|c| c.name.as_str())
                .collect();
            r.aborted = Some(format!("doctor: failed: {}", failed.join(", ")));
        }
        r.finished_at = Some(chrono::Utc::now());
        r
    }
}

/// A detail on one line: a multi-line driver message must not break the checklist's shape.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The checks of an account job.
pub async fn accounts(job: &AccountJob, site: &Site, opts: &RunOptions, env: Env<'_>) -> Checklist {
    let mut checks = vec![local::settings(env)];
    let needs = sis::needs_of_accounts(job);
    if opts.demo {
        match demo_start(site, opts) {
            Ok(demo) => {
                match demo
                    .connect_with(
                        site.powerschool.clone(),
                        &job.policy.managed_roots,
                        job.licence().is_some(),
                    )
                    .await
                {
                    Ok((sis, _)) => checks.extend(sis::probe(&sis, &needs).await),
                    Err(e) => checks.push(Check::fail("demo", e.to_string(), DEMO_FIX)),
                }
                let google = google::demo_credentials(&demo);
                checks.extend(google::checks(job, google).await);
            }
            Err(e) => checks.push(Check::fail("demo", e.to_string(), DEMO_FIX)),
        }
    } else {
        checks.extend(sis::production(site, &needs, env).await);
        checks.extend(google::checks(job, google::credentials_from_env(env)).await);
    }
    checks.push(local::new_user_password(&job.policy, opts.demo));
    checks.extend(local::writable(opts, &job.name, None));
    Checklist {
        job: job.name.clone(),
        demo: opts.demo,
        checks,
    }
}

/// The checks of a vendor job (`unset`: the district values it still lacks).
pub async fn vendor(
    job: &VendorJob,
    site: &Site,
    unset: &[Unset],
    opts: &RunOptions,
    env: Env<'_>,
) -> Checklist {
    let mut checks = vec![local::settings(env)];
    let needs = sis::needs_of_vendor(opts);
    if opts.demo {
        match demo_start(site, opts).and_then(|d| d.sis(site.powerschool.clone())) {
            Ok(sis) => checks.extend(sis::probe(&sis, &needs).await),
            Err(e) => checks.push(Check::fail("demo", e.to_string(), DEMO_FIX)),
        }
    } else {
        checks.push(sftp::district_values(job, unset, env));
        checks.extend(sis::production(site, &needs, env).await);
    }
    checks.extend(sftp::checks(job, opts.demo, env).await);
    checks.extend(local::writable(
        opts,
        &job.name,
        Some(&opts.out.join(&job.name)),
    ));
    Checklist {
        job: job.name.clone(),
        demo: opts.demo,
        checks,
    }
}

const DEMO_FIX: &str = "check that --out is a writable directory (docs/DOCTOR.md#demo)";

fn demo_start(site: &Site, opts: &RunOptions) -> Result<Demo, crate::demo::DemoError> {
    Demo::start(&opts.out, &site.domain, opts.today(), opts.demo_students)
}

/// Prints the checklist to stdout and returns its exit code (what a binary's `doctor` does).
pub fn print(list: &Checklist) -> ExitCode {
    print!("{}", list.render());
    ExitCode::from(list.exit_code())
}
