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

const PARTICLES: &[&str] = &[
    "de", "del", "della", "der", "den", "da", "di", "du", "la", "le", "van", "von", "y",
];

/// Title case that is right for names, unlike Python's `str.title()`:
/// `O'BRIEN` -> `O'Brien`, `mcdonald` -> `McDonald`, `DE LA CRUZ` -> `de la Cruz`,
/// `smith-jones` -> `Smith-Jones`, `ST. MARY'S` -> `St. Mary's`.
///
/// Rules: each word is capitalised after a start, a hyphen, or an apostrophe that follows a
/// single letter (O', D'); `Mc` prefixes capitalise the next letter; the particles de, del,
/// della, der, den, da, di, du, la, le, van, von, y stay lower-case unless they are the last
/// word. Whitespace runs collapse to one space.
pub fn title_case(s: &str) -> String {
    let words: Vec<&str> = s.split_whitespace().collect();
    let last = words.len().saturating_sub(1);
    words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let lower = w.to_lowercase();
            if i < last && PARTICLES.contains(&lower.as_str()) {
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
            ("DE LA CRUZ", "de la Cruz"),
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
}
