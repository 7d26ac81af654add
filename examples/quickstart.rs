//! The whole nightly job on the embedded demo district, in one command:
//!
//! ```sh
//! cargo run --release --example quickstart
//! ```
//!
//! 1. builds a PowerSchool-shaped demo district (`out/demo-district.sqlite`) if absent;
//! 2. starts a Google Directory API emulator in-process, with a fresh directory, and signs in
//!    to it as production does (service account, signed JWT, bearer tokens);
//! 3. runs D118's student and staff syncs: plan, then apply;
//! 4. writes the ST Math and OneRoster files (from KIPP Chicago's demo district, its four
//!    campuses, `out/kipp-demo/`) and SchoolMint Grow's (from D118's) under `out/`;
//! 5. plans both syncs again: zero changes.

use std::path::Path;

use clap::Parser;
use roster::core::Secret;
use roster::core::report::RunReport;
use roster::demo::Demo;
use roster::{AccountJob, Cli, Mode, Site, VendorJob, run_accounts, run_vendor};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // The runs' summaries and the reports say what the per-row warnings (vendor rows left
    // out, OUs created) would: the console shows warnings from the rest.
    roster::logging::init_with_default(0, "info,roster::vendor=error,roster_google=warn");
    let out = Path::new("out");
    let cli = Cli::parse_from([
        "quickstart",
        "--out",
        "out",
        "--audit-log",
        "out/audit.jsonl",
    ]);
    let today = cli.opts.today();

    if let Err(e) = Demo::reset_directory(out) {
        eprintln!("cannot reset the demo directory: {e}");
        return std::process::ExitCode::from(2);
    }
    let demo = match Demo::start(out, d118_students::DOMAIN, today, cli.opts.demo_students) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::from(2);
        }
    };
    println!("demo district: {}", demo.db.display());
    println!("directory emulator: {}\n", demo.emulator.base_url());

    let mut jobs = [
        (d118_students::job(), d118_students::site()),
        (d118_staff::job(), d118_staff::site()),
    ];
    // New accounts' initial password: NEW_USER_PASSWORD as in production, or a demo one.
    for (job, _) in &mut jobs {
        if job.policy.new_account.password.is_none() {
            job.policy.new_account.password = Some(Secret::new("Welcome-to-roster-2026"));
        }
    }
    let mut worst = 0;
    for (job, site) in &jobs {
        for mode in [Mode::Plan, Mode::Apply] {
            let report = account_run(&demo, job, site, mode, &cli, true).await;
            worst = worst.max(report.exit_code().code());
        }
    }
    // ST Math reads KIPP Chicago's demo (its four campuses, staff at its domain), in its
    // own folder; Grow reads D118's.
    let kipp = match Demo::start(
        &out.join("kipp-demo"),
        kipp_chicago_stmath::DOMAIN,
        today,
        cli.opts.demo_students,
    ) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::from(2);
        }
    };
    for (demo, job, site) in [
        (
            &kipp,
            kipp_chicago_stmath::job(),
            kipp_chicago_stmath::site(),
        ),
        (&demo, grow_staff::job(), grow_staff::site()),
    ] {
        let report = vendor_run(demo, &job, &site, &cli).await;
        worst = worst.max(report.exit_code().code());
    }
    println!("== a second run right after: nothing left to do");
    for (job, site) in &jobs {
        let report = account_run(&demo, job, site, Mode::Plan, &cli, false).await;
        let writes: usize = report
            .planned
            .iter()
            .filter(|(k, _)| *k != "skip")
            .map(|(_, v)| v)
            .sum();
        println!(
            "{}: {writes} changes, {} skipped",
            job.name,
            report.skipped.len()
        );
        worst = worst.max(report.exit_code().code());
    }
    println!();
    if let Err(e) = demo.save() {
        eprintln!("{e}");
    }
    println!(
        "files, reports and the audit log are under {}/",
        out.display()
    );
    std::process::ExitCode::from(worst as u8)
}

async fn account_run(
    demo: &Demo,
    job: &AccountJob,
    site: &Site,
    mode: Mode,
    cli: &Cli,
    verbose: bool,
) -> RunReport {
    let title = if mode == Mode::Apply { "apply" } else { "plan" };
    if verbose {
        println!("== {} {title}", job.name);
    }
    let (sis, target) = match demo
        .connect(site.powerschool.clone(), &job.policy.managed_roots)
        .await
    {
        Ok(parts) => parts,
        Err(e) => return roster::district::fatal(&job.name, mode, e),
    };
    let mut opts = cli.opts.clone();
    opts.report = Some(format!("out/{}-{title}.json", job.name).into());
    let mut table = Vec::new();
    let report = run_accounts(job, mode, &opts, &sis, &target, &mut table).await;
    match mode {
        // The table's last line counts the changes and the skips.
        Mode::Plan if verbose => print_head(&String::from_utf8_lossy(&table), 6),
        Mode::Apply => print!("{}", report.summary()),
        Mode::Plan | Mode::Doctor | Mode::Plugin { .. } => {}
    }
    if verbose {
        println!();
    }
    report
}

async fn vendor_run(demo: &Demo, job: &VendorJob, site: &Site, cli: &Cli) -> RunReport {
    println!(
        "== {} (files only: the demo has no vendor server)",
        job.name
    );
    let sis = match demo.sis(site.powerschool.clone()) {
        Ok(s) => s,
        Err(e) => return roster::district::fatal(&job.name, Mode::Plan, e),
    };
    let dir = Path::new("out").join(&job.name);
    let mut opts = cli.opts.clone();
    opts.report = Some(format!("out/{}.json", job.name).into());
    let mut listing = Vec::new();
    let report = run_vendor(job, Mode::Plan, &opts, &sis, &dir, None, &mut listing).await;
    print!("{}", String::from_utf8_lossy(&listing));
    if let Some(reason) = &report.aborted {
        println!("  stopped: {reason}");
    }
    println!(
        "  {} people, {} left out with a reason (see out/{}.json)\n",
        report.people_read,
        report.row_errors.len(),
        job.name
    );
    report
}

/// The first `n` lines of a long table, then its last line (the counts).
fn print_head(table: &str, n: usize) {
    let lines: Vec<&str> = table.lines().collect();
    for l in lines.iter().take(n) {
        println!("{l}");
    }
    if lines.len() > n + 1 {
        println!("... {} more lines ...", lines.len() - n - 1);
        println!("{}", lines[lines.len() - 1]);
    }
}
