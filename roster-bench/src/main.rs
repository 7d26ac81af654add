//! roster-bench: the performance harness of DESIGN §9.
//!
//! In one run, on one generated district and one Directory API emulator, it measures:
//!
//! 1. a no-change sync of N students, roster (bulk list of the managed OU roots + plan)
//!    against the seed-style baseline (one `users.list?query=email=...` per student,
//!    sequential), as API calls and wall time, with ratios;
//! 2. an apply of many creates against an emulator quota, the client at the same rate:
//!    achieved share of the quota, failed changes, 403/429 answers and retries;
//! 3. a plan of 1,000,000 people against 1,000,000 accounts in memory: time and peak RSS;
//! 4. a 1,000,000-row ST Math `students.csv` and a OneRoster zip for the same roster;
//! 5. the no-change sync's read at Google's observed latency ([`realistic`]): roster against a
//!    GAM-style read and the quota floor;
//! 6. a start-of-year rollover of N students at a quota: write calls per changed account,
//!    achieved share of the quota, failures, next plan (`rollover.rs`);
//! 7. reading 100,000 students through the PowerSchool API emulator at 200 ms per page.
//!
//! ```text
//! cargo run --release -p roster-bench -- [--quick] [--json] [--only sync,apply,plan,vendor,realistic,rollover,powerschool-api]
//! ```
//! Sections 3 and 4 run first (so the peak RSS of section 3 is not the emulator's), the
//! table lists them in the order above. Output: a Markdown table, or JSON with `--json`.

mod google;
mod inmem;
mod psapi;
mod realistic;
mod rollover;
mod synth;
mod sys;
mod table;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use chrono::NaiveDate;
use clap::{Parser, ValueEnum};
use serde::Serialize;
use tracing_subscriber::EnvFilter;

#[global_allocator]
static ALLOC: sys::Counting = sys::Counting;

/// The sections of the bench.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Section {
    /// 1. No-change sync: roster vs the seed-style baseline.
    Sync,
    /// 2. Apply of creates at the emulator's quota.
    Apply,
    /// 3. Plan of many people in memory.
    Plan,
    /// 4. ST Math CSV and OneRoster zip.
    Vendor,
    /// Section 5: the no-change read at the realistic latency profile.
    Realistic,
    /// 6. Start-of-year rollover at a quota: one write per changed account.
    Rollover,
    /// 7. Students through the PowerSchool API emulator.
    PowerschoolApi,
}

/// Performance harness: roster against the seed-style baseline (DESIGN §9).
#[derive(Debug, Parser)]
#[command(name = "roster-bench", version)]
struct Args {
    /// Students in the generated district for the no-change sync [default: 100000; quick 5000].
    #[arg(long)]
    students: Option<usize>,
    /// Creates applied at quota [default: 20000; quick 1000].
    #[arg(long)]
    creates: Option<usize>,
    /// People (and accounts) planned in memory [default: 1000000; quick 100000].
    #[arg(long)]
    plan_people: Option<usize>,
    /// Rows of the ST Math students.csv [default: 1000000; quick 100000].
    #[arg(long)]
    csv_rows: Option<usize>,
    /// Latency the emulator adds to every API call, in ms.
    #[arg(long, default_value_t = 20)]
    latency_ms: u64,
    /// Emulator quota for the apply section (the client runs at the same rate).
    #[arg(long, default_value_t = 6_000)]
    quota_per_minute: u32,
    /// Students the seed-style baseline handles before its time is extrapolated
    /// [default: 1000; quick 200].
    #[arg(long)]
    baseline_sample: Option<usize>,
    /// Students in the start-of-year rollover (section 6) [default: 100000; quick 5000].
    #[arg(long)]
    rollover_students: Option<usize>,
    /// Emulator quota for the rollover; the client runs at the same rate. Google's default is
    /// 2,400/min: 30,000/min keeps the section at about 4 minutes (the share of the quota is
    /// what is measured).
    #[arg(long, default_value_t = 30_000)]
    rollover_quota_per_minute: u32,
    /// One constant latency for every call of the rollover's apply, in ms, instead of the
    /// realistic profile (300 ms per read + 2 ms per listed item, 250 ms per write, ±20%).
    #[arg(long)]
    rollover_latency_ms: Option<u64>,
    /// Accounts the rollover's apply works on at once (the quota needs rate x latency calls
    /// in flight: 500/s x 0.25 s = 125).
    #[arg(long, default_value_t = 200)]
    rollover_concurrency: usize,
    /// Small sizes: the whole run takes under a minute.
    #[arg(long)]
    quick: bool,
    /// Students read through the PowerSchool API emulator [default: 100000; quick 5000].
    #[arg(long)]
    api_students: Option<usize>,
    /// Latency of each PowerSchool API call (section 7), in ms.
    #[arg(long, default_value_t = 200)]
    api_latency_ms: u64,
    /// PowerSchool API page size (section 7).
    #[arg(long, default_value_t = 100)]
    api_page_size: u32,
    /// PowerSchool API pages in flight (section 7).
    #[arg(long, default_value_t = 4)]
    api_concurrency: usize,
    /// Print JSON instead of the Markdown table.
    #[arg(long)]
    json: bool,
    /// Also write the JSON report to this file.
    #[arg(long)]
    json_out: Option<PathBuf>,
    /// Run only these sections (comma-separated).
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Section>,
    /// Where the district and the vendor files go [default: a fresh directory under the
    /// system temp dir, removed at the end].
    #[arg(long)]
    work_dir: Option<PathBuf>,
    /// The run's "today" (school year, graduation years).
    #[arg(long, default_value = "2026-10-01")]
    today: NaiveDate,
}

/// The sizes one run uses, after `--quick` and the flags.
#[derive(Debug, Clone, Serialize)]
pub struct Sizes {
    pub students: usize,
    pub creates: usize,
    pub plan_people: usize,
    pub csv_rows: usize,
    pub latency_ms: u64,
    pub quota_per_minute: u32,
    pub baseline_sample: usize,
    pub quick: bool,
}

/// Everything one run measured.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub machine: sys::Machine,
    pub sizes: Sizes,
    pub google: Option<google::GoogleResult>,
    pub plan: Option<inmem::PlanResult>,
    pub vendor: Option<inmem::VendorResult>,
    pub rollover: Option<rollover::RolloverResult>,
    pub powerschool_api: Option<psapi::ApiResult>,
    /// Targets missed, one line each.
    pub missed: Vec<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("warn,roster_bench=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();

    let q = args.quick;
    let pick =
        |v: Option<usize>, full: usize, quick: usize| v.unwrap_or(if q { quick } else { full });
    let sizes = Sizes {
        students: pick(args.students, 100_000, 5_000),
        creates: pick(args.creates, 20_000, 1_000),
        plan_people: pick(args.plan_people, 1_000_000, 100_000),
        csv_rows: pick(args.csv_rows, 1_000_000, 100_000),
        latency_ms: args.latency_ms,
        quota_per_minute: args.quota_per_minute,
        baseline_sample: pick(args.baseline_sample, 1_000, 200),
        quick: q,
    };
    let runs = |s: Section| args.only.is_empty() || args.only.contains(&s);

    let (work_dir, remove) = match &args.work_dir {
        Some(d) => (d.clone(), false),
        None => (
            std::env::temp_dir().join(format!("roster-bench-{}", std::process::id())),
            true,
        ),
    };
    if let Err(e) = std::fs::create_dir_all(&work_dir) {
        tracing::error!(dir = %work_dir.display(), error = %e, "cannot create the work directory");
        return ExitCode::from(2);
    }

    let mut report = BenchReport {
        machine: sys::Machine::now(),
        sizes: sizes.clone(),
        google: None,
        plan: None,
        vendor: None,
        rollover: None,
        powerschool_api: None,
        missed: Vec::new(),
    };
    let mut fatal = false;

    if runs(Section::Plan) {
        report.plan = Some(inmem::plan_bench(sizes.plan_people, args.today));
    }
    if runs(Section::Vendor) {
        match inmem::vendor_bench(sizes.csv_rows, args.today, &work_dir) {
            Ok(v) => report.vendor = Some(v),
            Err(e) => {
                tracing::error!(error = %e, "vendor section failed");
                fatal = true;
            }
        }
    }
    if runs(Section::Sync) || runs(Section::Apply) || runs(Section::Realistic) {
        let cfg = google::GoogleBench {
            students: sizes.students,
            creates: sizes.creates,
            latency: Duration::from_millis(sizes.latency_ms),
            quota_per_minute: sizes.quota_per_minute,
            baseline_sample: sizes.baseline_sample,
            today: args.today,
            run_sync: runs(Section::Sync),
            run_apply: runs(Section::Apply),
            run_realistic: runs(Section::Realistic),
        };
        let rt = match tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                tracing::error!(error = %e, "cannot start tokio");
                return ExitCode::from(2);
            }
        };
        match rt.block_on(google::run(&cfg, &work_dir)) {
            Ok(g) => report.google = Some(g),
            Err(e) => {
                tracing::error!(error = %e, "directory sections failed");
                fatal = true;
            }
        }
    }
    if runs(Section::Rollover) {
        let cfg = rollover::RolloverBench {
            students: pick(args.rollover_students, 100_000, 5_000),
            latency: args
                .rollover_latency_ms
                .map_or_else(roster_google_emulator::LatencyModel::realistic, |ms| {
                    roster_google_emulator::LatencyModel::constant(Duration::from_millis(ms))
                }),
            quota_per_minute: args.rollover_quota_per_minute,
            concurrency: args.rollover_concurrency,
            today: args.today,
        };
        let result = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
            .and_then(|rt| rt.block_on(rollover::run(&cfg)).map_err(|e| e.to_string()));
        match result {
            Ok(r) => report.rollover = Some(r),
            Err(e) => {
                tracing::error!(error = %e, "rollover section failed");
                fatal = true;
            }
        }
    }
    if runs(Section::PowerschoolApi) {
        let cfg = psapi::ApiBench {
            students: pick(args.api_students, 100_000, 5_000),
            latency: Duration::from_millis(args.api_latency_ms),
            page_size: args.api_page_size,
            concurrency: args.api_concurrency,
            today: args.today,
        };
        let result = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
            .and_then(|rt| rt.block_on(psapi::run(&cfg, &work_dir)));
        match result {
            Ok(r) => report.powerschool_api = Some(r),
            Err(e) => {
                tracing::error!(error = %e, "powerschool-api section failed");
                fatal = true;
            }
        }
    }
    if remove {
        let _ = std::fs::remove_dir_all(&work_dir);
    }

    report.machine.loadavg_end = sys::loadavg();
    report.missed = table::missed(&report);
    if let Some(path) = &args.json_out {
        let written = serde_json::to_vec_pretty(&report)
            .map_err(std::io::Error::other)
            .and_then(|bytes| std::fs::write(path, bytes));
        if let Err(e) = written {
            tracing::error!(path = %path.display(), error = %e, "cannot write the JSON report");
        }
    }
    if args.json {
        match serde_json::to_string_pretty(&report) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                tracing::error!(error = %e, "cannot serialise the report");
                return ExitCode::from(2);
            }
        }
    } else {
        print!("{}", table::markdown(&report));
        if let Some(r) = &report.powerschool_api {
            print!("{}", psapi::markdown(r));
        }
    }
    if fatal {
        ExitCode::from(2)
    } else if report.missed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
