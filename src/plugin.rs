//! `DISTRICT-BINARY plugin DIR`: the PowerSchool plugin that district installs for
//! `--sis powerschool-api` — the core PowerQueries (`roster_sis::powerschool::plugin`, the
//! repository's `powerschool-plugin/`) and one for each statement the district's own code
//! adds in its [`Site::powerschool`] options (KIPP's web logins). District rules are code in
//! `districts/`, so each binary writes its own plugin; `--demo --sis powerschool-api` serves
//! the same files.

use std::path::Path;
use std::process::ExitCode;

use roster_sis::powerschool::{PowerSchoolOptions, plugin};

use crate::district::Site;

/// The folder a `plugin` subcommand writes to. Interned (leaked once per process, one path)
/// so [`crate::Mode`] stays `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PluginDir(&'static Path);

impl PluginDir {
    /// The folder.
    pub fn path(self) -> &'static Path {
        self.0
    }
}

impl PluginDir {
    /// The command line's DIR: any path but an empty one (or one with a control character).
    pub fn parse(s: &str) -> Result<PluginDir, String> {
        if s.trim().is_empty() {
            return Err("the plugin folder is empty".into());
        }
        if s.chars().any(char::is_control) {
            return Err("the plugin folder has a control character".into());
        }
        Ok(PluginDir(Box::leak(
            Path::new(s).to_path_buf().into_boxed_path(),
        )))
    }
}

/// What `plugin DIR` wrote: the files, and the names of the district's own PowerQueries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// Every file written, under DIR.
    pub files: Vec<std::path::PathBuf>,
    /// `org.roster.sync.web_logins.district`, ...: empty when the district adds none (its
    /// plugin is then the core one, `powerschool-plugin/`).
    pub district_queries: Vec<String>,
}

/// Writes the plugin of a district with these options under `dir`.
pub fn write(dir: &Path, options: &PowerSchoolOptions) -> std::io::Result<Written> {
    let files = plugin::write_plugin(dir, plugin::plugin_files_for(options))
        .map_err(|(file, e)| std::io::Error::new(e.kind(), format!("{}: {e}", file.display())))?;
    Ok(Written {
        files,
        district_queries: plugin::district_queries(options)
            .into_iter()
            .map(|q| q.name)
            .collect(),
    })
}

/// The whole `plugin DIR` run: writes the files, lists them on stdout; exit 0, or 2 naming
/// the file that could not be written.
pub fn main(dir: PluginDir, site: &Site) -> ExitCode {
    match write(dir.path(), &site.powerschool) {
        Ok(w) => {
            for f in &w.files {
                println!("{}", f.display());
            }
            if w.district_queries.is_empty() {
                eprintln!(
                    "the core plugin (the repository's powerschool-plugin/): this district adds no statement"
                );
            } else {
                eprintln!(
                    "the core plugin and the district's own PowerQueries: {}",
                    w.district_queries.join(", ")
                );
            }
            eprintln!(
                "install {} in PowerSchool (System > System Settings > Plugin Management Configuration); see powerschool-plugin/README.md",
                dir.path().display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot write the PowerSchool plugin: {e}");
            ExitCode::from(2)
        }
    }
}
