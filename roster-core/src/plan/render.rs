//! A plan for people: the table `roster plan` prints, and the JSON of its changes.
//!
//! The table lists the writes sorted by kind (the order kinds run in) and then numerically
//! by person id (`101, 1009, 1010`), then the skipped people apart, then one summary line
//! that counts writes only. Every cell is printed safely (control, format and bidi
//! characters escaped: a name cannot forge a line or reorder the text) and capped to a
//! width, a longer cell ends in `…`.

use std::cmp::Ordering;
use std::fmt::Write as _;

use super::{Change, ChangeKind, Plan};
use crate::validate::is_format;

/// The widest each column of [`Plan::table`] gets (ACTION, PERSON, ACCOUNT, DETAIL).
pub const COLUMN_WIDTHS: [usize; 4] = [18, 48, 40, 100];

impl Plan {
    /// The plan's changes as pretty-printed JSON (what `--json` prints).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.changes).expect("a plan always serialises")
    }

    /// A table for people: the writes, one line each, then the skipped people, then counts.
    pub fn table(&self) -> String {
        let mut writes: Vec<&Change> = self.writes().collect();
        writes.sort_by(|a, b| {
            a.kind
                .rank()
                .cmp(&b.kind.rank())
                .then_with(|| by_id(&a.person.id, &b.person.id))
        });
        let mut skips: Vec<&Change> = self.changes.iter().filter(|c| !c.kind.is_write()).collect();
        skips.sort_by(|a, b| by_id(&a.person.id, &b.person.id));

        let mut out = String::new();
        if !writes.is_empty() {
            let rows: Vec<Vec<String>> = writes
                .iter()
                .map(|c| {
                    vec![
                        c.kind.label().to_uppercase(),
                        c.person.to_string(),
                        c.email.clone(),
                        describe(&c.kind),
                    ]
                })
                .collect();
            let header = ["ACTION", "PERSON", "ACCOUNT", "DETAIL"];
            columns(&mut out, &header, &COLUMN_WIDTHS, &rows);
        }
        if !skips.is_empty() {
            if !out.is_empty() {
                out.push('\n');
            }
            let rows: Vec<Vec<String>> = skips
                .iter()
                .map(|c| vec![c.person.to_string(), describe(&c.kind)])
                .collect();
            let caps = [COLUMN_WIDTHS[1], COLUMN_WIDTHS[3]];
            columns(&mut out, &["SKIPPED", "REASON"], &caps, &rows);
        }
        let mut counts = self.counts();
        counts.remove(
            ChangeKind::Skip {
                reason: String::new(),
            }
            .label(),
        );
        if counts.is_empty() {
            out.push_str("No changes");
        } else {
            let summary: Vec<String> = counts.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            let _ = write!(out, "{} changes ({})", writes.len(), summary.join(", "));
        }
        match skips.len() {
            0 => out.push_str(".\n"),
            n => {
                let _ = writeln!(out, "; {n} skipped (no change, listed above).");
            }
        }
        out
    }
}

/// Person ids in numeric order when both are digits (`101 < 1009 < 1010`), numbers before
/// other ids, the rest as text.
fn by_id(a: &str, b: &str) -> Ordering {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    match (digits(a), digits(b)) {
        (true, true) => {
            let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
            a.len().cmp(&b.len()).then_with(|| a.cmp(b))
        }
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.cmp(b),
    }
}

/// Writes a header and rows as aligned columns, each cell made safe and capped ([`cell`]).
fn columns(out: &mut String, header: &[&str], caps: &[usize], rows: &[Vec<String>]) {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().zip(caps).map(|(c, &w)| cell(c, w)).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut line = |cells: &[&str]| {
        let mut s = String::new();
        for (cell, w) in cells.iter().zip(&widths) {
            s.push_str(cell);
            s.push_str(&" ".repeat(w - cell.chars().count() + 2));
        }
        out.push_str(s.trim_end());
        out.push('\n');
    };
    line(header);
    for r in &rows {
        line(&r.iter().map(String::as_str).collect::<Vec<_>>());
    }
}

/// One cell printed safely: control, format and bidi characters escaped (`\n`, `\u{202e}`),
/// at most `width` characters, a longer one cut and ended with `…`.
fn cell(value: &str, width: usize) -> String {
    let mut s = String::new();
    for c in value.chars() {
        if c.is_control() || is_format(c) {
            s.extend(c.escape_default());
        } else {
            s.push(c);
        }
    }
    if s.chars().count() > width {
        s = s.chars().take(width.saturating_sub(1)).collect();
        s.push('…');
    }
    s
}

fn describe(kind: &ChangeKind) -> String {
    match kind {
        ChangeKind::Create { account, .. } => format!(
            "{} {} in {}{}",
            account.given_name,
            account.family_name,
            account.org_unit_path,
            if account.suspended {
                " (suspended)"
            } else {
                ""
            }
        ),
        ChangeKind::Rename { from, to } => format!("{from} -> {to}"),
        ChangeKind::Update(p) => {
            let mut parts = Vec::new();
            if let Some(g) = &p.given_name {
                parts.push(format!("givenName={g:?}"));
            }
            if let Some(f) = &p.family_name {
                parts.push(format!("familyName={f:?}"));
            }
            for (schema, fields) in &p.custom_schemas {
                for (k, v) in fields {
                    parts.push(format!("{schema}.{k}={:?}", v.text()));
                }
            }
            if let Some(ids) = &p.external_ids {
                let ids: Vec<String> = ids
                    .iter()
                    .map(|i| format!("{}:{}", i.kind, i.value))
                    .collect();
                parts.push(format!("externalIds=[{}]", ids.join(",")));
            }
            parts.join(" ")
        }
        ChangeKind::Unsuspend | ChangeKind::Suspend | ChangeKind::RemoveFromGroups => String::new(),
        ChangeKind::Move { from, to } => format!("{from} -> {to}"),
        ChangeKind::RemoveLicence { product_id, sku_id } => format!("{product_id}/{sku_id}"),
        ChangeKind::Skip { reason } => reason.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Person, PersonKind};

    fn change(id: &str, name: &str, kind: ChangeKind) -> Change {
        Change {
            person: Person {
                kind: PersonKind::Student,
                id: id.into(),
                name: name.into(),
            },
            email: format!("{id}@d118.org"),
            account_id: None,
            kind,
        }
    }

    #[test]
    fn ids_sort_numerically_within_a_kind_and_skips_are_apart_and_uncounted() {
        let skip = |r: &str| ChangeKind::Skip { reason: r.into() };
        let plan = Plan {
            changes: vec![
                change("1010", "C, C", ChangeKind::Suspend),
                change("1009", "B, B", ChangeKind::Suspend),
                change("101", "A, A", ChangeKind::Suspend),
                change("99", "Z, Z", ChangeKind::Unsuspend),
                change("1000", "S, S", skip("bad name")),
                change("7", "T, T", skip("bad email")),
            ],
            ..Plan::default()
        };
        let t = plan.table();
        let ids: Vec<&str> = t
            .lines()
            .filter_map(|l| l.split_whitespace().nth(2))
            .collect();
        assert_eq!(&ids[1..5], ["99", "101", "1009", "1010"], "{t}");
        let skipped = t.split("SKIPPED").nth(1).expect("a skipped section");
        assert!(
            skipped.find("student 7 ") < skipped.find("student 1000 "),
            "{t}"
        );
        assert!(
            t.ends_with(
                "4 changes (suspend: 3, unsuspend: 1); 2 skipped (no change, listed above).\n"
            ),
            "{t}"
        );
    }

    #[test]
    fn cells_are_escaped_and_capped() {
        let long = "x".repeat(300);
        let plan = Plan {
            changes: vec![
                change("1", "Ev\nCREATE, \u{1b}[31m\u{202e}", ChangeKind::Suspend),
                change(
                    "2",
                    &long,
                    ChangeKind::Skip {
                        reason: long.clone(),
                    },
                ),
            ],
            ..Plan::default()
        };
        let t = plan.table();
        assert_eq!(t.lines().count(), 6, "{t}");
        assert!(t.contains(r"(Ev\nCREATE, \u{1b}[31m\u{202e})"), "{t}");
        assert!(!t.contains('\u{1b}') && !t.contains('\u{202e}'), "{t}");
        for l in t.lines() {
            assert!(l.chars().count() <= 48 + 2 + 100, "{l}");
        }
        assert!(t.contains("xxx…"), "{t}");
    }

    #[test]
    fn an_empty_plan_says_so() {
        assert_eq!(Plan::default().table(), "No changes.\n");
    }
}
