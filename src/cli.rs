//! The command line every district binary shares: `plan` (default) or `apply`, scope, output.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};
use roster_core::Scope;

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
}

impl Mode {
    /// `plan` or `apply`, as reports name the mode.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Plan => "plan",
            Mode::Apply => "apply",
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
    /// Refuse a run that suspends more than this percent of the managed accounts (0 to 100).
    #[arg(long, global = true, value_name = "PCT", value_parser = crate::settings::percent)]
    pub max_suspend: Option<f64>,
    /// Run against the embedded demo district and an in-process Directory emulator.
    #[arg(long, global = true)]
    pub demo: bool,
    /// Directory for files the run writes (vendor files, demo database).
    #[arg(long, global = true, default_value = "out")]
    pub out: PathBuf,
    /// The date rules are evaluated for (default: today). For rehearsals and tests.
    #[arg(long, global = true, value_name = "YYYY-MM-DD")]
    pub today: Option<NaiveDate>,
    /// More log output (-v debug, -vv trace). RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Changes applied at once (1 to 256).
    #[arg(long, global = true, default_value_t = 16, value_parser = crate::settings::concurrency)]
    pub concurrency: usize,
    /// Refuse an `apply` that creates accounts with neither `NEW_USER_PASSWORD` nor a
    /// random-password rule in the policy. Set by the production wiring (not a flag): the
    /// demo and tests create throwaway accounts.
    #[arg(skip)]
    pub require_initial_password: bool,
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

    pub fn today(&self) -> NaiveDate {
        self.today
            .unwrap_or_else(|| chrono::Local::now().date_naive())
    }
}
