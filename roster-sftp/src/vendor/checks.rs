//! The checks a person passes before any vendor file lists them: the same ones an account
//! gets (the district's bad-name list, a sane name, an email of the district's domain that
//! nobody else holds). A person who fails is a located [`RowError`] and is in no file.
//!
//! **Spreadsheet formulas (OWASP "CSV injection")**: a person whose name or email starts with
//! `=`, `+`, `-`, `@`, a tab or a carriage return is *refused* (a row error): no real name
//! starts that way, and rewriting it would send the vendor a name the SIS does not have. Every
//! other cell (school and course names, home rooms, values a district hook fills in) is
//! *neutralised* where the CSV is written ([`neutralise`]): prefixed with `'`, as OWASP
//! recommends, so a spreadsheet shows it as text.
//!
//! Names and emails are checked by `roster_core::validate` (one implementation for accounts
//! and vendor files); this module adds the district's domains, the bad-name list, the
//! formula rule and uniqueness across the file (both holders of a shared address are refused,
//! since the file cannot tell which one the address belongs to).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use roster_core::policy::BadNames;
use roster_core::validate::{self, show};
use roster_core::{EnrollStatus, Roster, RowError, Staff, Student};

use super::{staff_row, student_row};

/// Characters that make a spreadsheet cell a formula when they come first (OWASP).
pub const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The district's rules for the people in its vendor files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VendorChecks {
    /// Email domains the district owns, lower-case; empty means any domain.
    domains: Vec<String>,
    bad_names: BadNames,
}

/// A roster with only the people who passed, and a row error for each who did not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screened {
    /// The roster without the people who failed.
    pub roster: Roster,
    /// One located error per person left out.
    pub errors: Vec<RowError>,
}

impl VendorChecks {
    /// Emails must be at one of `domains` (compared without case).
    pub fn new<I, S>(domains: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        VendorChecks {
            domains: domains
                .into_iter()
                .map(|d| d.as_ref().trim().to_ascii_lowercase())
                .filter(|d| !d.is_empty())
                .collect(),
            bad_names: BadNames::default(),
        }
    }

    /// People whose whole first or last name is on this list are test accounts: left out.
    pub fn bad_names(mut self, bad_names: BadNames) -> Self {
        self.bad_names = bad_names;
        self
    }

    /// Keeps the people who pass. Only people a file can list are checked (active students
    /// and active staff); the others stay as they are, since no export lists them.
    pub fn screen(&self, roster: Roster) -> Screened {
        self.screen_after(roster, &[])
    }

    /// [`VendorChecks::screen`], given the row errors of the SIS read: a person whose address
    /// a later row also claimed (the read refused that row, [`validate::ALREADY_HELD`]) is
    /// refused too, so two people with one address are both left out.
    pub fn screen_after(&self, mut roster: Roster, read_errors: &[RowError]) -> Screened {
        let contested: BTreeMap<&str, (&str, &str)> = read_errors
            .iter()
            .filter_map(|e| {
                let (shown, rest) = e.reason.split_once(validate::ALREADY_HELD)?;
                Some((
                    rest.split(';').next()?,
                    (shown.trim(), e.source_row.as_str()),
                ))
            })
            .collect();
        let mut errors = Vec::new();
        let mut refused_students = BTreeSet::new();
        let mut refused_staff = BTreeSet::new();
        // Address -> who holds it, for uniqueness (after the per-person checks).
        let mut holders: BTreeMap<String, Vec<Holder>> = BTreeMap::new();
        for s in roster
            .students
            .iter()
            .filter(|s| s.enroll_status == EnrollStatus::Active)
        {
            match self.person_problem(&s.first_name, &s.last_name, s.email.as_deref()) {
                Some((field, reason)) => {
                    errors.push(RowError::new(student_row(s), student_field(field), reason));
                    refused_students.insert(s.student_number.clone());
                }
                None => note_holder(&mut holders, s.email.as_deref(), Holder::Student(s)),
            }
        }
        for s in roster.staff.iter().filter(|s| s.is_active()) {
            match self.person_problem(&s.first_name, &s.last_name, s.email.as_deref()) {
                Some((field, reason)) => {
                    errors.push(RowError::new(staff_row(s.dcid), staff_field(field), reason));
                    refused_staff.insert(s.dcid);
                }
                None => note_holder(&mut holders, s.email.as_deref(), Holder::Staff(s)),
            }
        }
        for who in holders.values().flatten() {
            if let Some((shown, later)) = contested.get(who.row().as_str()) {
                errors.push(RowError::new(
                    who.row(),
                    who.email_field(),
                    format!(
                        "{shown} is also the address of {later}: two people with one address, neither is sent"
                    ),
                ));
                match who {
                    Holder::Student(s) => refused_students.insert(s.student_number.clone()),
                    Holder::Staff(s) => refused_staff.insert(s.dcid),
                };
            }
        }
        for (email, who) in holders.iter().filter(|(_, who)| who.len() > 1) {
            let rows: Vec<String> = who.iter().map(Holder::row).collect();
            for h in who {
                let others: Vec<&str> = rows
                    .iter()
                    .filter(|r| **r != h.row())
                    .map(String::as_str)
                    .collect();
                errors.push(RowError::new(
                    h.row(),
                    h.email_field(),
                    format!(
                        "{email} is also the address of {}: two people with one address, neither is sent",
                        others.join(", ")
                    ),
                ));
                match h {
                    Holder::Student(s) => refused_students.insert(s.student_number.clone()),
                    Holder::Staff(s) => refused_staff.insert(s.dcid),
                };
            }
        }
        roster
            .students
            .retain(|s| !refused_students.contains(&s.student_number));
        roster.staff.retain(|s| !refused_staff.contains(&s.dcid));
        Screened { roster, errors }
    }

    /// The first problem with a person, as (which field, why).
    fn person_problem(
        &self,
        first: &str,
        last: &str,
        email: Option<&str>,
    ) -> Option<(Field, String)> {
        if let Some(bad) = self.bad_names.matches(first, last) {
            let field = if first.trim().eq_ignore_ascii_case(bad) {
                Field::First
            } else {
                Field::Last
            };
            return Some((
                field,
                format!(
                    "name matches the district's bad-name list ({bad:?}): a test account is not sent"
                ),
            ));
        }
        for (field, name) in [(Field::First, first), (Field::Last, last)] {
            if let Some(why) = name_problem(name) {
                return Some((field, format!("{} {why}", show(name))));
            }
        }
        let email = email.map(str::trim).filter(|e| !e.is_empty())?;
        email_problem(email, &self.domains)
            .map(|why| (Field::Email, format!("{} {why}", show(email))))
    }
}

/// Why a name cannot go into a vendor file, if it cannot: [`validate::person_name`]'s rules
/// (the ones an account gets), then a formula start.
pub fn name_problem(name: &str) -> Option<String> {
    if let Err(bad) = validate::person_name(name) {
        return Some(bad.reason);
    }
    formula_start(name.trim())
        .map(|c| format!("starts with {c:?}: a spreadsheet would run it as a formula"))
}

/// Why an email (already trimmed) cannot go into a vendor file, if it cannot: a formula
/// start, then [`validate::email`]'s RFC 5321 shape (ASCII local part, as Google requires),
/// then one of `domains` (lower-case; empty = any).
pub fn email_problem(email: &str, domains: &[String]) -> Option<String> {
    if let Some(c) = formula_start(email) {
        return Some(format!(
            "starts with {c:?}: a spreadsheet would run it as a formula"
        ));
    }
    if let Err(bad) = validate::email(email) {
        return Some(bad.reason);
    }
    let domain = email.rsplit_once('@')?.1.to_ascii_lowercase();
    if !domains.is_empty() && !domains.contains(&domain) {
        return Some(format!(
            "is not at the district's domain ({})",
            domains.join(", ")
        ));
    }
    None
}

/// The formula character a cell starts with, if any.
pub fn formula_start(value: &str) -> Option<char> {
    value.chars().next().filter(|c| FORMULA_STARTS.contains(c))
}

/// A cell as a spreadsheet should see it: with `'` in front when it would start a formula.
pub fn neutralise(cell: &[u8]) -> Cow<'_, [u8]> {
    match cell.first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => {
            let mut v = Vec::with_capacity(cell.len() + 1);
            v.push(b'\'');
            v.extend_from_slice(cell);
            Cow::Owned(v)
        }
        _ => Cow::Borrowed(cell),
    }
}

#[derive(Clone, Copy)]
enum Field {
    First,
    Last,
    Email,
}

fn student_field(f: Field) -> &'static str {
    match f {
        Field::First => "FIRST_NAME",
        Field::Last => "LAST_NAME",
        Field::Email => "EMAIL",
    }
}

fn staff_field(f: Field) -> &'static str {
    match f {
        Field::First => "FIRST_NAME",
        Field::Last => "LAST_NAME",
        Field::Email => "EMAIL_ADDR",
    }
}

enum Holder<'a> {
    Student(&'a Student),
    Staff(&'a Staff),
}

impl Holder<'_> {
    fn row(&self) -> String {
        match self {
            Holder::Student(s) => student_row(s),
            Holder::Staff(s) => staff_row(s.dcid),
        }
    }
    fn email_field(&self) -> &'static str {
        match self {
            Holder::Student(_) => student_field(Field::Email),
            Holder::Staff(_) => staff_field(Field::Email),
        }
    }
}

fn note_holder<'a>(
    holders: &mut BTreeMap<String, Vec<Holder<'a>>>,
    email: Option<&str>,
    who: Holder<'a>,
) {
    if let Some(e) = email
        .map(|e| e.trim().to_lowercase())
        .filter(|e| !e.is_empty())
    {
        holders.entry(e).or_default().push(who);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d118() -> Vec<String> {
        vec!["d118.org".into()]
    }

    #[test]
    fn emails_from_the_issue_are_refused_with_a_reason() {
        let cases = [
            ("diego williams@d118.org", "' ' is not allowed before '@'"),
            ("finn@shah@d118.org", "more than one '@'"),
            ("@d118.org", "starts with '@'"),
            (
                "finn@other.org",
                "is not at the district's domain (d118.org)",
            ),
            ("finn@d118.org.", "the domain ends with '.'"),
            ("josé@d118.org", "must be ASCII"),
            ("a..b@d118.org", "misplaced '.'"),
            ("=cmd@d118.org", "formula"),
            ("finn", "no '@'"),
            ("finn@localhost", "the domain has no '.'"),
        ];
        for (email, want) in cases {
            let why = email_problem(email, &d118());
            assert!(
                why.as_deref().is_some_and(|w| w.contains(want)),
                "{email}: {why:?}"
            );
        }
        assert_eq!(email_problem("o'brien.liam@D118.org", &d118()), None);
        assert_eq!(email_problem("finn@anywhere.example", &[]), None);
    }

    #[test]
    fn names_with_controls_or_formulas_are_refused() {
        assert!(
            name_problem("=HYPERLINK(\"x\")")
                .unwrap()
                .contains("formula")
        );
        assert!(name_problem("-Pat").unwrap().contains("formula"));
        assert!(name_problem("Pat\nSUSPEND").unwrap().contains("U+000A"));
        assert!(name_problem("\u{202E}trA").unwrap().contains("U+202E"));
        assert!(name_problem("  ").unwrap().contains("empty"));
        assert_eq!(name_problem("Anne-Marie O'Brien"), None);
        assert_eq!(name_problem("Zoë"), None);
    }

    #[test]
    fn neutralise_prefixes_formula_cells_only() {
        assert_eq!(&*neutralise(b"=1+2"), b"'=1+2");
        assert_eq!(&*neutralise(b"@SUM(A1)"), b"'@SUM(A1)");
        assert_eq!(&*neutralise(b"\tx"), b"'\tx");
        assert_eq!(&*neutralise(b"Riverside High"), b"Riverside High");
        assert_eq!(&*neutralise(b""), b"");
        assert!(matches!(neutralise(b"x=1"), Cow::Borrowed(_)));
    }

    #[test]
    fn shown_escapes_controls() {
        assert_eq!(show("O'Neil\nb\u{1b}[31m"), "\"O'Neil\\nb\\u{1b}[31m\"");
    }
}
