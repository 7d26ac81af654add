//! Name rules: the bad-name list and title case.

use std::collections::BTreeSet;

/// Names that mark test or placeholder accounts (D118 skips "test", "student", "sub", ...).
///
/// **Match rule:** a person is skipped when their whole first name or whole last name,
/// trimmed and lower-cased, equals an entry. Nothing else matches: "Donna" does not match
/// "do", "Testa" does not match "test", and "Do" (a real surname) matches only when the
/// district lists "do" itself. This is stricter than substring matching on purpose: a
/// substring rule would silently drop real people.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BadNames(BTreeSet<String>);

impl BadNames {
    /// The list, trimmed and lower-cased; blank entries are dropped.
    pub fn new<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        BadNames(
            names
                .into_iter()
                .map(|n| n.as_ref().trim().to_lowercase())
                .filter(|n| !n.is_empty())
                .collect(),
        )
    }

    /// The entry that matches this first or last name, if any.
    pub fn matches(&self, first: &str, last: &str) -> Option<&str> {
        [first, last].into_iter().find_map(|n| {
            let n = n.trim().to_lowercase();
            self.0.get(&n).map(String::as_str)
        })
    }
}

/// Name particles kept lower-case inside a name (see [`title_case`]).
pub const PARTICLES: &[&str] = &[
    "de", "del", "della", "der", "den", "da", "di", "du", "la", "le", "van", "von", "y",
];

/// Title case the way a person writes a name, for names PowerSchool keeps in capitals.
///
/// Rules (tested below and in `tests/name_rules.rs`):
/// - leading and trailing spaces go, runs of spaces become one;
/// - each word, and each part after a hyphen, starts with a capital and continues in lower
///   case: `GARCÍA-LÓPEZ` -> `García-López` (accents and other scripts case as Unicode says);
/// - after an apostrophe that follows a single letter the next letter is a capital
///   (`O'BRIEN` -> `O'Brien`, `D'ANGELO` -> `D'Angelo`); after a longer start it is not
///   (`ST. MARY'S` -> `St. Mary's`, `DE'ANDRE` -> `De'andre`);
/// - `Mc` followed by at least two letters capitalises the next letter (`MCDONALD` ->
///   `McDonald`); `Mac` does not (`MACK`, `MACHADO` and `MACY` are not Mac-names, and
///   `MacDonald` cannot be told from `Macdonald` by rule);
/// - the particles in [`PARTICLES`] (de, del, della, der, den, da, di, du, la, le, van, von, y)
///   are lower-case unless they are the first or the last word of the name:
///   `VAN DER BERG` -> `Van der Berg`, `juan de la cruz` -> `Juan de la Cruz`,
///   `LA TOYA` -> `La Toya`.
///
/// A name the district has fixed by hand in Google (`MacDonald`, `De'Andre`) stays as it is:
/// names are compared ignoring case (DESIGN §5), so title case only decides how a new account
/// or a changed name is first written.
pub fn title_case(s: &str) -> String {
    let words: Vec<&str> = s.split_whitespace().collect();
    let last = words.len().saturating_sub(1);
    words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let lower = w.to_lowercase();
            if i > 0 && i < last && PARTICLES.contains(&lower.as_str()) {
                lower
            } else {
                title_word(&lower)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn title_word(lower: &str) -> String {
    let chars: Vec<char> = lower.chars().collect();
    let mut out = String::with_capacity(lower.len());
    let mut seg_start = 0; // index where the current hyphen segment starts
    for (i, &c) in chars.iter().enumerate() {
        let capital = if i == seg_start {
            true
        } else {
            let prev = chars[i - 1];
            let after_single_letter_apostrophe =
                (prev == '\'' || prev == '’') && i >= 2 && i - 2 == seg_start;
            let after_mc = i == seg_start + 2
                && chars[seg_start] == 'm'
                && chars[seg_start + 1] == 'c'
                && chars.len() > seg_start + 3;
            after_single_letter_apostrophe || after_mc
        };
        if capital {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        if c == '-' {
            seg_start = i + 1;
        }
    }
    out
}

/// Python's `str.title()`, which the D118 scripts apply to school names to build OU paths
/// (`/D118 Staff/<name> Staff`) and the CrisisGO `Building`: a letter with case that follows
/// one without (or starts the text) becomes upper case, every other one lower case. Spaces
/// are kept as they are. `WAUCONDA HIGH SCHOOL` -> `Wauconda High School`, and, as Python
/// does, `ST. MARY'S` -> `St. Mary'S`: an OU named by the script has this spelling, so the
/// engine must produce the same one or it would move every account to a new OU.
pub fn python_title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_cased = false;
    for c in s.chars() {
        let cased = c.is_uppercase() || c.is_lowercase();
        if cased && !prev_cased {
            out.extend(c.to_uppercase());
        } else if cased {
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
        prev_cased = cased;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_names_match_whole_names_only() {
        let list = BadNames::new(["test", "student", "sub"]);
        assert_eq!(list.matches("Test", "Account"), Some("test"));
        assert_eq!(list.matches("Jane", " STUDENT "), Some("student"));
        assert_eq!(list.matches("Subira", "Okafor"), None);
        assert_eq!(list.matches("Testa", "Rossi"), None);
        // A real surname "Do" survives unless the district lists "do".
        assert_eq!(list.matches("Minh", "Do"), None);
        let with_do = BadNames::new(["do"]);
        assert_eq!(with_do.matches("Minh", "Do"), Some("do"));
        assert_eq!(with_do.matches("Donna", "Smith"), None);
    }

    #[test]
    fn title_case_handles_real_names() {
        for (input, want) in [
            ("O'BRIEN", "O'Brien"),
            ("mcdonald", "McDonald"),
            ("DE LA CRUZ", "De la Cruz"),
            ("juan de la cruz", "Juan de la Cruz"),
            ("VAN DER BERG", "Van der Berg"),
            ("LA TOYA", "La Toya"),
            ("MACK", "Mack"),
            ("MACDONALD", "Macdonald"),
            ("GARCÍA-LÓPEZ", "García-López"),
            ("  o'brien  ", "O'Brien"),
            ("DE'ANDRE", "De'andre"),
            ("smith-jones", "Smith-Jones"),
            ("ST. MARY'S", "St. Mary's"),
            ("wauconda  high school", "Wauconda High School"),
            ("d'angelo", "D'Angelo"),
            ("mc", "Mc"),
            ("José ÁLVAREZ", "José Álvarez"),
            ("van", "Van"),
        ] {
            assert_eq!(title_case(input), want, "{input}");
        }
    }

    #[test]
    fn python_title_is_str_title() {
        // Expected values are what CPython 3 prints for `s.title()`.
        for (input, want) in [
            ("WAUCONDA HIGH SCHOOL", "Wauconda High School"),
            ("ST. MARY'S", "St. Mary'S"),
            ("robert crown  elementary", "Robert Crown  Elementary"),
            ("GARCÍA-LÓPEZ", "García-López"),
            ("MCDONALD", "Mcdonald"),
            ("district 118", "District 118"),
            ("3RD grade", "3Rd Grade"),
            (" substitute ", " Substitute "),
        ] {
            assert_eq!(python_title(input), want, "{input}");
        }
    }
}
