//! `powerschool-emulator`: serve the plugin's PowerQueries from a PowerSchool-shaped SQLite
//! database (e.g. `roster-sis demo-db --out demo.sqlite`).
//!
//! ```text
//! powerschool-emulator --db demo.sqlite --queries powerschool-plugin/queries_root --port 8090 \
//!     --latency-ms 200 --max-page-size 100 --fault-503 0.01
//! ```
//! Prints the `POWERSCHOOL_*` settings to use and serves until Ctrl-C.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use roster_powerschool_emulator::{EmulatorConfig, Faults, PowerSchoolEmulator};

#[derive(Debug, Parser)]
#[command(
    name = "powerschool-emulator",
    about = "Local emulator of PowerSchool's plugin API (OAuth and PowerQueries)"
)]
struct Args {
    /// The PowerSchool-shaped SQLite database.
    #[arg(long)]
    db: PathBuf,
    /// The plugin's queries_root folder.
    #[arg(long, default_value = "powerschool-plugin/queries_root")]
    queries: PathBuf,
    /// Port to listen on (0 = any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The client id the token endpoint accepts.
    #[arg(long, default_value = "roster-client")]
    client_id: String,
    /// The client secret the token endpoint accepts (a test value, not a real secret).
    #[arg(long, default_value = "roster-secret")]
    client_secret: String,
    /// Token lifetime in seconds.
    #[arg(long, default_value_t = 3600)]
    token_ttl_secs: u64,
    /// The plugin's Maximum Page Size.
    #[arg(long, default_value_t = 100)]
    max_page_size: u32,
    /// Latency added to every query call, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Probability of a 429 per query call.
    #[arg(long = "fault-429", default_value_t = 0.0)]
    fault_429: f64,
    /// Probability of a 503 per query call.
    #[arg(long = "fault-503", default_value_t = 0.0)]
    fault_503: f64,
    /// Probability of closing the connection without an answer per query call.
    #[arg(long = "fault-drop", default_value_t = 0.0)]
    fault_drop: f64,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let mut config = EmulatorConfig::new(&args.db, &args.queries);
    config.port = args.port;
    config.client_id = args.client_id.clone();
    config.client_secret = args.client_secret;
    config.token_ttl = Duration::from_secs(args.token_ttl_secs);
    config.max_page_size = args.max_page_size;
    config.latency = Duration::from_millis(args.latency_ms);
    config.faults = Faults {
        p429: args.fault_429,
        p503: args.fault_503,
        drop: args.fault_drop,
    };
    let running = match PowerSchoolEmulator::start(config) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("powerschool-emulator: {e}");
            return ExitCode::from(2);
        }
    };
    println!("POWERSCHOOL_API_URL={}", running.base_url());
    println!("POWERSCHOOL_CLIENT_ID={}", args.client_id);
    println!("POWERSCHOOL_CLIENT_SECRET=(the --client-secret value)");
    println!("{} queries; Ctrl-C stops", running.query_names().len());
    let _ = tokio::signal::ctrl_c().await;
    running.shutdown();
    ExitCode::SUCCESS
}
