//! The email: a plain-text body for people, the JSON report attached for tools.

use std::fmt::Write as _;

use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, MultiPart, SinglePart};
use roster_core::report::{ExitCode, RunReport};

use super::NotifySettings;

/// The most failures, refused changes, notes and plan lines the body lists; the rest are
/// counted (the attached report has them all).
pub const MAX_LISTED: usize = 200;
/// A report larger than this is not attached (the body says so; `--report` keeps it).
pub const MAX_ATTACHMENT_BYTES: usize = 10 << 20;

/// Replaces control characters (CR/LF would start a header) with spaces.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// `[roster] students apply: OK, 12 changes`: the job, the mode and how it ended.
pub fn subject(report: &RunReport) -> String {
    let outcome = if super::refused(report) {
        "REFUSED by the safety valve".to_string()
    } else {
        match report.exit_code() {
            ExitCode::Aborted => "STOPPED".to_string(),
            ExitCode::SomeFailed => format!(
                "{} change(s) FAILED",
                report.failures.len() + report.refused.len()
            ),
            ExitCode::Ok => format!("OK, {} change(s)", super::changes(report)),
        }
    };
    let s = format!("[roster] {} {}: {outcome}", report.job, report.mode);
    one_line(&s).chars().take(200).collect()
}

/// Lists up to [`MAX_LISTED`] lines under a heading, then counts the rest.
fn section(body: &mut String, heading: &str, lines: impl ExactSizeIterator<Item = String>) {
    let total = lines.len();
    if total == 0 {
        return;
    }
    let _ = writeln!(body, "\n{heading} ({total}):");
    for line in lines.take(MAX_LISTED) {
        let _ = writeln!(body, "  {line}");
    }
    if total > MAX_LISTED {
        let _ = writeln!(
            body,
            "  ... and {} more (all of them are in the attached report)",
            total - MAX_LISTED
        );
    }
}

/// The body: the outcome, the counts, why it stopped, the safety valve's reasons, every
/// failure with Google's reason, and the changes as the run printed them (capped).
pub fn body(report: &RunReport, changes: &str, attached: bool) -> String {
    let mut b = format!("{}\n\n", subject(report));
    // The summary's counts; its failure lines are listed below, capped.
    for line in report.summary().lines() {
        if !["  FAILED ", "  REFUSED ", "  ABORTED: "]
            .iter()
            .any(|p| line.starts_with(p))
        {
            let _ = writeln!(b, "{line}");
        }
    }
    if let Some(why) = &report.aborted {
        let _ = writeln!(b, "\nWhy the run stopped: {why}");
    }
    section(
        &mut b,
        "Safety valve",
        report.violations.iter().map(ToString::to_string),
    );
    section(
        &mut b,
        "Failures, with Google's reason",
        report.failures.iter().map(|f| {
            format!(
                "{} {} {}: {} ({}, HTTP {}, {} attempt(s))",
                f.action,
                f.person,
                f.email,
                f.error.message,
                f.error.reason,
                f.error.status,
                f.attempts
            )
        }),
    );
    section(
        &mut b,
        "Refused changes",
        report
            .refused
            .iter()
            .map(|r| format!("{} {} {}: {}", r.action, r.person, r.email, r.reason)),
    );
    section(&mut b, "Notes", report.notes.iter().cloned());
    let plan: Vec<String> = changes.lines().map(str::to_string).collect();
    let counts: Vec<String> = report
        .planned
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    if !counts.is_empty() {
        let _ = writeln!(b, "\nPlanned changes by kind: {}", counts.join(", "));
    }
    section(&mut b, "The plan as the run printed it", plan.into_iter());
    if attached {
        b.push_str("\nThe full run report is attached (report.json).\n");
    } else {
        let _ = writeln!(
            b,
            "\nThe run report is larger than {} MB and is not attached: see the file --report wrote.",
            MAX_ATTACHMENT_BYTES >> 20
        );
    }
    b
}

/// The whole message: the body, and the report (the same JSON `--report` writes) attached.
pub fn compose(
    settings: &NotifySettings,
    report: &RunReport,
    changes: &str,
) -> Result<Message, lettre::error::Error> {
    let json = report.to_json() + "\n";
    let attached = json.len() <= MAX_ATTACHMENT_BYTES;
    let mut parts =
        MultiPart::mixed().singlepart(SinglePart::plain(body(report, changes, attached)));
    if attached {
        let kind = ContentType::parse("application/json").expect("a valid content type");
        parts = parts.singlepart(Attachment::new("report.json".into()).body(json, kind));
    }
    let mut m = Message::builder()
        .from(settings.from.clone())
        .subject(subject(report));
    for to in &settings.to {
        m = m.to(to.clone());
    }
    m.multipart(parts)
}
