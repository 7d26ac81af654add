//! Sections 3 and 4: planning a million people in memory, and writing vendor files.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use chrono::NaiveDate;
use roster_core::policy::{MatchKey, Policy};
use roster_core::{OrgUnitPath, VendorExport, plan};
use roster_sftp::{OneRoster, StMath};
use serde::Serialize;

use crate::synth;
use crate::sys;

/// Schools in the synthetic district.
const SCHOOLS: usize = 40;

#[derive(Debug, Clone, Serialize)]
pub struct PlanResult {
    pub people: usize,
    pub accounts: usize,
    /// Building the synthetic students and accounts (not part of the target).
    pub build_s: f64,
    /// `StudentPolicy::desired` for every person.
    pub desired_s: f64,
    /// `plan()` wall time, and the CPU time of the thread that ran it.
    pub plan_s: f64,
    pub plan_cpu_s: f64,
    pub changes: BTreeMap<String, usize>,
    pub expected: BTreeMap<String, usize>,
    pub plan_is_exact: bool,
    /// Resident memory with inputs built, just before `plan()`.
    pub rss_before_plan_bytes: u64,
    /// `VmHWM` after `plan()`: the process's peak, inputs and plan included.
    pub peak_rss_bytes: u64,
    /// Where the memory and time go (measured after the plan, same inputs).
    pub breakdown: PlanBreakdown,
}

/// Diagnostics for the plan section: memory per input, and the cost of plan's first steps
/// redone with the same public functions `plan()` uses.
#[derive(Debug, Clone, Serialize)]
pub struct PlanBreakdown {
    pub desired_bytes_per_person: f64,
    pub account_bytes_per_account: f64,
    /// Heap bytes of one person's `custom_schemas` (a `SchemaValues`: nested `FieldMap`s),
    /// measured on 100,000 clones. All `*_bytes_*` are heap bytes requested (without
    /// malloc's per-chunk overhead, typically 8-16 B per allocation).
    pub custom_schemas_bytes_each: f64,
    /// `policy.manages(&account.org_unit_path)` for every account (`OrgUnitPath::is_within`).
    pub manages_filter_s: f64,
    /// `HashMap<Cow<str>, usize>` of `email_key(primary_email)` for every account (plan's
    /// email index, with std's default hasher where plan uses foldhash).
    pub email_index_s: f64,
}

fn breakdown(
    desired: &[roster_core::Intent],
    accounts: &[roster_core::Account],
    policy: &Policy,
    desired_bytes: i64,
    account_bytes: i64,
) -> PlanBreakdown {
    use std::collections::HashMap;
    let sample = desired.iter().find_map(|i| match i {
        roster_core::Intent::Account { account, .. } => Some(account.custom_schemas.clone()),
        roster_core::Intent::Skip { .. } => None,
    });
    let custom_schemas_bytes_each = match sample {
        Some(one) => {
            const CLONES: usize = 100_000;
            let (many, bytes) = sys::Counting::measure(|| {
                (0..CLONES)
                    .map(|_| one.clone())
                    .collect::<Vec<roster_core::SchemaValues>>()
            });
            let vec_itself = (CLONES * std::mem::size_of::<roster_core::SchemaValues>()) as i64;
            drop(many);
            (bytes - vec_itself) as f64 / CLONES as f64
        }
        None => 0.0,
    };
    let t = Instant::now();
    let managed = accounts
        .iter()
        .filter(|a| policy.manages(&a.org_unit_path))
        .count();
    let manages_filter_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let index: HashMap<std::borrow::Cow<str>, usize> = accounts
        .iter()
        .enumerate()
        .map(|(i, a)| (roster_core::policy::email_key(&a.primary_email), i))
        .collect();
    let email_index_s = t.elapsed().as_secs_f64();
    assert_eq!(index.len(), accounts.len());
    tracing::debug!(managed, "plan breakdown");
    PlanBreakdown {
        desired_bytes_per_person: desired_bytes as f64 / desired.len().max(1) as f64,
        account_bytes_per_account: account_bytes as f64 / accounts.len().max(1) as f64,
        custom_schemas_bytes_each,
        manages_filter_s,
        email_index_s,
    }
}

/// Plans `people` synthetic students against their (mostly in sync) accounts.
pub fn plan_bench(people: usize, today: NaiveDate) -> PlanResult {
    let t = Instant::now();
    let schools = synth::schools(SCHOOLS);
    let students = synth::students(people, &schools, Some(50), today);
    let student_policy = synth::student_policy();
    let build_students = t.elapsed();

    let t = Instant::now();
    let (desired, desired_bytes) =
        sys::Counting::measure(|| student_policy.desired(&students, &schools, today));
    let desired_s = t.elapsed().as_secs_f64();
    drop(students);

    let t = Instant::now();
    let ((accounts, expected), account_bytes) =
        sys::Counting::measure(|| synth::observed(&desired));
    let build_s = (build_students + t.elapsed()).as_secs_f64();
    let policy = Policy::new(
        MatchKey::PrimaryEmail,
        vec![
            OrgUnitPath::new(synth::STUDENT_ROOT),
            OrgUnitPath::new(synth::SUSPENDED_OU),
        ],
    );
    let rss_before_plan_bytes = sys::rss();
    tracing::info!(people, accounts = accounts.len(), "planning");

    let cpu = sys::thread_cpu();
    let t = Instant::now();
    let p = plan(&desired, &accounts, &policy, today);
    let plan_s = t.elapsed().as_secs_f64();
    let plan_cpu_s = (sys::thread_cpu() - cpu).as_secs_f64();
    let peak_rss_bytes = sys::peak_rss();

    let changes: BTreeMap<String, usize> = p
        .counts()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    let accounts_n = accounts.len();
    let breakdown = breakdown(&desired, &accounts, &policy, desired_bytes, account_bytes);
    // Freeing a million accounts takes a moment; keep it out of the measured phases.
    drop((p, accounts, desired));
    PlanResult {
        people,
        accounts: accounts_n,
        build_s,
        desired_s,
        plan_s,
        plan_cpu_s,
        plan_is_exact: changes == expected,
        changes,
        expected,
        rss_before_plan_bytes,
        peak_rss_bytes,
        breakdown,
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct VendorResult {
    pub rows: usize,
    pub teachers: usize,
    /// ST Math `students.csv` + `teachers.csv` built in memory (`StMath::export`).
    pub stmath_export_s: f64,
    pub stmath_export_cpu_s: f64,
    /// The two files written to disk.
    pub stmath_write_s: f64,
    pub stmath_students_csv_bytes: usize,
    pub stmath_errors: usize,
    /// `OneRoster::export` (seven CSVs, zipped at level 1).
    pub oneroster_export_s: f64,
    pub oneroster_write_s: f64,
    pub oneroster_zip_bytes: usize,
    pub oneroster_errors: usize,
}

fn write_all(dir: &Path, export: &roster_core::Export) -> std::io::Result<()> {
    for f in &export.files {
        std::fs::write(dir.join(&f.name), &f.bytes)?;
    }
    Ok(())
}

/// Builds a `rows`-student roster (all active, one homeroom teacher per 25) and writes the
/// ST Math files and a OneRoster zip for it into `dir`.
pub fn vendor_bench(rows: usize, today: NaiveDate, dir: &Path) -> std::io::Result<VendorResult> {
    let schools = synth::schools(SCHOOLS);
    let iids: Vec<(i64, String)> = schools
        .iter()
        .map(|s| (s.number, format!("IID{:05}", s.number)))
        .collect();
    let students = synth::students(rows, &schools, None, today);
    let roster = synth::roster(schools, students);
    let stmath = StMath::new(iids).map_err(std::io::Error::other)?;
    tracing::info!(rows, "writing ST Math files");

    let cpu = sys::thread_cpu();
    let t = Instant::now();
    let export = stmath.export(&roster).map_err(std::io::Error::other)?;
    let stmath_export_s = t.elapsed().as_secs_f64();
    let stmath_export_cpu_s = (sys::thread_cpu() - cpu).as_secs_f64();
    let t = Instant::now();
    write_all(dir, &export)?;
    let stmath_write_s = t.elapsed().as_secs_f64();
    let students_csv = export
        .files
        .iter()
        .find(|f| f.name == "students.csv")
        .map_or(0, |f| f.bytes.len());
    let stmath_errors = export.errors.len();
    drop(export);

    tracing::info!(rows, "writing OneRoster.zip");
    let or = OneRoster::new("district", "Bench District");
    let t = Instant::now();
    let zipped = or.export(&roster).map_err(std::io::Error::other)?;
    let oneroster_export_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    write_all(dir, &zipped)?;
    let oneroster_write_s = t.elapsed().as_secs_f64();
    Ok(VendorResult {
        rows,
        teachers: roster.staff.len(),
        stmath_export_s,
        stmath_export_cpu_s,
        stmath_write_s,
        stmath_students_csv_bytes: students_csv,
        stmath_errors,
        oneroster_export_s,
        oneroster_write_s,
        oneroster_zip_bytes: zipped.files.iter().map(|f| f.bytes.len()).sum(),
        oneroster_errors: zipped.errors.len(),
    })
}
