//! The embedded demo: a generated PowerSchool-shaped SQLite district and an in-process
//! Directory API emulator, wired exactly like production (the real client, the real
//! service-account flow over HTTP). Used by `--demo`, the quickstart, the end-to-end tests
//! and the benchmarks.
//!
//! State survives between runs: the district file and the emulator's state live under the
//! output directory (`demo-district.sqlite`, `demo-directory.json`), so `plan`, `apply`,
//! `plan` in three processes behave like three nightly runs.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use roster_core::source::BoxError;
use roster_core::{DirectoryTarget, OrgUnitPath, Secret};
use roster_google::{ClientConfig, DirectoryClient, GoogleDirectory, ServiceAccountAuth};
use roster_google_emulator::{Emulator, EmulatorConfig, RunningEmulator, test_keys};
use roster_powerschool_emulator::{
    EmulatorConfig as PsEmulatorConfig, PowerSchoolEmulator, RunningPowerSchool,
};
use roster_sis::demo::{self, DemoConfig};
use roster_sis::powerschool::{
    ApiConfig, PowerSchoolApi, PowerSchoolOptions, PowerSchoolSource, SqliteBackend,
};
use serde_json::json;

/// Students in the demo district unless asked otherwise (`--demo-students`).
pub const DEMO_STUDENTS: usize = 2_000;
/// The most students `--demo-students` accepts (the generator makes 100,000 in ~2.5 s).
pub const MAX_DEMO_STUDENTS: usize = 200_000;
/// The generator's seed (D118's number; any fixed value gives the same district).
pub const DEMO_SEED: u64 = 118;
/// The admin the demo service account acts as.
pub const DEMO_ADMIN: &str = "admin";

/// A running demo environment.
pub struct Demo {
    pub db: PathBuf,
    pub state_file: PathBuf,
    pub domain: String,
    pub emulator: RunningEmulator,
    /// The PowerSchool API emulator over [`Demo::db`], started by the first
    /// [`Demo::powerschool_api`] (`--demo --sis powerschool-api`).
    powerschool: std::sync::OnceLock<RunningPowerSchool>,
}

/// The folder under `--out` that `--demo --sis powerschool-api` writes the plugin to.
const DEMO_PLUGIN_DIR: &str = "demo-powerschool-plugin";

/// Why the demo could not be set up: the step, and the cause.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("demo: {what}: {source}")]
    Setup {
        what: String,
        #[source]
        source: BoxError,
    },
}

fn setup<E: Into<BoxError>>(what: &str) -> impl FnOnce(E) -> DemoError + '_ {
    move |e| DemoError::Setup {
        what: what.to_string(),
        source: e.into(),
    }
}

impl Demo {
    /// Builds the district under `out` if absent (with staff emails in `domain`, and KIPP
    /// Chicago's campuses for its domain, D118's buildings for any other), starts the
    /// emulator, and loads its saved state or seeds a fresh directory with the custom schemas
    /// the district policies write.
    pub fn start(
        out: &Path,
        domain: &str,
        today: NaiveDate,
        students: usize,
    ) -> Result<Demo, DemoError> {
        std::fs::create_dir_all(out).map_err(setup("cannot create the output directory"))?;
        let db = out.join("demo-district.sqlite");
        // The district is regenerated when asked for another size or date (`--demo-students`,
        // `--today`); the directory is kept, so a later date rehearses what changes.
        let made_for = out.join("demo-district.json");
        // The domain picks the district's schools (`DemoDistrict::for_domain`: KIPP Chicago's
        // campuses for its domain, D118's buildings otherwise) and the staff emails.
        let wanted =
            json!({"students": students, "today": today.to_string(), "domain": domain}).to_string();
        let current = std::fs::read_to_string(&made_for).ok();
        if db.exists() && current.as_deref() != Some(wanted.as_str()) {
            std::fs::remove_file(&db).map_err(setup("cannot replace the demo district"))?;
        }
        if !db.exists() {
            let mut config = DemoConfig::new(students, DEMO_SEED, today);
            config.domain = domain.to_string();
            config.district = demo::DemoDistrict::for_domain(domain);
            let summary =
                demo::generate(&db, &config).map_err(setup("cannot generate the demo district"))?;
            tracing::info!(
                students = summary.students,
                staff = summary.users,
                path = %db.display(),
                "generated the demo district"
            );
            std::fs::write(&made_for, &wanted)
                .map_err(setup("cannot write the demo district's description"))?;
        }
        let emulator = Emulator::start(EmulatorConfig {
            domains: vec![domain.to_string()],
            ..EmulatorConfig::default()
        })
        .map_err(setup("cannot start the directory emulator"))?;
        let state_file = out.join("demo-directory.json");
        if state_file.exists() {
            emulator
                .load_state(&state_file)
                .map_err(setup("cannot load the emulator state"))?;
        } else {
            for schema in demo_schemas() {
                emulator
                    .add_schema(&schema)
                    .map_err(setup("cannot add a schema"))?;
            }
        }
        Ok(Demo {
            db,
            state_file,
            domain: domain.to_string(),
            emulator,
            powerschool: std::sync::OnceLock::new(),
        })
    }

    /// The demo district through PowerSchool's API: the plugin the district installs (the
    /// core queries and the statements in `options`, as its binary's `plugin` subcommand
    /// writes them, under `out`) served by the PowerSchool API emulator
    /// from the demo's database, and a [`PowerSchoolApi`] source that reads it over HTTP with
    /// the emulator's client id and secret.
    pub fn powerschool_api(
        &self,
        out: &Path,
        options: PowerSchoolOptions,
    ) -> Result<PowerSchoolApi, DemoError> {
        let config =
            PsEmulatorConfig::new(&self.db, out.join(DEMO_PLUGIN_DIR).join("queries_root"));
        let credentials = (config.client_id.clone(), config.client_secret.clone());
        let server = match self.powerschool.get() {
            Some(server) => server,
            None => {
                // The plugin this district installs: what its binary's `plugin` writes.
                crate::plugin::write(&out.join(DEMO_PLUGIN_DIR), &options)
                    .map_err(setup("cannot write the PowerSchool plugin"))?;
                let server = PowerSchoolEmulator::start(config)
                    .map_err(setup("cannot start the PowerSchool API emulator"))?;
                self.powerschool.get_or_init(|| server)
            }
        };
        let (client_id, client_secret) = credentials;
        let config = ApiConfig::new(server.base_url(), client_id, Secret::new(client_secret));
        PowerSchoolApi::api(config, options).map_err(setup("cannot set up the PowerSchool API"))
    }

    /// The demo district as a PowerSchool source.
    pub fn sis(
        &self,
        options: PowerSchoolOptions,
    ) -> Result<PowerSchoolSource<SqliteBackend>, DemoError> {
        PowerSchoolSource::sqlite(&self.db, options).map_err(setup("cannot open the demo district"))
    }

    /// The demo's service account, registered with the emulator (delegated for every scope):
    /// its key file's JSON and the admin it acts as.
    pub fn service_account(&self) -> Result<(String, String), DemoError> {
        let client_email = format!("roster-demo@{}.iam.gserviceaccount.com", "demo-project");
        let (key_json, public_pem) =
            test_keys::service_account_key(&client_email, &self.emulator.token_url());
        let admin = format!("{DEMO_ADMIN}@{}", self.domain);
        self.emulator
            .register_service_account(&client_email, &public_pem, &[&admin])
            .map_err(setup("cannot register the service account"))?;
        Ok((key_json, admin))
    }

    /// A Google target that authenticates like production: a freshly generated service-account
    /// key, registered with the emulator, exchanged for tokens with a signed JWT.
    pub async fn directory(&self, config: ClientConfig) -> Result<GoogleDirectory, DemoError> {
        self.directory_with(config, false).await
    }

    /// [`Self::directory`]; with `licensing`, the token also carries the licensing scope and
    /// the target can remove licences.
    pub async fn directory_with(
        &self,
        config: ClientConfig,
        licensing: bool,
    ) -> Result<GoogleDirectory, DemoError> {
        let (key_json, admin) = self.service_account()?;
        let scopes = roster_google::licensing::scopes_for(licensing);
        let auth = ServiceAccountAuth::from_key_json(&key_json, &admin, &scopes)
            .await
            .map_err(setup("service account"))?;
        let client = DirectoryClient::new(
            ClientConfig {
                base_url: self.emulator.base_url(),
                ..config
            },
            Arc::new(auth),
        )
        .map_err(setup("client"))?;
        let target = GoogleDirectory::new(Arc::new(client)).acting_as(admin);
        Ok(if licensing {
            target.with_licensing()
        } else {
            target
        })
    }

    /// The SIS and the directory for a job, with the job's managed OU roots created as they
    /// would exist in a real domain. The client runs faster than Google's quota: the
    /// emulator has none unless asked (production uses [`ClientConfig::default`]'s 40/s).
    pub async fn connect(
        &self,
        options: PowerSchoolOptions,
        roots: &[OrgUnitPath],
    ) -> Result<(PowerSchoolSource<SqliteBackend>, GoogleDirectory), DemoError> {
        self.connect_with(options, roots, false).await
    }

    /// [`Self::connect`]; with `licensing`, for a job that removes licences
    /// ([`Self::directory_with`]).
    pub async fn connect_with(
        &self,
        options: PowerSchoolOptions,
        roots: &[OrgUnitPath],
        licensing: bool,
    ) -> Result<(PowerSchoolSource<SqliteBackend>, GoogleDirectory), DemoError> {
        let sis = self.sis(options)?;
        let target = self.directory_with(demo_client_config(), licensing).await?;
        for root in roots {
            target
                .ensure_org_unit(root)
                .await
                .map_err(setup(&format!("cannot create {root}")))?;
        }
        Ok((sis, target))
    }

    /// Forgets the directory's accounts: the next [`Demo::start`] seeds a fresh one.
    pub fn reset_directory(out: &Path) -> std::io::Result<()> {
        match std::fs::remove_file(out.join("demo-directory.json")) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Saves the directory so the next run sees what this one did.
    pub fn save(&self) -> Result<(), DemoError> {
        self.emulator
            .save_state(&self.state_file)
            .map_err(setup("cannot save the emulator state"))
    }
}

/// The initial password of accounts a `--demo` run creates when `NEW_USER_PASSWORD` is unset.
pub const DEMO_PASSWORD: &str = "Welcome-to-roster-2026";

/// The demo client: 500 requests/s, 32 in flight (the emulator has no quota by default).
pub fn demo_client_config() -> ClientConfig {
    ClientConfig {
        rate_per_second: 500.0,
        burst: 50,
        max_in_flight: 32,
        ..ClientConfig::default()
    }
}

/// The custom schemas of DESIGN §5 (D118's `Synchronization_Data` and `CrisisGO`).
pub fn demo_schemas() -> Vec<serde_json::Value> {
    let field = |name: &str, kind: &str| {
        json!({"fieldName": name, "fieldType": kind, "multiValued": false, "indexed": true,
               "readAccessType": "ADMINS_AND_SELF"})
    };
    vec![
        json!({
            "schemaName": "Synchronization_Data",
            "displayName": "Synchronization Data",
            "fields": [
                field("DCID", "INT64"),
                field("Homeschool_ID", "INT64"),
                field("Graduation_Year", "INT64"),
                field("School_Access_List", "STRING"),
                field("Staff_Type", "INT64"),
                field("Staff_Group", "INT64"),
                field("Teacher-Number", "STRING"),
            ]
        }),
        json!({
            "schemaName": "CrisisGO",
            "displayName": "CrisisGO",
            "fields": [field("Building", "STRING"), field("CellPhone", "STRING")]
        }),
    ]
}
