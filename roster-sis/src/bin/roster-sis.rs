//! `roster-sis`: build a demo district, or load a PowerSchool-shaped database and report.
//!
//! ```text
//! roster-sis demo-db --students 300 --seed 118 --out demo.sqlite [--today 2026-11-24] [--domain demo.k12.example]
//! roster-sis load --db demo.sqlite [--scope all|state|SCHOOL_NUMBER] [--today 2026-11-24] [--title-case]
//! roster-sis load --oracle [...]   # PowerSchool itself: POWERSCHOOL_READ_USER,
//!                                  # POWERSCHOOL_DB_PASSWORD, POWERSCHOOL_PROD_DB
//! roster-sis load --api [...]      # PowerSchool's API through the plugin: POWERSCHOOL_API_URL,
//!                                  # POWERSCHOOL_CLIENT_ID, POWERSCHOOL_CLIENT_SECRET
//! roster-sis plugin --out powerschool-plugin   # the PowerSchool plugin, generated from the SQL
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use roster_core::{Scope, SisSource};
use roster_sis::demo::{self, DemoConfig};
use roster_sis::{NameCase, PowerSchoolOptions, PowerSchoolSource};

#[derive(Parser)]
#[command(
    name = "roster-sis",
    version,
    about = "PowerSchool-shaped demo districts and SIS loading"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate a deterministic demo district as a PowerSchool-shaped SQLite file.
    DemoDb {
        /// Student rows (the edge cases included).
        #[arg(long, default_value_t = 300)]
        students: usize,
        #[arg(long, default_value_t = 118)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
        /// The generator's today (YYYY-MM-DD); default: today (UTC).
        #[arg(long)]
        today: Option<NaiveDate>,
        /// Domain of staff emails.
        #[arg(long, default_value = demo::DEFAULT_DOMAIN)]
        domain: String,
    },
    /// Load schools, students, staff and classes from a PowerSchool-shaped SQLite file (or
    /// PowerSchool's Oracle database) and print counts, row errors and timings.
    Load {
        /// A PowerSchool-shaped SQLite file.
        #[arg(long, required_unless_present_any = ["oracle", "api"], conflicts_with_all = ["oracle", "api"])]
        db: Option<PathBuf>,
        /// Read PowerSchool's Oracle database; credentials from POWERSCHOOL_READ_USER,
        /// POWERSCHOOL_DB_PASSWORD and POWERSCHOOL_PROD_DB (needs Oracle Instant Client).
        #[arg(long, conflicts_with = "api")]
        oracle: bool,
        /// Read PowerSchool through the roster plugin's API; settings from
        /// POWERSCHOOL_API_URL, POWERSCHOOL_CLIENT_ID and POWERSCHOOL_CLIENT_SECRET.
        #[arg(long)]
        api: bool,
        /// `all`, `state` (state-reporting schools) or a school number.
        #[arg(long, default_value = "all")]
        scope: String,
        #[arg(long)]
        today: Option<NaiveDate>,
        /// Title-case person names instead of keeping the SIS spelling.
        #[arg(long)]
        title_case: bool,
        /// Print every row error.
        #[arg(long)]
        errors: bool,
    },
    /// Write the PowerSchool plugin (plugin.xml and queries_root/*.named_queries.xml),
    /// generated from the SQL the PowerSchool source runs.
    Plugin {
        /// The plugin folder (the repository's is `powerschool-plugin`).
        #[arg(long)]
        out: PathBuf,
    },
}

fn parse_scope(s: &str) -> Result<Scope, String> {
    match s {
        "all" => Ok(Scope::All),
        "state" | "state-reporting" => Ok(Scope::StateReporting),
        n => n
            .parse()
            .map(Scope::School)
            .map_err(|_| format!("--scope must be all, state or a school number, not {n:?}")),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let today_utc = || chrono::Utc::now().date_naive();
    match Cli::parse().command {
        Command::Plugin { out } => {
            use roster_sis::powerschool::plugin;
            match plugin::write_plugin(&out, plugin::plugin_files()) {
                Ok(files) => {
                    for file in files {
                        println!("{}", file.display());
                    }
                    ExitCode::SUCCESS
                }
                Err((file, e)) => {
                    eprintln!("error: {}: {e}", file.display());
                    ExitCode::from(2)
                }
            }
        }
        Command::DemoDb {
            students,
            seed,
            out,
            today,
            domain,
        } => {
            let config = DemoConfig {
                students,
                seed,
                today: today.unwrap_or_else(today_utc),
                district: demo::DemoDistrict::for_domain(&domain),
                domain,
            };
            let started = Instant::now();
            match demo::generate(&out, &config) {
                Ok(s) => {
                    println!(
                        "{}: {} schools, {} students, {} users, {} schoolstaff, {} terms, {} sections, {} cc ({} dropped) in {:.2?}",
                        out.display(),
                        s.schools,
                        s.students,
                        s.users,
                        s.schoolstaff,
                        s.terms,
                        s.sections,
                        s.cc,
                        s.cc_dropped,
                        started.elapsed()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Load {
            db,
            oracle,
            api,
            scope,
            today,
            title_case,
            errors,
        } => {
            let scope = match parse_scope(&scope) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            let options = PowerSchoolOptions {
                name_case: if title_case {
                    NameCase::Title
                } else {
                    NameCase::Keep
                },
                ..PowerSchoolOptions::default()
            };
            let today = today.unwrap_or_else(today_utc);
            let (label, sis): (String, Result<Box<dyn SisSource>, _>) = match db {
                Some(db) => (
                    db.display().to_string(),
                    PowerSchoolSource::sqlite(&db, options)
                        .map(|s| Box::new(s) as Box<dyn SisSource>),
                ),
                None if api => (
                    "PowerSchool (API)".to_string(),
                    roster_sis::powerschool::PowerSchoolApi::from_env(options)
                        .map(|s| Box::new(s) as Box<dyn SisSource>),
                ),
                None => {
                    debug_assert!(oracle);
                    (
                        "PowerSchool (Oracle)".to_string(),
                        PowerSchoolSource::oracle_from_env(options)
                            .await
                            .map(|s| Box::new(s) as Box<dyn SisSource>),
                    )
                }
            };
            let sis = match sis {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            match load(&label, sis.as_ref(), scope, today, errors).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
    }
}

async fn load(
    label: &str,
    sis: &dyn SisSource,
    scope: Scope,
    today: NaiveDate,
    show_errors: bool,
) -> Result<(), roster_core::SourceError> {
    let started = Instant::now();
    let schools = sis.schools(&scope).await?;
    let students = sis.students(&scope).await?;
    let staff = sis.staff(&scope).await?;
    let people = started.elapsed();
    let classes = sis.classes(&scope, today).await?;
    let total = started.elapsed();
    println!(
        "{}: {} schools, {} students ({} row errors), {} staff ({} row errors) in {:.2?}; \
         {} terms, {} sections, {} enrollments, {} homerooms in {:.2?}; total {:.2?}",
        label,
        schools.rows.len(),
        students.rows.len(),
        students.errors.len(),
        staff.rows.len(),
        staff.errors.len(),
        people,
        classes.terms.len(),
        classes.sections.len(),
        classes.enrollments.len(),
        classes.homerooms.len(),
        total - people,
        total
    );
    if show_errors {
        for e in schools
            .errors
            .iter()
            .chain(&students.errors)
            .chain(&staff.errors)
        {
            println!("  {e}");
        }
    }
    Ok(())
}
