//! The report as a Markdown table, and the targets of DESIGN §9.

use std::fmt::Write as _;

use crate::BenchReport;

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
const MIB: f64 = 1024.0 * 1024.0;

/// Targets (DESIGN §9 and issue 7).
pub const WALL_RATIO_MIN: f64 = 200.0;
pub const QUOTA_SHARE_MIN: f64 = 0.90;
pub const PLAN_MAX_S: f64 = 2.0;
pub const PLAN_MAX_RSS: f64 = 1.5 * GIB;
pub const CSV_MAX_S: f64 = 2.0;

fn yes(ok: bool) -> &'static str {
    if ok { "yes" } else { "**NO**" }
}

/// Groups digits: 100000 -> 100,000.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// One line per missed target.
pub fn missed(r: &BenchReport) -> Vec<String> {
    let mut m = Vec::new();
    if let Some(x) = r.google.as_ref().and_then(|g| g.realistic.as_ref()) {
        m.extend(x.missed());
    }
    if let Some(g) = &r.google {
        if let Some(s) = &g.sync {
            if s.roster_calls as f64 > s.roster_calls_target {
                m.push(format!(
                    "sync: {} API calls > {:.0}",
                    s.roster_calls, s.roster_calls_target
                ));
            }
            if s.conservative_wall_ratio() < WALL_RATIO_MIN {
                m.push(format!(
                    "sync: wall-time ratio {:.0}x < {WALL_RATIO_MIN}x",
                    s.conservative_wall_ratio()
                ));
            }
            if s.roster_writes_planned > 0 {
                m.push(format!(
                    "sync: {} writes planned on a synced directory",
                    s.roster_writes_planned
                ));
            }
        }
        if let Some(a) = &g.apply {
            if a.share_of_quota < QUOTA_SHARE_MIN {
                m.push(format!(
                    "apply: {:.1}% of quota < {:.0}%",
                    a.share_of_quota * 100.0,
                    QUOTA_SHARE_MIN * 100.0
                ));
            }
            if a.failed > 0 {
                m.push(format!("apply: {} failed changes", a.failed));
            }
        }
    }
    if let Some(p) = &r.plan {
        if p.plan_s >= PLAN_MAX_S {
            m.push(format!("plan: {:.2} s >= {PLAN_MAX_S} s", p.plan_s));
        }
        if p.peak_rss_bytes as f64 >= PLAN_MAX_RSS {
            m.push(format!(
                "plan: peak RSS {:.2} GiB >= 1.5 GiB",
                p.peak_rss_bytes as f64 / GIB
            ));
        }
        if !p.plan_is_exact {
            m.push("plan: the changes differ from the injected drift".into());
        }
    }
    if let Some(x) = &r.rollover {
        m.extend(crate::rollover::missed(x));
    }
    if let Some(x) = &r.powerschool_api {
        m.extend(crate::psapi::missed(x));
    }
    if let Some(v) = &r.vendor {
        let t = v.stmath_export_s + v.stmath_write_s;
        if t >= CSV_MAX_S {
            m.push(format!("vendor: ST Math CSV {t:.2} s >= {CSV_MAX_S} s"));
        }
        if v.stmath_errors > 0 {
            m.push(format!("vendor: {} ST Math row errors", v.stmath_errors));
        }
    }
    m
}

/// The report as Markdown: machine facts, then one table.
pub fn markdown(r: &BenchReport) -> String {
    let mut o = String::new();
    let mc = &r.machine;
    let _ = writeln!(o, "### roster-bench, {}\n", mc.date_utc);
    let _ = writeln!(
        o,
        "Machine: {} CPUs ({}), {:.1} GiB RAM, Linux {}; build profile: {}. Load average \
         (1/5/15 min) at start {:.2} / {:.2} / {:.2}, at end {:.2} / {:.2} / {:.2}. The machine \
         is shared with other builds: wall times are noisy; CPU times are given where they help.\n",
        mc.cpus,
        mc.cpu_model,
        mc.memory_gib,
        mc.kernel,
        mc.build_profile,
        mc.loadavg_start[0],
        mc.loadavg_start[1],
        mc.loadavg_start[2],
        mc.loadavg_end[0],
        mc.loadavg_end[1],
        mc.loadavg_end[2],
    );
    let _ = writeln!(
        o,
        "| # | Measure | roster | seed-style baseline | ratio | target | met |\n|---|---|---|---|---|---|---|"
    );
    let mut row = |cells: [&str; 7]| {
        let _ = writeln!(o, "| {} |", cells.join(" | "));
    };
    if let Some(g) = &r.google {
        if let Some(s) = &g.sync {
            let n = thousands(s.students as u64);
            row([
                "1",
                &format!(
                    "No-change sync of {n} students, {} ms per call: API calls",
                    s.latency_ms
                ),
                &format!(
                    "{} (`users.list`, 2 roots concurrently, 500 per page)",
                    thousands(s.roster_calls)
                ),
                &format!(
                    "{} (exact: {:.2} per student, one `users.list?query=email=` each; {} calls for the {}-student sample)",
                    thousands(s.baseline_calls),
                    s.baseline_calls_per_student,
                    thousands(s.baseline_sample_calls),
                    thousands(s.baseline_sample as u64)
                ),
                &format!("{:.0}x fewer", s.calls_ratio),
                &format!(
                    "<= {:.0} (1.05 x ceil(N/500), at least one call per further root)",
                    s.roster_calls_target
                ),
                yes(s.roster_calls as f64 <= s.roster_calls_target),
            ]);
            row([
                "1",
                "... wall time",
                &format!(
                    "{:.2} s (list {:.2} s + plan {:.2} s; client at 40 calls/s, Google's default quota)",
                    s.roster_wall_s, s.roster_list_s, s.roster_plan_s
                ),
                &format!(
                    "{:.0} s = {:.1} min, **extrapolated** linearly from a {}-student sample that took {:.1} s (no client rate limit, like the script)",
                    s.baseline_wall_s_extrapolated,
                    s.baseline_wall_s_extrapolated / 60.0,
                    thousands(s.baseline_sample as u64),
                    s.baseline_sample_s
                ),
                &format!("{:.0}x faster", s.wall_ratio),
                &format!(
                    ">= {WALL_RATIO_MIN:.0}x (judged on the lower of this and the floor below)"
                ),
                yes(s.conservative_wall_ratio() >= WALL_RATIO_MIN),
            ]);
            row([
                "1",
                "... baseline floor (calls x latency only)",
                "",
                &format!(
                    "{:.0} s = {:.1} min (the emulator adds {:.2} ms per email lookup at 0 ms latency, see PERFORMANCE.md)",
                    s.baseline_floor_s,
                    s.baseline_floor_s / 60.0,
                    s.baseline_overhead_ms_per_call
                ),
                &format!("{:.0}x faster", s.wall_ratio_vs_floor),
                &format!(">= {WALL_RATIO_MIN:.0}x"),
                yes(s.wall_ratio_vs_floor >= WALL_RATIO_MIN),
            ]);
            row([
                "1",
                "... writes planned on the synced directory",
                &format!(
                    "{} ({} accounts listed)",
                    s.roster_writes_planned,
                    thousands(s.accounts_listed as u64)
                ),
                &format!(
                    "{} updates, {} creates in the sample",
                    s.baseline_sample_updates, s.baseline_sample_creates
                ),
                "",
                "0",
                yes(s.roster_writes_planned == 0),
            ]);
        }
        if let Some(a) = &g.apply {
            let head = format!(
                "Apply of {} creates, emulator quota {}/min, client {:.0}/s, {} ms per call",
                thousands(a.creates as u64),
                thousands(u64::from(a.quota_per_minute)),
                a.client_rate_per_s,
                a.latency_ms
            );
            row([
                "2",
                &format!("{head}: achieved rate"),
                &format!(
                    "{:.1} calls/s = {:.1}% of quota ({} calls in {:.1} s; {:.1} creates/s)",
                    a.calls_per_s,
                    a.share_of_quota * 100.0,
                    thousands(a.api_calls),
                    a.apply_s,
                    a.creates_per_s
                ),
                "",
                "",
                ">= 90% of quota",
                yes(a.share_of_quota >= QUOTA_SHARE_MIN),
            ]);
            row([
                "2",
                "... failed changes",
                &format!("{} ({} applied)", a.failed, thousands(a.applied as u64)),
                "",
                "",
                "0",
                yes(a.failed == 0),
            ]);
            row([
                "2",
                "... 403/429 answers seen; retries",
                &format!(
                    "{} over-quota answers; {} change retries (engine), {} read retries (client)",
                    a.over_quota_responses, a.engine_retries, a.client_retries
                ),
                "",
                "",
                "(information)",
                "",
            ]);
        }
    }
    if let Some(p) = &r.plan {
        let changes: Vec<String> = p
            .changes
            .iter()
            .map(|(k, v)| format!("{k} {}", thousands(*v as u64)))
            .collect();
        row([
            "3",
            &format!(
                "Plan of {} people against {} accounts (in memory): time",
                thousands(p.people as u64),
                thousands(p.accounts as u64)
            ),
            &format!(
                "{:.2} s wall, {:.2} s CPU (desired state: {:.2} s more); {}",
                p.plan_s,
                p.plan_cpu_s,
                p.desired_s,
                changes.join(", ")
            ),
            "",
            "",
            "< 2 s",
            yes(p.plan_s < PLAN_MAX_S),
        ]);
        row([
            "3",
            "... peak RSS (VmHWM, inputs included)",
            &format!(
                "{:.2} GiB ({:.2} GiB with the inputs built, before plan)",
                p.peak_rss_bytes as f64 / GIB,
                p.rss_before_plan_bytes as f64 / GIB
            ),
            "",
            "",
            "< 1.5 GiB",
            yes((p.peak_rss_bytes as f64) < PLAN_MAX_RSS),
        ]);
        let b = &p.breakdown;
        row([
            "3",
            "... where it goes",
            &format!(
                "heap: {:.0} B per desired person, {:.0} B per account, of which {:.0} B each for `custom_schemas`; time: managed-root filter {:.2} s, email index {:.2} s",
                b.desired_bytes_per_person,
                b.account_bytes_per_account,
                b.custom_schemas_bytes_each,
                b.manages_filter_s,
                b.email_index_s
            ),
            "",
            "",
            "(diagnostics)",
            "",
        ]);
        row([
            "3",
            "... plan equals the injected drift",
            if p.plan_is_exact {
                "exact"
            } else {
                "differs (see JSON)"
            },
            "",
            "",
            "exact",
            yes(p.plan_is_exact),
        ]);
    }
    if let Some(v) = &r.vendor {
        row([
            "4",
            &format!(
                "ST Math students.csv, {} rows (+ teachers.csv, {} teachers)",
                thousands(v.rows as u64),
                thousands(v.teachers as u64)
            ),
            &format!(
                "{:.2} s = {:.2} s build ({:.2} s CPU) + {:.2} s write; {:.1} MiB",
                v.stmath_export_s + v.stmath_write_s,
                v.stmath_export_s,
                v.stmath_export_cpu_s,
                v.stmath_write_s,
                v.stmath_students_csv_bytes as f64 / MIB
            ),
            "",
            "",
            "< 2 s",
            yes(v.stmath_export_s + v.stmath_write_s < CSV_MAX_S && v.stmath_errors == 0),
        ]);
        row([
            "4",
            "OneRoster.zip, same roster",
            &format!(
                "{:.2} s = {:.2} s build (7 CSVs, deflate level 1) + {:.2} s write; {:.1} MiB",
                v.oneroster_export_s + v.oneroster_write_s,
                v.oneroster_export_s,
                v.oneroster_write_s,
                v.oneroster_zip_bytes as f64 / MIB
            ),
            "",
            "",
            "(none)",
            "",
        ]);
    }
    if let Some(x) = r.google.as_ref().and_then(|g| g.realistic.as_ref()) {
        crate::realistic::rows(x, &mut row);
    }
    if let Some(x) = &r.rollover {
        crate::rollover::rows(x, &mut row);
    }
    if let Some(x) = &r.powerschool_api {
        crate::psapi::rows(x, &mut row);
    }
    if let Some(g) = &r.google {
        let s = &g.setup;
        let _ = writeln!(
            o,
            "\nDistrict: {} students generated by `roster_sis::demo::generate` in {:.1} s, read from \
             SQLite in {:.2} s ({} with an account by policy, {} skipped, {} OUs). Synced state: {} \
             (seeding took {:.1} s).",
            thousands(s.students as u64),
            s.generate_s,
            s.sis_read_s,
            thousands(s.accounts_desired as u64),
            s.skipped_by_policy,
            s.org_units,
            s.seeded_how,
            s.seed_s
        );
    }
    if r.missed.is_empty() {
        o.push_str("\nAll targets met.\n");
    } else {
        o.push_str("\nMissed targets:\n");
        for m in &r.missed {
            let _ = writeln!(o, "- {m}");
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
