//! Field checks at the edge: every value a SIS (or a vendor file) hands us is checked here
//! before it can become an account, an OU or a vendor row.
//!
//! Each check returns the cleaned value or an [`Invalid`] that shows the value safely
//! ([`show`]: quoted, control and invisible characters escaped, long values cut) with the
//! reason. Sources turn an [`Invalid`] into a [`RowError`] located by source,
//! row key and field ([`Invalid::at`]); the person is then not loaded, so the plan neither
//! creates nor suspends them (an account that exists is left as it is).
//!
//! | Field | Rule |
//! | --- | --- |
//! | identifiers (student numbers, DCIDs) | ASCII digits only, positive, at most [`FieldRules::max_id_len`] digits |
//! | person names | Unicode NFC; no control, format or bidi characters; not empty after trimming; at least one letter |
//! | OU path components (school abbreviations and names) | no `/` or `\`, no `..`, not empty, no control/format characters, none of `< > " =`, at most 60 characters |
//! | enroll status, staff type, grade | PowerSchool's defined codes only ([`enroll_status`], [`staff_type`], [`grade`]) |
//! | emails | RFC 5321 shape: one `@`, an ASCII dot-atom local part of at most 64 octets, a dotted domain of LDH labels, no trailing dot, at most 254 octets |
//! | optional fields (DOB, CLASSOF) | a bad value is a warning ([`class_of`]); the person still loads without it |
//!
//! Uniqueness of emails is per source read: [`Emails`] gives an address to the first person
//! in SIS order and makes every later claim a row error naming the first.

use std::collections::HashMap;
use std::fmt;

use unicode_normalization::UnicodeNormalization;

use crate::model::{EnrollStatus, Grade, RowError, StaffType};

#[cfg(test)]
mod tests;

/// District-configurable limits of the checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldRules {
    /// Longest identifier accepted, in digits (default 10; at most 18, so every accepted
    /// identifier fits an `i64`).
    pub max_id_len: usize,
}

impl Default for FieldRules {
    fn default() -> Self {
        FieldRules { max_id_len: 10 }
    }
}

impl FieldRules {
    /// Rules with another identifier length (clamped to 1..=18).
    pub fn with_max_id_len(max_id_len: usize) -> Self {
        FieldRules {
            max_id_len: max_id_len.clamp(1, 18),
        }
    }
}

/// Longest OU name accepted (characters).
pub const MAX_OU_NAME: usize = 60;

/// A value that failed a check: the value shown safely, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The value as [`show`] renders it.
    pub shown: String,
    /// Why the value was refused.
    pub reason: String,
}

impl Invalid {
    fn new(value: &str, reason: impl Into<String>) -> Self {
        Invalid {
            shown: show(value),
            reason: reason.into(),
        }
    }

    /// The located row error: `source_row: field: "value" reason`.
    pub fn at(&self, source_row: impl Into<String>, field: impl Into<String>) -> RowError {
        RowError::new(source_row, field, self.to_string())
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.shown, self.reason)
    }
}

impl std::error::Error for Invalid {}

/// A value quoted for a report or a terminal: `"` + [`escape`] + `"`.
pub fn show(value: &str) -> String {
    format!("\"{}\"", escape(value))
}

/// A value made safe to print: control, format and bidi characters (and `"` and `\`)
/// escaped as Rust escapes them, at most 60 characters then `…`. Never contains a newline,
/// an escape sequence or an invisible character.
pub fn escape(value: &str) -> String {
    const MAX: usize = 60;
    let mut out = String::new();
    for (i, c) in value.chars().enumerate() {
        if i == MAX {
            out.push('…');
            break;
        }
        if c.is_control() || is_format(c) || c == '"' || c == '\\' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Unicode general category Cf (format: zero-width, joiners, bidi embeddings, overrides and
/// isolates, the BOM, soft hyphen, tags) plus the line and paragraph separators.
pub fn is_format(c: char) -> bool {
    matches!(c,
        '\u{AD}' | '\u{600}'..='\u{605}' | '\u{61C}' | '\u{6DD}' | '\u{70F}' | '\u{890}'..='\u{891}'
        | '\u{8E2}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}'
        | '\u{110BD}' | '\u{110CD}' | '\u{13430}'..='\u{1343F}' | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}' | '\u{E0001}' | '\u{E0020}'..='\u{E007F}')
}

fn forbidden_char(value: &str) -> Option<String> {
    value.chars().find_map(|c| {
        if c.is_control() {
            Some(format!("contains the control character U+{:04X}", c as u32))
        } else if is_format(c) {
            Some(format!(
                "contains the invisible or bidi character U+{:04X}",
                c as u32
            ))
        } else {
            None
        }
    })
}

/// A student number or other SIS identifier: ASCII digits only, positive, at most
/// `rules.max_id_len` digits. Surrounding spaces are trimmed; leading zeros are kept.
pub fn identifier(value: &str, rules: &FieldRules) -> Result<String, Invalid> {
    let t = value.trim();
    if t.is_empty() {
        return Err(Invalid::new(value, "is empty"));
    }
    if !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Invalid::new(value, "is not an identifier: digits 0-9 only"));
    }
    if t.bytes().all(|b| b == b'0') {
        return Err(Invalid::new(
            value,
            "is not an identifier: must be positive",
        ));
    }
    if t.len() > rules.max_id_len {
        return Err(Invalid::new(
            value,
            format!(
                "is not an identifier: {} digits, at most {} allowed",
                t.len(),
                rules.max_id_len
            ),
        ));
    }
    Ok(t.to_string())
}

/// A numeric identifier (a DCID) read as a number: the same rules as [`identifier`].
pub fn id_number(value: i64, rules: &FieldRules) -> Result<i64, Invalid> {
    identifier(&value.to_string(), rules).map(|_| value)
}

/// A `SCHOOLS.SCHOOL_NUMBER`: the rules of [`id_number`], except that 0 is allowed:
/// PowerSchool numbers the district office 0, and D118's staff script names school 0 as a
/// building with staff (`d118-staffsync.pyw:173`).
pub fn school_number(value: i64, rules: &FieldRules) -> Result<i64, Invalid> {
    if value == 0 {
        return Ok(0);
    }
    id_number(value, rules)
}

/// A person's given or family name: normalised to NFC and trimmed; refused when it holds a
/// control, format or bidi character (NUL, ESC, newline, U+202E, zero-width), is empty, or
/// has no letter (emoji-only, punctuation-only).
pub fn person_name(value: &str) -> Result<String, Invalid> {
    if let Some(why) = forbidden_char(value) {
        return Err(Invalid::new(value, why));
    }
    let n: String = value.trim().nfc().collect();
    if n.is_empty() {
        return Err(Invalid::new(value, "is empty"));
    }
    if !n.chars().any(char::is_alphabetic) {
        return Err(Invalid::new(value, "has no letter"));
    }
    Ok(n)
}

/// One component of an OU path taken from SIS data (a school abbreviation or name): trimmed
/// and NFC; refused when empty, holding `/`, `\`, `..`, one of `< > " =`, a control or
/// format character, or over [`MAX_OU_NAME`] characters.
pub fn ou_component(value: &str) -> Result<String, Invalid> {
    if let Some(why) = forbidden_char(value) {
        return Err(Invalid::new(value, why));
    }
    let n: String = value.trim().nfc().collect();
    if n.is_empty() {
        return Err(Invalid::new(value, "is empty (an OU name needs one)"));
    }
    if let Some(c) = n.chars().find(|c| matches!(c, '/' | '\\')) {
        return Err(Invalid::new(
            value,
            format!("contains '{c}' (it would split the OU path)"),
        ));
    }
    if n.contains("..") {
        return Err(Invalid::new(value, "contains '..'"));
    }
    if let Some(c) = n.chars().find(|c| matches!(c, '<' | '>' | '"' | '=')) {
        return Err(Invalid::new(
            value,
            format!("contains '{c}', not allowed in an OU name"),
        ));
    }
    let len = n.chars().count();
    if len > MAX_OU_NAME {
        return Err(Invalid::new(
            value,
            format!("has {len} characters; an OU name allows {MAX_OU_NAME}"),
        ));
    }
    Ok(n)
}

/// An email address in RFC 5321 shape with an ASCII local part (Google requires one),
/// trimmed; the case is kept (policies lower-case addresses; [`Emails`] ignores case).
pub fn email(value: &str) -> Result<String, Invalid> {
    let bad = |why: &str| {
        Err(Invalid::new(
            value,
            format!("is not an email address: {why}"),
        ))
    };
    let t = value.trim();
    if t.is_empty() {
        return Err(Invalid::new(value, "is empty"));
    }
    if t.len() > 254 {
        return bad("longer than 254 octets");
    }
    let Some((local, domain)) = t.split_once('@') else {
        return bad("no '@'");
    };
    if domain.contains('@') {
        return bad("more than one '@'");
    }
    if local.is_empty() {
        return bad("nothing before '@'");
    }
    if local.len() > 64 {
        return bad("more than 64 octets before '@'");
    }
    if !local.is_ascii() {
        return bad("the part before '@' must be ASCII");
    }
    const ATEXT: &[u8] = b"!#$%&'*+-/=?^_`{|}~.";
    if let Some(c) = local
        .bytes()
        .find(|b| !b.is_ascii_alphanumeric() && !ATEXT.contains(b))
    {
        return bad(&format!("'{}' is not allowed before '@'", c as char));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return bad("misplaced '.' before '@'");
    }
    if domain.is_empty() {
        return bad("no domain after '@'");
    }
    if domain.ends_with('.') {
        return bad("the domain ends with '.'");
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return bad("the domain has no '.'");
    }
    for l in labels {
        let ok = !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-');
        if !ok {
            return bad("the domain is not letters, digits, '-' and '.'");
        }
    }
    Ok(t.to_string())
}

/// `STUDENTS.ENROLL_STATUS`: PowerSchool defines -1 to 4; any other code is refused (the
/// student is skipped, never suspended).
pub fn enroll_status(code: i32) -> Result<EnrollStatus, Invalid> {
    match EnrollStatus::from(code) {
        EnrollStatus::Other(n) => Err(Invalid::new(
            &n.to_string(),
            "is not an enroll status PowerSchool defines (-1 to 4)",
        )),
        s => Ok(s),
    }
}

/// `SCHOOLSTAFF.STAFFSTATUS`: 0 to 4; any other code is refused.
pub fn staff_type(code: i32) -> Result<StaffType, Invalid> {
    match StaffType::from(code) {
        StaffType::Other(n) => Err(Invalid::new(
            &n.to_string(),
            "is not a staff status PowerSchool defines (0 to 4)",
        )),
        t => Ok(t),
    }
}

/// Grade levels accepted: -2 to 14 (PreK/TK, kindergarten, 1-12 and the two post-secondary
/// levels) and 99 (graduated, as districts use it).
pub fn grade(code: i32) -> Result<Grade, Invalid> {
    if (-2..=14).contains(&code) || code == 99 {
        Ok(Grade(code))
    } else {
        Err(Invalid::new(
            &code.to_string(),
            "is not a grade level (-2 to 14, or 99)",
        ))
    }
}

/// An optional graduation year: 1900 to 2200, else a warning and no value.
pub fn class_of(year: i32) -> Result<i32, Invalid> {
    if (1900..=2200).contains(&year) {
        Ok(year)
    } else {
        Err(Invalid::new(
            &year.to_string(),
            "is not a graduation year; ignored",
        ))
    }
}

/// The words an [`Emails`] refusal puts before the first holder's row key (then `;`): lets a
/// vendor job refuse the first holder too.
pub const ALREADY_HELD: &str = "is already the address of ";

/// Email uniqueness within one read: the first person in SIS order keeps an address; a later
/// claim is refused with the first holder's row key. Case-insensitive.
#[derive(Debug, Default)]
pub struct Emails {
    holders: HashMap<String, String>,
}

impl Emails {
    /// No email claimed yet.
    pub fn new() -> Self {
        Emails::default()
    }

    /// Claims `address` (already checked by [`email`]) for the person at `row`.
    pub fn claim(&mut self, address: &str, row: &str) -> Result<(), Invalid> {
        let key = address.to_ascii_lowercase();
        match self.holders.get(&key) {
            Some(first) => Err(Invalid::new(
                address,
                format!("{ALREADY_HELD}{first}; this row is not loaded"),
            )),
            None => {
                self.holders.insert(key, row.to_string());
                Ok(())
            }
        }
    }
}
