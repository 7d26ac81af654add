//! What each district binary says about itself: `--help` names the job, the environment
//! variables it reads and its exit codes; `-V` prints its name, version and git commit.
//!
//! A district's `main` passes a [`Binary`] (made with [`crate::binary!`], which takes the
//! name and version from the district crate) to [`crate::accounts_main_as`] or
//! [`crate::vendor_main_as`]; the shared [`Cli`] is renamed and described at run time.

use clap::{CommandFactory, FromArgMatches};

use crate::cli::Cli;
use crate::vendor::VendorJob;

/// The git commit the binary was built from (short hash), or `unknown` when it was built
/// without git (a `cargo package` tarball).
pub const COMMIT: &str = env!("ROSTER_GIT_COMMIT");

/// A district binary's name, version and job, for its `--help` and `-V`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binary {
    /// The binary's name (`d118-students`).
    pub name: &'static str,
    /// Its crate's version.
    pub version: &'static str,
    /// What the job does, in one or two lines (the first line of `--help`).
    pub about: &'static str,
}

/// A [`Binary`] named after the calling crate, with its version: `roster::binary!("about")`.
#[macro_export]
macro_rules! binary {
    ($about:expr) => {
        $crate::about::Binary {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
            about: $about,
        }
    };
}

/// What a binary's job is, for the environment and exit codes its `--help` lists.
pub enum Job<'a> {
    /// An account sync (PowerSchool to Google).
    Accounts,
    /// A vendor roster (PowerSchool to files, delivered over SFTP).
    Vendor(&'a VendorJob),
}

/// The environment an account job reads.
const ACCOUNT_ENV: &str = "  POWERSCHOOL_READ_USER, POWERSCHOOL_DB_PASSWORD, POWERSCHOOL_PROD_DB
                           PowerSchool's Oracle database (host:port/service)
  GOOGLE_SERVICE_ACCOUNT_KEY, GOOGLE_ADMIN_SUBJECT
                           a service-account key file and the admin it acts as
  GOOGLE_CREDENTIALS, GOOGLE_TOKEN
                           or the installed-app flow's files (credentials.json, token.json)
  GOOGLE_DIRECTORY_URL     another Directory API root (a rehearsal on directory-emulator)
  GOOGLE_QUOTA_PER_MINUTE  the project's Directory API quota, 1 to 1000000 (default 2400)
  NEW_USER_PASSWORD        initial password of new accounts (apply refuses creates without it)
  RUST_LOG                 log filter, overrides -v (e.g. RUST_LOG=debug)";

/// The exit codes of an account job (`roster_core::ExitCode`).
const ACCOUNT_EXIT: &str = "  0  plan: the plan was made; apply: every planned change was applied
  1  apply: some changes failed after their retries (each in the summary and the report,
     with Google's reason); the rest were applied
  2  stopped: a bad flag or variable, bad credentials, an unreadable SIS, a school that does
     not exist, the safety valve (--force), another run holding the lock, every person the
     SIS returned skipped or unreadable, an unwritable --report
  doctor: 0 every check passed, 2 a check failed (each with its fix)";

/// The exit codes of a vendor job.
const VENDOR_EXIT: &str = "  0  plan: the files were written; apply: and delivered
  2  stopped: a bad flag or variable, an unreadable SIS, an empty roster, the refresh guard
     (--force), a failed delivery, another run holding the lock, an unwritable --report
  doctor: 0 every check passed, 2 a check failed (each with its fix)";

impl Binary {
    /// `0.1.0 (commit 1a2b3c4)`: what `-V` prints after the name.
    pub fn long_version(&self) -> String {
        format!("{} (commit {COMMIT})", self.version)
    }

    /// The text after the flags in `--help`: the environment and the exit codes.
    pub fn after_help(&self, job: &Job<'_>) -> String {
        let (env, exit) = match job {
            Job::Accounts => (ACCOUNT_ENV.to_string(), ACCOUNT_EXIT),
            Job::Vendor(v) => {
                let mut env = String::from(
                    "  POWERSCHOOL_READ_USER, POWERSCHOOL_DB_PASSWORD, POWERSCHOOL_PROD_DB\n                           PowerSchool's Oracle database (host:port/service)",
                );
                if let Some(s) = &v.sftp {
                    env.push_str(&format!(
                        "\n  {}, {}\n                           the SFTP login at {}:{} (apply only)",
                        s.user_env, s.password_env, s.host, s.port
                    ));
                    let p = &s.env_prefix;
                    env.push_str(&format!(
                        "\n  {p}_HOST, {p}_PORT, {p}_DIR\n                           override the SFTP host, port and remote directory ({})\n  {p}_FINGERPRINT\n                           pin the host key (SHA256:...)\n  {p}_TIMEOUT\n                           seconds a silent server is waited for (default {})",
                        s.remote_dir,
                        s.timeout.as_secs()
                    ));
                }
                env.push_str("\n  RUST_LOG                 log filter, overrides -v");
                (env, VENDOR_EXIT)
            }
        };
        format!("Environment:\n{env}\n\nExit codes:\n{exit}\n")
    }

    /// The shared [`Cli`] as this binary: its name, about, version and after-help.
    pub fn command(&self, job: &Job<'_>) -> clap::Command {
        Cli::command()
            .name(self.name)
            .bin_name(self.name)
            .about(self.about)
            .long_about(None)
            .version(self.long_version().leak() as &'static str)
            .after_help(self.after_help(job))
    }

    /// Parses these arguments as this binary; `--help`, `-V` and bad flags are clap's errors
    /// (print them with `Error::exit` or `Error::render`).
    pub fn try_parse_from<I, T>(&self, job: &Job<'_>, args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let matches = self.command(job).try_get_matches_from(args)?;
        Cli::from_arg_matches(&matches)
    }

    /// Parses the process's arguments as this binary; prints help, version or a flag error
    /// and exits (0, or 2 for a bad flag) as clap does.
    pub fn parse(&self, job: &Job<'_>) -> Cli {
        self.try_parse_from(job, std::env::args_os())
            .unwrap_or_else(|e| e.exit())
    }
}

/// The [`Binary`] the older entry points ([`crate::accounts_main`], [`crate::vendor_main`])
/// run as: the facade's name and version.
pub const GENERIC: Binary = Binary {
    name: "roster",
    version: env!("CARGO_PKG_VERSION"),
    about: "Keep a school district's accounts and vendor rosters in step with its SIS",
};
