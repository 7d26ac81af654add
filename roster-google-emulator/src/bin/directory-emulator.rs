//! `directory-emulator`: run the Directory API emulator as a standalone server.
//!
//! ```text
//! directory-emulator --port 8089 --domain d118.org --state emu.json --latency-ms 20 \
//!     --quota-per-minute 2400 --fault-503 0.01 --seed 7
//! directory-emulator --profile realistic --quota-per-minute 2400    # Google's observed speed
//! directory-emulator --latency-ms 300 --latency-per-user-us 2000 --write-latency-ms 250 \
//!     --jitter-pct 20                                                # the same, spelled out
//! ```
//! Prints the base URL and token URL, serves until Ctrl-C, then saves the state (when `--state`
//! is given). Seed users, org units, schemas, groups and credentials through the state file or
//! `PUT /emulator/state`; change knobs at run time with `POST /emulator/config`.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use roster_google_emulator::{
    Auth, Consistency, Emulator, EmulatorConfig, Faults, LatencyModel, OverQuota, Quota,
};

#[derive(Debug, Parser)]
#[command(
    name = "directory-emulator",
    about = "Local emulator of Google's Admin SDK Directory API"
)]
struct Args {
    /// Port to listen on (0 = any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// State file: loaded at start when it exists, saved on Ctrl-C.
    #[arg(long)]
    state: Option<PathBuf>,
    /// A domain of the customer (repeatable; default example.edu).
    #[arg(long = "domain")]
    domains: Vec<String>,
    /// Customer id (`my_customer` is always accepted too).
    #[arg(long)]
    customer_id: Option<String>,
    /// Latency added to every API call, in milliseconds (with --profile: its per-call base).
    #[arg(long)]
    latency_ms: Option<u64>,
    /// Latency added per user (member, group) a list call returns, in microseconds.
    #[arg(long)]
    latency_per_user_us: Option<u64>,
    /// Latency of write calls instead of --latency-ms, in milliseconds.
    #[arg(long)]
    write_latency_ms: Option<u64>,
    /// Jitter of every delay, in percent (0-100; drawn from a generator seeded with --seed).
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=100))]
    jitter_pct: Option<u8>,
    /// Start from a named latency profile (`realistic`: Google's observed speed, see
    /// docs/PERFORMANCE.md); the latency flags above override its parts.
    #[arg(long, value_enum)]
    profile: Option<Profile>,
    /// Per-user quota in calls per minute (0 = unlimited).
    #[arg(long, default_value_t = 0)]
    quota_per_minute: u32,
    /// Token-bucket burst (default: one second's worth of the quota).
    #[arg(long)]
    burst: Option<u32>,
    /// Answer over-quota calls with 429 rateLimitExceeded instead of 403 userRateLimitExceeded.
    #[arg(long)]
    quota_429: bool,
    /// Requests one user may have in flight at once (more answer 403 quotaExceeded).
    #[arg(long)]
    max_concurrent: Option<u32>,
    /// Probability of a 503 backendError per call.
    #[arg(long = "fault-503", default_value_t = 0.0)]
    fault_503: f64,
    /// Probability of a 429 rateLimitExceeded per call.
    #[arg(long = "fault-429", default_value_t = 0.0)]
    fault_429: f64,
    /// Probability of closing the connection without a response per call.
    #[arg(long = "fault-drop", default_value_t = 0.0)]
    fault_drop: f64,
    /// Seed of the fault generator.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// No authentication: every call is accepted as `anonymous`.
    #[arg(long)]
    open: bool,
    /// Eventual consistency: hide users created or changed through the API from users.list
    /// for this many milliseconds (0 = immediately consistent).
    #[arg(long, default_value_t = 0)]
    list_lag_ms: u64,
    /// Answer users.update/patch/makeAdmin of a user created less than this many milliseconds
    /// ago with Google's 412 "User creation is not complete." (0 = off).
    #[arg(long, default_value_t = 0)]
    settle_ms: u64,
}

/// A named latency profile.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Profile {
    /// No added latency (the default).
    None,
    /// [`LatencyModel::realistic`]: 300 ms per call + 2 ms per returned user, writes 250 ms,
    /// ±20% jitter.
    Realistic,
}

impl Args {
    /// The latency model the flags describe.
    fn latency(&self) -> LatencyModel {
        let mut m = match self.profile {
            Some(Profile::Realistic) => LatencyModel::realistic(),
            Some(Profile::None) | None => LatencyModel::default(),
        };
        if let Some(ms) = self.latency_ms {
            m.base = Duration::from_millis(ms);
        }
        if let Some(us) = self.latency_per_user_us {
            m.per_user = Duration::from_micros(us);
        }
        if let Some(ms) = self.write_latency_ms {
            m.write = Some(Duration::from_millis(ms));
        }
        if let Some(p) = self.jitter_pct {
            m.jitter_pct = p;
        }
        m
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    for (name, rate) in [
        ("--fault-503", args.fault_503),
        ("--fault-429", args.fault_429),
        ("--fault-drop", args.fault_drop),
    ] {
        if !(0.0..=1.0).contains(&rate) {
            return Err(format!("{name} must be between 0 and 1, got {rate}").into());
        }
    }
    let mut config = EmulatorConfig {
        port: args.port,
        latency: Duration::from_millis(args.latency_ms.unwrap_or(0)),
        latency_model: Some(args.latency()),
        faults: Faults {
            backend_error: args.fault_503,
            too_many_requests: args.fault_429,
            drop_connection: args.fault_drop,
        },
        quota: (args.quota_per_minute > 0).then(|| {
            let mut q = Quota::per_minute(args.quota_per_minute);
            if let Some(b) = args.burst {
                q.burst = b.max(1);
            }
            if args.quota_429 {
                q.over_quota = OverQuota::TooManyRequests;
            }
            q
        }),
        max_concurrent_per_user: args.max_concurrent,
        auth: if args.open {
            Auth::Open
        } else {
            Auth::Required
        },
        seed: args.seed,
        consistency: Consistency {
            list_lag: Duration::from_millis(args.list_lag_ms),
            settle: Duration::from_millis(args.settle_ms),
        },
        ..Default::default()
    };
    if !args.domains.is_empty() {
        config.domains = args.domains.clone();
    }
    if let Some(c) = &args.customer_id {
        config.customer_id = c.clone();
    }
    let emulator = Emulator::start(config)?;
    if let Some(path) = &args.state
        && path.exists()
    {
        emulator.load_state(path)?;
        tracing::info!(path = %path.display(), "loaded state");
    }
    println!("base_url {}", emulator.base_url());
    println!("token_url {}", emulator.token_url());

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(tokio::signal::ctrl_c())?;
    if let Some(path) = &args.state {
        emulator.save_state(path)?;
        tracing::info!(path = %path.display(), "saved state");
    }
    emulator.shutdown();
    Ok(())
}
