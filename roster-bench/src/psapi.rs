//! Section 7: reading students through the PowerSchool API emulator (issue 17): a generated
//! district served by the plugin's PowerQueries with a latency per page, read by
//! `PowerSchoolApi` with its configured page size and concurrency.
//!
//! The floor is what the concurrency allows: every call that must wait for another (the
//! schools count and page, the students count) plus `ceil(pages / concurrency)` rounds of
//! pages, each one latency long. Target: wall time at most 1.5x the floor.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use roster_core::{Scope, Secret, SisSource};
use roster_powerschool_emulator::{EmulatorConfig, PowerSchoolEmulator};
use roster_sis::demo::{self, DemoConfig};
use roster_sis::powerschool::{ApiConfig, PowerSchoolApi, PowerSchoolOptions};
use serde::Serialize;

/// Target: wall time / floor.
pub const FLOOR_RATIO_MAX: f64 = 1.5;

/// What section 7 runs.
#[derive(Debug, Clone)]
pub struct ApiBench {
    /// Students in the generated district.
    pub students: usize,
    /// Emulator latency per query call.
    pub latency: Duration,
    /// Records per page.
    pub page_size: u32,
    /// Pages in flight.
    pub concurrency: usize,
    /// The generator's today.
    pub today: NaiveDate,
}

/// What section 7 measured.
#[derive(Debug, Clone, Serialize)]
pub struct ApiResult {
    pub students_generated: usize,
    pub students_loaded: usize,
    pub row_errors: usize,
    pub latency_ms: u64,
    pub page_size: u32,
    pub concurrency: usize,
    /// Pages read (schools and students).
    pub pages: u64,
    /// HTTP requests (token, counts, pages).
    pub requests: u64,
    pub retries: u64,
    pub wall_s: f64,
    /// What the concurrency allows (see the module docs).
    pub floor_s: f64,
    pub floor_ratio: f64,
    /// Time requests were in flight, summed, over wall time x concurrency: the share of the
    /// page slots spent waiting for PowerSchool.
    pub waiting_share: f64,
    /// Generating the district (not part of the read).
    pub generate_s: f64,
}

/// The plugin's queries, next to this crate in the repository.
fn queries_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../powerschool-plugin/queries_root")
}

/// Generates the district, starts the emulator, reads the students once through the API.
pub async fn run(cfg: &ApiBench, work_dir: &Path) -> Result<ApiResult, String> {
    let db = work_dir.join(format!("powerschool-api-{}.sqlite", cfg.students));
    let started = Instant::now();
    let _ = std::fs::remove_file(&db);
    demo::generate(&db, &DemoConfig::new(cfg.students, 118, cfg.today))
        .map_err(|e| format!("generate: {e}"))?;
    let generate_s = started.elapsed().as_secs_f64();
    let secret = "bench-secret";
    let mut ec = EmulatorConfig::new(&db, queries_root());
    ec.client_secret = secret.into();
    ec.latency = cfg.latency;
    ec.max_page_size = cfg.page_size;
    let emu = PowerSchoolEmulator::start(ec).map_err(|e| e.to_string())?;
    let mut ac = ApiConfig::new(emu.base_url(), "roster-client", Secret::new(secret));
    ac.page_size = cfg.page_size;
    ac.concurrency = cfg.concurrency;
    let api = PowerSchoolApi::api(ac, PowerSchoolOptions::default()).map_err(|e| e.to_string())?;
    let started = Instant::now();
    let loaded = api
        .students(&Scope::All)
        .await
        .map_err(|e| format!("read: {e}"))?;
    let wall = started.elapsed();
    let stats = api.backend().stats();
    let schools = demo::SCHOOLS.len() as u64;
    let size = u64::from(cfg.page_size);
    let student_pages = stats.pages.saturating_sub(schools.div_ceil(size));
    let rounds = 3 + student_pages.div_ceil(cfg.concurrency as u64);
    let floor = cfg.latency.as_secs_f64() * rounds as f64;
    Ok(ApiResult {
        students_generated: cfg.students,
        students_loaded: loaded.rows.len(),
        row_errors: loaded.errors.len(),
        latency_ms: cfg.latency.as_millis() as u64,
        page_size: cfg.page_size,
        concurrency: cfg.concurrency,
        pages: stats.pages,
        requests: stats.requests,
        retries: stats.retries,
        wall_s: wall.as_secs_f64(),
        floor_s: floor,
        floor_ratio: if floor > 0.0 {
            wall.as_secs_f64() / floor
        } else {
            0.0
        },
        waiting_share: stats.waiting.as_secs_f64()
            / (wall.as_secs_f64() * cfg.concurrency as f64).max(f64::MIN_POSITIVE),
        generate_s,
    })
}

/// The missed target, if any.
pub fn missed(r: &ApiResult) -> Vec<String> {
    if r.latency_ms >= 50 && r.floor_ratio > FLOOR_RATIO_MAX {
        vec![format!(
            "powerschool-api: wall {:.1}s is {:.2}x the {:.1}s the concurrency allows (> {FLOOR_RATIO_MAX}x)",
            r.wall_s, r.floor_ratio, r.floor_s
        )]
    } else {
        Vec::new()
    }
}

/// The main table's row for section 7 (the details follow the table).
pub fn rows(r: &ApiResult, row: &mut dyn FnMut([&str; 7])) {
    let met = r.latency_ms < 50 || r.floor_ratio <= FLOOR_RATIO_MAX;
    row([
        "7",
        &format!(
            "Students through the PowerSchool API: {} students, pages of {}, {} in flight, {} ms per call: wall time",
            r.students_loaded, r.page_size, r.concurrency, r.latency_ms
        ),
        &format!(
            "{:.1} s ({} pages, {} requests, {} retries; {:.0}% of page-slot time waiting on PowerSchool)",
            r.wall_s,
            r.pages,
            r.requests,
            r.retries,
            r.waiting_share * 100.0
        ),
        &format!("floor {:.1} s (what the concurrency allows)", r.floor_s),
        &format!("{:.2}x the floor", r.floor_ratio),
        &format!("<= {FLOOR_RATIO_MAX}x (judged at >= 50 ms)"),
        if met { "yes" } else { "no" },
    ]);
}

/// The section as Markdown.
pub fn markdown(r: &ApiResult) -> String {
    format!(
        "\n### 7. Students through the PowerSchool API emulator\n\n\
         | measure | value |\n|---|---|\n\
         | students (generated / loaded / row errors) | {} / {} / {} |\n\
         | page size, concurrency, latency per call | {}, {}, {} ms |\n\
         | pages / HTTP requests / retries | {} / {} / {} |\n\
         | wall time | {:.2} s |\n\
         | floor (what the concurrency allows) | {:.2} s |\n\
         | wall / floor (target <= {FLOOR_RATIO_MAX}) | {:.2} |\n\
         | share of page-slot time waiting on PowerSchool | {:.0}% |\n",
        r.students_generated,
        r.students_loaded,
        r.row_errors,
        r.page_size,
        r.concurrency,
        r.latency_ms,
        r.pages,
        r.requests,
        r.retries,
        r.wall_s,
        r.floor_s,
        r.floor_ratio,
        r.waiting_share * 100.0,
    )
}
