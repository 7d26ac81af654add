//! The safety valve's limits: plain data that a district's rules carry and [`crate::safety`]
//! reads. It imports nothing of the plan or the rules, so both can depend on it.
//!
//! A run is limited per kind of change (creates, renames, moves, suspensions, unsuspensions,
//! licence removals),
//! like ClassLink OneSync's per-operation guards and GCDS's deletion limits: each [`Cap`] is a
//! share of a base, a count, or both (the stricter wins). Run caps count against the managed
//! accounts; per-school caps against the school's managed accounts (creates: its SIS rows).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A kind of change that a limit can cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitedKind {
    /// New accounts.
    Create,
    /// Primary email changes.
    Rename,
    /// OU moves.
    Move,
    /// Suspensions.
    Suspend,
    /// Unsuspensions.
    Unsuspend,
    /// Licence removals (`ChangeKind::RemoveLicence`: D118's summer graduates losing their
    /// Google Workspace for Education licence). A removal takes away the person's paid
    /// Google features, and a rule gone wrong (every student taken for a graduate) would do
    /// it to the whole district in one night, so it is capped like suspensions.
    RemoveLicence,
}

impl LimitedKind {
    /// Every limited kind, in report order.
    pub const ALL: [LimitedKind; 6] = [
        LimitedKind::Create,
        LimitedKind::Rename,
        LimitedKind::Move,
        LimitedKind::Suspend,
        LimitedKind::Unsuspend,
        LimitedKind::RemoveLicence,
    ];

    /// The change label it counts (as `ChangeKind::label` names it).
    pub fn label(self) -> &'static str {
        match self {
            LimitedKind::Create => "create",
            LimitedKind::Rename => "rename",
            LimitedKind::Move => "move",
            LimitedKind::Suspend => "suspend",
            LimitedKind::Unsuspend => "unsuspend",
            LimitedKind::RemoveLicence => "remove_licence",
        }
    }
}

impl fmt::Display for LimitedKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A cap on one kind of change: a share of a base (0.0 to 1.0), a count, or both.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Cap {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// At most this fraction (0.0..=1.0) of the base.
    pub share: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// At most this many.
    pub count: Option<usize>,
}

/// Why a cap (a flag value or a policy's) is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CapError {
    #[error("empty value: give a percent (`5%`) or a count (`200`)")]
    /// Nothing was given.
    Empty,
    #[error("{0:?} is not a percent (`5%`) or a count (`200`)")]
    /// Neither a percent nor a count.
    NotANumber(String),
    #[error("{0:?} is negative")]
    /// Below zero.
    Negative(String),
    #[error("{0:?} is over 100%")]
    /// A percent over 100.
    OverHundred(String),
    #[error("{0:?} is not a finite number")]
    /// NaN or infinite.
    NotFinite(String),
}

impl Cap {
    /// No cap at all.
    pub const NONE: Cap = Cap {
        share: None,
        count: None,
    };

    /// A cap of `share` (0.0..=1.0) of the base.
    pub fn share(share: f64) -> Cap {
        Cap {
            share: Some(share),
            count: None,
        }
    }

    /// A cap of `count` changes.
    pub fn count(count: usize) -> Cap {
        Cap {
            share: None,
            count: Some(count),
        }
    }

    /// No limit set?
    pub fn is_none(&self) -> bool {
        self.share.is_none() && self.count.is_none()
    }

    /// The most changes allowed against `base`, if capped: the stricter of the two.
    pub fn limit(&self, base: usize) -> Option<usize> {
        let from_share = self.share.map(|s| (s * base as f64).floor() as usize);
        match (from_share, self.count) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// A share must be a finite number from 0 to 1 (a policy written in code can get it wrong
    /// where the flag parser cannot).
    pub fn validate(&self) -> Result<(), CapError> {
        if let Some(s) = self.share {
            let text = format!("{}%", s * 100.0);
            if !s.is_finite() {
                return Err(CapError::NotFinite(text));
            }
            if s < 0.0 {
                return Err(CapError::Negative(text));
            }
            if s > 1.0 {
                return Err(CapError::OverHundred(text));
            }
        }
        Ok(())
    }
}

impl FromStr for Cap {
    type Err = CapError;

    /// `5%` (a share of the base), `200` (a count); `none` removes the cap.
    fn from_str(s: &str) -> Result<Cap, CapError> {
        let t = s.trim();
        if t.is_empty() {
            return Err(CapError::Empty);
        }
        if t.eq_ignore_ascii_case("none") {
            return Ok(Cap::NONE);
        }
        if let Some(pct) = t.strip_suffix('%') {
            let v: f64 = pct
                .trim()
                .parse()
                .map_err(|_| CapError::NotANumber(s.into()))?;
            if !v.is_finite() {
                return Err(CapError::NotFinite(s.into()));
            }
            if v < 0.0 {
                return Err(CapError::Negative(s.into()));
            }
            if v > 100.0 {
                return Err(CapError::OverHundred(s.into()));
            }
            return Ok(Cap::share(v / 100.0));
        }
        if t.starts_with('-') {
            return Err(CapError::Negative(s.into()));
        }
        match t.parse::<usize>() {
            Ok(n) => Ok(Cap::count(n)),
            Err(_) => match t.parse::<f64>() {
                Ok(v) if !v.is_finite() => Err(CapError::NotFinite(s.into())),
                _ => Err(CapError::NotANumber(s.into())),
            },
        }
    }
}

/// One cap per kind of change.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct KindCaps {
    #[serde(default)]
    /// Cap on new accounts.
    pub create: Cap,
    #[serde(default)]
    /// Cap on renames.
    pub rename: Cap,
    #[serde(default, rename = "move")]
    /// Cap on OU moves.
    pub moves: Cap,
    #[serde(default)]
    /// Cap on suspensions.
    pub suspend: Cap,
    #[serde(default)]
    /// Cap on unsuspensions.
    pub unsuspend: Cap,
    #[serde(default)]
    /// Cap on licence removals.
    pub remove_licence: Cap,
}

impl KindCaps {
    /// The cap for one kind.
    pub fn get(&self, kind: LimitedKind) -> &Cap {
        match kind {
            LimitedKind::Create => &self.create,
            LimitedKind::Rename => &self.rename,
            LimitedKind::Move => &self.moves,
            LimitedKind::Suspend => &self.suspend,
            LimitedKind::Unsuspend => &self.unsuspend,
            LimitedKind::RemoveLicence => &self.remove_licence,
        }
    }

    /// The cap for one kind, mutably.
    pub fn get_mut(&mut self, kind: LimitedKind) -> &mut Cap {
        match kind {
            LimitedKind::Create => &mut self.create,
            LimitedKind::Rename => &mut self.rename,
            LimitedKind::Move => &mut self.moves,
            LimitedKind::Suspend => &mut self.suspend,
            LimitedKind::Unsuspend => &mut self.unsuspend,
            LimitedKind::RemoveLicence => &mut self.remove_licence,
        }
    }
}

/// Limits on a run. The defaults: suspensions at most 5% of the managed accounts, licence
/// removals at most [`DEFAULT_MAX_REMOVE_LICENCE`] of them, and no school in scope may read
/// empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SafetyLimits {
    /// Caps on the whole run, against the managed accounts.
    pub run: KindCaps,
    /// Caps on each school, against the school's managed accounts (creates: its SIS rows);
    /// people whose school is unknown count only in the run caps.
    pub per_school: KindCaps,
    /// Refuse a run when a school in scope (and not allowed to be empty) has no SIS rows.
    pub refuse_empty_school: bool,
}

/// The default run cap on licence removals, a share of the managed accounts: 15%. The
/// removals D118's rule makes are one graduating class (about 1/13 of the students, 7.7%,
/// all on the first summer night; `docs/RELIABILITY.md`), so a normal summer passes with
/// room for a class twice the usual size, while a rule that took every student for a
/// graduate is refused before any write. Unlike suspensions (5%), a removal is a normal
/// once-a-year event of that size.
pub const DEFAULT_MAX_REMOVE_LICENCE: f64 = 0.15;

impl Default for SafetyLimits {
    fn default() -> Self {
        SafetyLimits {
            run: KindCaps {
                suspend: Cap::share(0.05),
                remove_licence: Cap::share(DEFAULT_MAX_REMOVE_LICENCE),
                ..KindCaps::default()
            },
            per_school: KindCaps::default(),
            refuse_empty_school: true,
        }
    }
}

impl SafetyLimits {
    /// The first unusable cap, named `run.<kind>` or `per_school.<kind>`.
    pub fn validate(&self) -> Result<(), (String, CapError)> {
        for kind in LimitedKind::ALL {
            self.run
                .get(kind)
                .validate()
                .map_err(|e| (format!("run.{kind}"), e))?;
            self.per_school
                .get(kind)
                .validate()
                .map_err(|e| (format!("per_school.{kind}"), e))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_parse_as_a_share_or_a_count() {
        assert_eq!("5%".parse::<Cap>(), Ok(Cap::share(0.05)));
        assert_eq!(" 200 ".parse::<Cap>(), Ok(Cap::count(200)));
        assert_eq!("100%".parse::<Cap>(), Ok(Cap::share(1.0)));
        assert_eq!("none".parse::<Cap>(), Ok(Cap::NONE));
    }

    #[test]
    fn bad_caps_are_clear_errors() {
        assert!(matches!("-5%".parse::<Cap>(), Err(CapError::Negative(_))));
        assert!(matches!("-3".parse::<Cap>(), Err(CapError::Negative(_))));
        assert!(matches!(
            "101%".parse::<Cap>(),
            Err(CapError::OverHundred(_))
        ));
        assert!(matches!("NaN%".parse::<Cap>(), Err(CapError::NotFinite(_))));
        assert!(matches!("inf".parse::<Cap>(), Err(CapError::NotFinite(_))));
        assert!(matches!("2.5".parse::<Cap>(), Err(CapError::NotANumber(_))));
        assert!(matches!(
            "lots".parse::<Cap>(),
            Err(CapError::NotANumber(_))
        ));
        assert_eq!("".parse::<Cap>(), Err(CapError::Empty));
        let e = "150%".parse::<Cap>().unwrap_err().to_string();
        assert!(e.contains("150%") && e.contains("over 100%"), "{e}");
    }

    #[test]
    fn the_stricter_of_share_and_count_wins() {
        let cap = Cap {
            share: Some(0.5),
            count: Some(3),
        };
        assert_eq!(cap.limit(40), Some(3));
        assert_eq!(cap.limit(4), Some(2));
        assert_eq!(Cap::NONE.limit(40), None);
    }

    #[test]
    fn a_policy_share_out_of_range_is_located() {
        let mut l = SafetyLimits::default();
        assert_eq!(l.validate(), Ok(()));
        l.per_school.moves = Cap::share(f64::NAN);
        let (at, e) = l.validate().unwrap_err();
        assert_eq!(at, "per_school.move");
        assert!(matches!(e, CapError::NotFinite(_)));
        let mut l = SafetyLimits::default();
        assert_eq!(l.run.remove_licence, Cap::share(DEFAULT_MAX_REMOVE_LICENCE));
        l.run.remove_licence = Cap::share(1.5);
        let (at, e) = l.validate().unwrap_err();
        assert_eq!(at, "run.remove_licence");
        assert!(matches!(e, CapError::OverHundred(_)));
    }
}
