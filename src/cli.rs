//! The command line every district binary shares: `plan` (default) or `apply`, scope, output.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};
use roster_core::{Cap, LimitedKind, Scope};

use crate::error::ConfigError;

/// Flags shared by every district binary. A district main parses this and hands it to
/// [`crate::run_accounts`] or [`crate::run_vendor`].
#[derive(Debug, Clone, Parser)]
#[command(version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Mode>,
    #[command(flatten)]
    pub opts: RunOptions,
}

impl Cli {
    pub fn mode(&self) -> Mode {
        self.command.unwrap_or(Mode::Plan)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
pub enum Mode {
    /// Show what would change (the default; writes nothing).
    Plan,
    /// Make the changes.
    Apply,
    /// Check the setup, writing nothing: SIS, Google, SFTP, password, writable paths
    /// (exit 0 when every check passes, 2 otherwise; docs/DOCTOR.md).
    Doctor,
    /// Write the PowerSchool plugin this district installs for `--sis powerschool-api` (the
    /// core PowerQueries and the district's own statements) to DIR, then stop.
    Plugin {
        /// The plugin folder to write (plugin.xml and queries_root/).
        #[arg(value_name = "DIR", value_parser = crate::plugin::PluginDir::parse)]
        dir: crate::plugin::PluginDir,
    },
}

impl Mode {
    /// `plan` or `apply`, as reports name the mode.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Plan => "plan",
            Mode::Apply => "apply",
            Mode::Doctor => "doctor",
            Mode::Plugin { .. } => "plugin",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScopeArg {
    /// Every school.
    All,
    /// Schools included in state reporting.
    StateReporting,
    /// One school: give its number with --school.
    School,
}

#[derive(Debug, Clone, Args)]
pub struct RunOptions {
    /// Which schools to cover.
    #[arg(long, value_enum, default_value = "all", global = true)]
    pub scope: ScopeArg,
    /// The school number for `--scope school` (1 to 999999999).
    #[arg(long, global = true, value_parser = crate::settings::school_number)]
    pub school: Option<i64>,
    /// Print the plan as JSON instead of a table.
    #[arg(long, global = true)]
    pub json: bool,
    /// Write the run report as JSON to this file.
    #[arg(long, global = true, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Append every write to this JSON-lines audit log.
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        default_value = "roster-audit.jsonl"
    )]
    pub audit_log: PathBuf,
    /// Apply even when the safety valve objects.
    #[arg(long, global = true)]
    pub force: bool,
    /// Refuse a run that suspends more than this: a percent of the managed accounts (`5%`)
    /// or a count (`200`); `none` lifts the limit. Overrides the district's policy.
    #[arg(long, global = true, value_name = "CAP")]
    pub max_suspend: Option<Cap>,
    /// Refuse a run that creates more accounts than this (`5%` or `200`).
    #[arg(long, global = true, value_name = "CAP")]
    pub max_create: Option<Cap>,
    /// Refuse a run that renames more accounts than this (`5%` or `200`).
    #[arg(long, global = true, value_name = "CAP")]
    pub max_rename: Option<Cap>,
    /// Refuse a run that moves more accounts than this (`5%` or `200`).
    #[arg(long, global = true, value_name = "CAP")]
    pub max_move: Option<Cap>,
    /// Refuse a run that unsuspends more accounts than this (`5%` or `200`).
    #[arg(long, global = true, value_name = "CAP")]
    pub max_unsuspend: Option<Cap>,
    /// Refuse a run that removes more licences than this (`15%` of the managed accounts by
    /// default, or a count; `none` lifts the limit). Overrides the district's policy.
    #[arg(long, global = true, value_name = "CAP")]
    pub max_remove_licence: Option<Cap>,
    /// Refuse a run that removes more licences than this in any one school (a percent of its
    /// managed accounts, or a count).
    #[arg(long, global = true, value_name = "CAP")]
    pub max_remove_licence_per_school: Option<Cap>,
    /// Refuse a run that suspends more than this in any one school: a percent of that
    /// school's managed accounts (`20%`) or a count; `none` lifts it. Overrides the policy.
    #[arg(long, global = true, value_name = "CAP")]
    pub max_suspend_per_school: Option<Cap>,
    /// Refuse a run that creates more than this in any one school (a percent of its SIS rows,
    /// or a count).
    #[arg(long, global = true, value_name = "CAP")]
    pub max_create_per_school: Option<Cap>,
    /// Refuse a run that renames more than this in any one school (a percent of its managed
    /// accounts, or a count).
    #[arg(long, global = true, value_name = "CAP")]
    pub max_rename_per_school: Option<Cap>,
    /// Refuse a run that moves more than this in any one school (a percent of its managed
    /// accounts, or a count).
    #[arg(long, global = true, value_name = "CAP")]
    pub max_move_per_school: Option<Cap>,
    /// Refuse a run that unsuspends more than this in any one school (a percent of its
    /// managed accounts, or a count).
    #[arg(long, global = true, value_name = "CAP")]
    pub max_unsuspend_per_school: Option<Cap>,
    /// Vendor jobs: refuse a full-refresh file that has this percent fewer rows than the last
    /// one delivered (0 to 100).
    #[arg(long, global = true, value_name = "PCT", default_value_t = 10.0, value_parser = percent)]
    pub max_drop: f64,
    /// With `plan`: also write the reviewed plan to this file (versioned JSON, no secrets), for
    /// `apply --plan FILE`. Account jobs only.
    #[arg(long, global = true, value_name = "FILE")]
    pub save_plan: Option<PathBuf>,
    /// With `apply`: apply exactly the changes of this reviewed plan file (no new plan);
    /// a change whose account changed since the plan is refused and reported. Account jobs
    /// only.
    #[arg(long, global = true, value_name = "FILE")]
    pub plan: Option<PathBuf>,
    /// Where people come from: `oracle` (PowerSchool's Oracle database; the default),
    /// `powerschool-api` (PowerSchool's API through the district plugin), or `oneroster DIR`
    /// (a OneRoster 1.1 CSV folder or .zip; with --demo and no DIR, an export of the demo
    /// district under --out). Give `plan`/`apply` before it. Environment: see below.
    #[arg(long, global = true, num_args = 1..=2, value_names = ["SOURCE", "DIR"])]
    pub sis: Vec<String>,
    /// Run against the embedded demo district and an in-process Directory emulator.
    #[arg(long, global = true)]
    pub demo: bool,
    /// Students in the demo district (1 to 200000); another number regenerates it.
    #[arg(long, global = true, value_name = "N", default_value_t = crate::demo::DEMO_STUDENTS,
          value_parser = crate::settings::demo_students)]
    pub demo_students: usize,
    /// Directory for files the run writes (vendor files, demo database).
    #[arg(long, global = true, default_value = "out")]
    pub out: PathBuf,
    /// The date rules are evaluated for (default: today). For rehearsals and tests: the demo
    /// district is dated by it too (dated June 6 to August 19, its seniors have graduated).
    #[arg(long, global = true, value_name = "YYYY-MM-DD")]
    pub today: Option<NaiveDate>,
    /// More log output (-v debug, -vv trace). RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Changes applied at once (1 to 256).
    #[arg(long, global = true, default_value_t = 16, value_parser = crate::settings::concurrency)]
    pub concurrency: usize,
    /// After the run, email the outcome to ROSTER_NOTIFY_TO through SMTP_HOST (see
    /// Environment): on `failure` (exit code not 0), `refusal` (the safety valve refused),
    /// `changes` (something changed, or failure) or `always`. `apply` then prints its plan
    /// too, for the email's list of changes.
    #[arg(long, global = true, value_enum, value_name = "WHEN")]
    pub notify_on: Option<crate::notify::NotifyOn>,
    /// Refuse an `apply` that creates accounts with neither `NEW_USER_PASSWORD` nor a
    /// random-password rule in the policy. Set by the production wiring (not a flag): the
    /// demo and tests create throwaway accounts.
    #[arg(skip)]
    pub require_initial_password: bool,
    /// Off a TTY, the longest a long phase (SIS read, listing, apply) goes without a progress
    /// line ([`crate::progress`]). Not a flag: tests shorten it.
    #[arg(skip = crate::progress::DEFAULT_INTERVAL)]
    pub progress_interval: std::time::Duration,
}

impl RunOptions {
    pub fn scope(&self) -> Result<Scope, ConfigError> {
        match (self.scope, self.school) {
            // `--school N` alone means that school (it used to be ignored: the whole district).
            (ScopeArg::All | ScopeArg::School, Some(n)) => Ok(Scope::School(n)),
            (ScopeArg::All, None) => Ok(Scope::All),
            (ScopeArg::StateReporting, _) => Ok(Scope::StateReporting),
            (ScopeArg::School, None) => Err(ConfigError::SchoolWithoutNumber),
        }
    }

    /// The per-run caps the flags set, to override the policy's.
    pub fn cap_overrides(&self) -> Vec<(LimitedKind, Cap)> {
        [
            (LimitedKind::Create, self.max_create),
            (LimitedKind::Rename, self.max_rename),
            (LimitedKind::Move, self.max_move),
            (LimitedKind::Suspend, self.max_suspend),
            (LimitedKind::Unsuspend, self.max_unsuspend),
            (LimitedKind::RemoveLicence, self.max_remove_licence),
        ]
        .into_iter()
        .filter_map(|(k, c)| c.map(|c| (k, c)))
        .collect()
    }

    /// The per-school caps the flags set, to override the policy's.
    pub fn per_school_overrides(&self) -> Vec<(LimitedKind, Cap)> {
        [
            (LimitedKind::Create, self.max_create_per_school),
            (LimitedKind::Rename, self.max_rename_per_school),
            (LimitedKind::Move, self.max_move_per_school),
            (LimitedKind::Suspend, self.max_suspend_per_school),
            (LimitedKind::Unsuspend, self.max_unsuspend_per_school),
            (
                LimitedKind::RemoveLicence,
                self.max_remove_licence_per_school,
            ),
        ]
        .into_iter()
        .filter_map(|(k, c)| c.map(|c| (k, c)))
        .collect()
    }

    /// The source `--sis` names ([`crate::sis_choice`]).
    pub fn sis_choice(&self) -> Result<crate::sis_choice::SisChoice, ConfigError> {
        crate::sis_choice::SisChoice::parse(&self.sis)
    }

    pub fn today(&self) -> NaiveDate {
        self.today
            .unwrap_or_else(|| chrono::Local::now().date_naive())
    }
}

/// A percent from 0 to 100 (`10` or `10%`): negative, over 100 and NaN are refused.
fn percent(s: &str) -> Result<f64, String> {
    let t = s.trim().trim_end_matches('%');
    let v: f64 = t
        .parse()
        .map_err(|_| format!("{s:?} is not a percent (0 to 100)"))?;
    if !v.is_finite() || !(0.0..=100.0).contains(&v) {
        return Err(format!("{s:?} is not a percent from 0 to 100"));
    }
    Ok(v)
}
