//! A plan for people: the table `roster plan` prints, and the JSON of its changes.

use std::fmt::Write as _;

use super::{ChangeKind, Plan};

impl Plan {
    /// The plan as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.changes).expect("a plan always serialises")
    }

    /// A table for people: one line per change, then counts.
    pub fn table(&self) -> String {
        let rows: Vec<[String; 4]> = self
            .changes
            .iter()
            .map(|c| {
                [
                    c.kind.label().to_uppercase(),
                    c.person.to_string(),
                    c.email.clone(),
                    describe(&c.kind),
                ]
            })
            .collect();
        let header = ["ACTION", "PERSON", "ACCOUNT", "DETAIL"];
        let mut widths = header.map(str::len);
        for r in &rows {
            for (w, cell) in widths.iter_mut().zip(r) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        let line = |out: &mut String, cells: [&str; 4]| {
            let mut s = String::new();
            for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
                if i == 3 {
                    s.push_str(cell);
                } else {
                    let pad = w - cell.chars().count();
                    s.push_str(cell);
                    s.push_str(&" ".repeat(pad + 2));
                }
            }
            out.push_str(s.trim_end());
            out.push('\n');
        };
        line(&mut out, header);
        for r in &rows {
            line(&mut out, [&r[0], &r[1], &r[2], &r[3]]);
        }
        let counts = self.counts();
        if counts.is_empty() {
            out.push_str("No changes.\n");
        } else {
            let summary: Vec<String> = counts.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            let _ = writeln!(
                out,
                "{} changes ({})",
                self.changes.len(),
                summary.join(", ")
            );
        }
        out
    }
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
